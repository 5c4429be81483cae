"""Queries for a job's chat messages, always scoped to one company."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jobshots.db.models import JobMessage


def chat_for_job(session: Session, company_id: int, job_id: int) -> list[JobMessage]:
    """The job's chat messages with their authors, oldest first."""
    query = (
        select(JobMessage)
        .where(JobMessage.company_id == company_id, JobMessage.job_id == job_id)
        .options(selectinload(JobMessage.author))
        .order_by(JobMessage.created_at, JobMessage.id)
    )
    return list(session.scalars(query))
