"""Queries for photos, always scoped to one company."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from jobshots.db.models import STORED_STATES, Document, Photo


def for_job(session: Session, company_id: int, job_id: int, photo_uuid: uuid.UUID) -> Photo | None:
    """A visible photo of the job (soft-deleted ones included)."""
    query = select(Photo).where(
        *_shown(company_id), Photo.job_id == job_id, Photo.uuid == photo_uuid
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
    where = [*_shown(company_id), Photo.job_id == job_id]
    if photo_type is not None:
        where.append(Photo.photo_type == photo_type)
    if not include_deleted:
        where.append(Photo.deleted_at.is_(None))
    return _page(session, where, (Photo.created_at, Photo.id), offset, limit)


def by_client_key(session: Session, company_id: int, client_key: str) -> Photo | None:
    """The company's photo with that client-chosen key, in any state."""
    query = select(Photo).where(Photo.company_id == company_id, Photo.client_key == client_key)
    return session.scalars(query).one_or_none()


def by_public_key(session: Session, company_id: int, key: str) -> Photo | None:
    """A visible, live photo by its client key, or by its UUID when it has none."""
    matches = [Photo.client_key == key]
    with contextlib.suppress(ValueError):
        matches.append((Photo.uuid == uuid.UUID(key)) & Photo.client_key.is_(None))
    query = select(Photo).where(*_shown(company_id), Photo.deleted_at.is_(None), or_(*matches))
    return session.scalars(query).first()


def page_for_company(
    session: Session,
    company_id: int,
    *,
    job_id: int | None,
    form_id: str | None,
    created_since: datetime | None,
    updated_since: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[Photo], int]:
    """A page of the company's visible, live photos, oldest first, and the total count."""
    where = [*_shown(company_id), Photo.deleted_at.is_(None)]
    if job_id is not None:
        where.append(Photo.job_id == job_id)
    if form_id is not None:
        where.append(Photo.form_id == form_id)
    if created_since is not None:
        where.append(Photo.created_at >= created_since)
    if updated_since is not None:
        where.append(Photo.updated_at >= updated_since)
    return _page(session, where, (Photo.created_at, Photo.id), offset, limit)


def page_by_capture(
    session: Session,
    company_id: int,
    *,
    job_id: int | None,
    links: dict[str, int],
    offset: int,
    limit: int,
) -> tuple[list[Photo], int]:
    """A page of the company's uploaded, live photos by capture date, and the total count."""
    where = [*_shown(company_id), Photo.deleted_at.is_(None)]
    if job_id is not None:
        where.append(Photo.job_id == job_id)
    where.extend(getattr(Photo, column) == item for column, item in links.items())
    return _page(session, where, (Photo.taken_at, Photo.id), offset, limit)


def live_for_job(session: Session, company_id: int, job_id: int) -> list[Photo]:
    """The job's shown, undeleted photos, oldest upload first."""
    query = (
        select(Photo)
        .where(*_shown(company_id), Photo.deleted_at.is_(None), Photo.job_id == job_id)
        .order_by(Photo.created_at, Photo.id)
    )
    return list(session.scalars(query))


def _shown(company_id: int) -> list[ColumnElement[bool]]:
    """The one rule for which photos the company sees (deleted ones are filtered apart)."""
    return [Photo.company_id == company_id, Photo.state.in_(STORED_STATES)]


def _page(
    session: Session,
    where: list[ColumnElement[bool]],
    order: tuple[Any, ...],
    offset: int,
    limit: int,
) -> tuple[list[Photo], int]:
    total = session.scalar(select(func.count()).select_from(Photo).where(*where)) or 0
    query = select(Photo).where(*where).order_by(*order).offset(offset).limit(limit)
    return list(session.scalars(query)), total


def uploads_since(session: Session, company_id: int, since: datetime) -> int:
    """How many photos the company has received since `since`."""
    query = select(func.count()).where(
        Photo.company_id == company_id, Photo.created_at >= since, Photo.state != "pending"
    )
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
