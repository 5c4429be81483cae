"""Pinned jobs: the ones each user keeps on their dashboard."""

from __future__ import annotations

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import JobPin
from jobshots.db.types import utcnow


def toggle(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> bool:
    """Pin the job for the caller, or unpin it if pinned; whether it is pinned now."""
    principal.require(permissions.PINS)
    job = jobs.get(uow, principal, job_ref)
    pin = uow.session.scalars(
        select(JobPin).where(JobPin.user_id == principal.user_id, JobPin.job_id == job.id)
    ).one_or_none()
    if pin is not None:
        uow.session.delete(pin)
        audit.record(uow, principal, "job.unpinned", "job", job.uuid, job_id=job.id)
        return False
    uow.session.add(JobPin(user_id=principal.user_id, job_id=job.id, created_at=utcnow()))
    audit.record(uow, principal, "job.pinned", "job", job.uuid, job_id=job.id)
    return True
