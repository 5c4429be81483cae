"""Queries for a job's timeline: its chat messages and its photos, always scoped to one company."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jobshots.db.models import JobMessage, Photo

# The original is durably stored in these states, so the photo can be shown.
SHOWN_STATES = ("stored", "processed", "failed")


def chat_for_job(session: Session, company_id: int, job_id: int) -> list[JobMessage]:
    """The job's chat messages with their authors, oldest first."""
    query = (
        select(JobMessage)
        .where(JobMessage.company_id == company_id, JobMessage.job_id == job_id)
        .options(selectinload(JobMessage.author))
        .order_by(JobMessage.created_at, JobMessage.id)
    )
    return list(session.scalars(query))


def photos_for_job(session: Session, company_id: int, job_id: int) -> list[Photo]:
    """The job's stored, live photos, oldest upload first."""
    query = (
        select(Photo)
        .where(
            Photo.company_id == company_id,
            Photo.job_id == job_id,
            Photo.state.in_(SHOWN_STATES),
            Photo.deleted_at.is_(None),
        )
        .order_by(Photo.created_at, Photo.id)
    )
    return list(session.scalars(query))
