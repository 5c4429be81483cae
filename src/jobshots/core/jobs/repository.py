"""Queries for jobs, always scoped to one company."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobshots.db.models import Job


def by_uuid(session: Session, company_id: int, job_uuid: uuid.UUID) -> Job | None:
    """The company's live job with that UUID."""
    query = select(Job).where(
        Job.company_id == company_id, Job.uuid == job_uuid, Job.deleted_at.is_(None)
    )
    return session.scalars(query).one_or_none()


def page(session: Session, company_id: int, offset: int, limit: int) -> tuple[list[Job], int]:
    """A page of the company's live jobs, newest first, and the total count."""
    live = (Job.company_id == company_id, Job.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Job).where(*live)) or 0
    query = select(Job).where(*live).order_by(Job.created_at.desc(), Job.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit))), total
