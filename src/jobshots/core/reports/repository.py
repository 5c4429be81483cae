"""Queries for job report links."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from jobshots.db.models import Job


def live_job_by_token(session: Session, token: str) -> Job | None:
    """The live job whose report link carries `token`, in any company."""
    query = select(Job).where(Job.report_token == token, Job.deleted_at.is_(None))
    return session.scalars(query).one_or_none()


def claim_token(session: Session, job: Job, token: str) -> str | None:
    """Give the job `token` unless it already has one; the job's token either way."""
    # Conditional, so two requests issuing at once agree on one token. Links are
    # issued while reading a job, which must not look like a change to it.
    session.execute(
        update(Job)
        .where(Job.id == job.id, Job.report_token.is_(None))
        .values(report_token=token, updated_at=Job.updated_at)
        .execution_options(synchronize_session=False)
    )
    stored = session.scalar(select(Job.report_token).where(Job.id == job.id))
    set_committed_value(job, "report_token", stored)
    return stored


def company_of_job(session: Session, job_uuid: uuid.UUID) -> int | None:
    """The company a live job belongs to."""
    query = select(Job.company_id).where(Job.uuid == job_uuid, Job.deleted_at.is_(None))
    return session.scalar(query)
