"""Queries for a job's chat messages, always scoped to one company."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from jobshots.db.models import JobMessage


def chat_for_job(
    session: Session, company_id: int, job_id: int, latest: int | None = None
) -> list[JobMessage]:
    """The job's chat messages with their authors, oldest first; only the `latest` when given."""
    query = (
        select(JobMessage)
        .where(JobMessage.company_id == company_id, JobMessage.job_id == job_id)
        .options(selectinload(JobMessage.author))
    )
    if latest is None:
        return list(session.scalars(query.order_by(JobMessage.created_at, JobMessage.id)))
    newest = query.order_by(JobMessage.created_at.desc(), JobMessage.id.desc()).limit(latest)
    return list(reversed(session.scalars(newest).all()))


def count_for_job(session: Session, company_id: int, job_id: int) -> int:
    """How many chat messages the job has."""
    query = select(func.count()).where(
        JobMessage.company_id == company_id, JobMessage.job_id == job_id
    )
    return session.scalar(query) or 0
