"""A job moving between statuses: the one place a status change is checked and recorded."""

from __future__ import annotations

from datetime import datetime

from jobshots.core.jobs import gates
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import STAGES, Job, JobStatus, JobStatusChange
from jobshots.db.types import utcnow

_COMPLETE = STAGES.index("complete")


def move(uow: UnitOfWork, job: Job, status: JobStatus, at: datetime | None = None) -> None:
    """Put `job` in `status` (one of its company's) and record when it entered it."""
    job.status_id = status.id
    entered(uow, job, status, at)


def entered(uow: UnitOfWork, job: Job, status: JobStatus, at: datetime | None = None) -> None:
    """Record that `job` (flushed, with an id) has just entered `status`; a job entering the
    complete stage is completed then, and one taken back before it is no longer complete.
    Its SLA clocks started no later than its first status change: the earliest is kept."""
    gates.check(uow, job, status)
    at = at or utcnow()
    if job.clock_started_at is None or at < job.clock_started_at:
        job.clock_started_at = at
    if STAGES.index(status.stage) < _COMPLETE:
        job.completed_at = None
    elif status.stage == "complete" or job.completed_at is None:
        job.completed_at = at
    uow.session.add(
        JobStatusChange(
            company_id=job.company_id,
            job_id=job.id,
            status_id=status.id,
            stage=status.stage,
            pauses_sla=status.pauses_sla,
            changed_at=at,
        )
    )
