"""Recalls as the maintenance API writes them."""

from __future__ import annotations

from typing import Any

from jobshots.core.jobs.recalls import RecallState, RecallView
from jobshots.core.jobs.views import Named
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import ok


def recalled(state: RecallState) -> dict[str, Any]:
    """A recall raised: the job reopened, and the status it was reopened in."""
    status = state.status.name if state.status else "no status"
    return ok(f"Job recalled and reopened as {status}", state_of(state))


def ended(state: RecallState) -> dict[str, Any]:
    """A recall ended: completed again, or cancelled and the job put back."""
    latest = state.latest
    status = state.status.name if state.status else "no status"
    if latest is not None and latest.outcome == "cancel":
        return ok(f"Recall cancelled; the job is back as {status}", state_of(state))
    return ok(f"Recall completed; the job is {status}", state_of(state))


def listed(state: RecallState) -> dict[str, Any]:
    """A job's recall state with every recall it has had, newest first."""
    recalls = [recall(item) for item in state.recalls]
    return ok("Recalls retrieved", {**state_of(state), "recalls": recalls}, count=len(recalls))


def state_of(state: RecallState) -> dict[str, Any]:
    """Where a job stands on recalls, and its latest recall."""
    return {
        "job_id": state.job_id,
        "job_uuid": str(state.job_uuid),
        "job_ref": state.reference,
        "is_recalled": state.is_recalled,
        **_pair("status", state.status),
        "stage": state.stage,
        "completed_at": iso_seconds(state.completed_at),
        "recall": recall(state.latest) if state.latest else None,
    }


def recall(item: RecallView) -> dict[str, Any]:
    """One recall."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "reason": item.reason,
        "raised_at": iso_seconds(item.raised_at),
        **_pair("raised_by", item.raised_by),
        **_pair("previous_status", item.previous_status),
        "is_open": item.closed_at is None,
        "closed_at": iso_seconds(item.closed_at),
        **_pair("closed_by", item.closed_by),
        "outcome": item.outcome,
    }


def _pair(name: str, value: Named | None) -> dict[str, Any]:
    return {
        f"{name}_id": value.id if value else None,
        f"{name}_name": value.name if value else None,
    }
