"""Approval gates as the maintenance API writes them: a job's gate and the company's rule."""

from __future__ import annotations

from typing import Any

from jobshots.core.jobs.views import GateView, RuleView
from jobshots.core.times import iso_seconds


def gate(view: GateView | None) -> dict[str, Any] | None:
    """A job's gate: its state, the status it guards, the latest decision; None when no gate
    holds the job."""
    if view is None:
        return None
    return {
        "status": view.state,
        "gate_status_id": view.status.id,
        "gate_status_name": view.status.name,
        "decided_by": view.decided_by.id if view.decided_by else None,
        "decided_by_name": view.decided_by.name if view.decided_by else None,
        "decided_at": iso_seconds(view.decided_at),
        "notes": view.notes,
    }


def rule(view: RuleView | None) -> dict[str, Any] | None:
    """The company's approval rule, or None when it has none."""
    if view is None:
        return None
    return {
        "status_id": view.status.id,
        "status_name": view.status.name,
        "stage": view.stage,
        # Exact to the penny as a JSON number, as the job's amounts are (wire.jobs.money).
        "budget_over": float(view.budget_over) if view.budget_over is not None else None,
        "job_type_ids": [item.id for item in view.job_types],
        "job_types": [{"job_type_id": t.id, "job_type_name": t.name} for t in view.job_types],
        "updated_at": iso_seconds(view.updated_at),
    }
