"""The maintenance API's JSON shape of a job's SLA standing."""

from __future__ import annotations

from typing import Any

from jobshots.core.sla.views import JobSla
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import listed


def job(item: JobSla) -> dict[str, Any]:
    """One job against its SLA: deadlines, when it responded or completed, and its state."""
    found = item.standing
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "job_ref": item.reference,
        "job_title": item.title,
        "priority_name": item.priority_name,
        "response_due_at": iso_seconds(found.response_due_at),
        "completion_due_at": iso_seconds(found.completion_due_at),
        "responded_at": iso_seconds(found.responded_at),
        "completed_at": iso_seconds(found.completed_at),
        "state": found.state,
        "measured": found.state is not None,
        "window": found.window,
        "at_risk": found.at_risk,
        "seconds_remaining": found.seconds_remaining,
        "seconds_exceeded": found.seconds_exceeded,
        "paused": found.paused,
    }


def jobs(items: list[JobSla], total: int) -> dict[str, Any]:
    """A list of jobs' standings: `count` in this answer, `total` that match."""
    return listed("SLA status retrieved", [job(item) for item in items], total)
