"""Queries for photos, always scoped to one company."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobshots.db.models import Document, Photo


def for_job(session: Session, company_id: int, job_id: int, photo_uuid: uuid.UUID) -> Photo | None:
    """A visible photo of the job (soft-deleted ones included)."""
    query = select(Photo).where(
        Photo.company_id == company_id,
        Photo.job_id == job_id,
        Photo.uuid == photo_uuid,
        Photo.state != "pending",
    )
    return session.scalars(query).one_or_none()


def page_for_job(
    session: Session,
    company_id: int,
    job_id: int,
    *,
    photo_type: str | None,
    include_deleted: bool,
    offset: int,
    limit: int,
) -> tuple[list[Photo], int]:
    """A page of the job's visible photos in upload order, and the total count."""
    where = [Photo.company_id == company_id, Photo.job_id == job_id, Photo.state != "pending"]
    if photo_type is not None:
        where.append(Photo.photo_type == photo_type)
    if not include_deleted:
        where.append(Photo.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Photo).where(*where)) or 0
    query = select(Photo).where(*where).order_by(Photo.created_at, Photo.id)
    return list(session.scalars(query.offset(offset).limit(limit))), total


def uploads_since(session: Session, company_id: int, since: datetime) -> int:
    """How many photos the company has received since `since`."""
    query = select(func.count()).where(Photo.company_id == company_id, Photo.created_at >= since)
    return session.scalar(query) or 0


def stored_bytes(session: Session, company_id: int) -> int:
    """Bytes of originals the company keeps (soft-deleted ones are still kept)."""
    photos = select(func.coalesce(func.sum(Photo.file_size), 0)).where(
        Photo.company_id == company_id
    )
    documents = select(func.coalesce(func.sum(Document.file_size), 0)).where(
        Document.company_id == company_id
    )
    return int(session.scalar(photos) or 0) + int(session.scalar(documents) or 0)
