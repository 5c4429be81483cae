"""Placing and lifting a legal hold on a job, by owners and managers, in the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobshots.core import audit, permissions
from jobshots.core.errors import Conflict
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job, User
from jobshots.db.types import utcnow

REASON_MAX = 500


@dataclass(frozen=True)
class Hold:
    """A job's legal hold as people see it: why, since when, and who placed it."""

    reason: str
    placed_at: datetime
    placed_by: str | None


def of_job(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> Hold | None:
    """The hold on one of the caller's jobs, None when it is free; NotFound if not theirs."""
    principal.require(permissions.JOBS_LIST)
    job = jobs.get(uow, principal, job_ref)
    if job.legal_hold_at is None:
        return None
    by = uow.session.get(User, job.legal_hold_by_id) if job.legal_hold_by_id else None
    return Hold(job.legal_hold_reason or "", job.legal_hold_at, by.display_name if by else None)


def place(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, reason: str | None) -> Job:
    """Hold the job: from now on nothing of it can be deleted; a reason is required."""
    principal.require(permissions.JOBS_HOLD)
    job = jobs.get(uow, principal, job_ref)
    reason = required_text(reason, "reason", REASON_MAX)
    if job.legal_hold_at is not None:
        raise Conflict(f"job {job.reference} is already on legal hold: {job.legal_hold_reason}")
    job.legal_hold_at, job.legal_hold_reason = utcnow(), reason
    job.legal_hold_by_id = principal.user_id
    audit.record(
        uow, principal, "job.held", "job", job.uuid, job_id=job.id, data={"reason": reason}
    )
    return job


def lift(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> Job:
    """Release the job's hold; the history keeps the reason it was held for."""
    principal.require(permissions.JOBS_HOLD)
    job = jobs.get(uow, principal, job_ref)
    if job.legal_hold_at is None:
        raise Conflict(f"job {job.reference} is not on legal hold")
    data = {"reason": job.legal_hold_reason, "held_at": job.legal_hold_at.isoformat()}
    job.legal_hold_at = job.legal_hold_reason = job.legal_hold_by_id = None
    audit.record(uow, principal, "job.released", "job", job.uuid, job_id=job.id, data=data)
    return job
