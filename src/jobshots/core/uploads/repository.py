"""Queries for resumable uploads; they never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.db.models.web import ResumableUpload


def locked(session: Session, company_id: int, upload_uuid: uuid.UUID) -> ResumableUpload | None:
    """The company's upload, its row locked until the transaction ends."""
    query = (
        select(ResumableUpload)
        .where(ResumableUpload.uuid == upload_uuid, ResumableUpload.company_id == company_id)
        .with_for_update()
    )
    return session.scalars(query).one_or_none()


def find(session: Session, company_id: int, upload_uuid: uuid.UUID) -> ResumableUpload | None:
    """The company's upload, unlocked."""
    query = select(ResumableUpload).where(
        ResumableUpload.uuid == upload_uuid, ResumableUpload.company_id == company_id
    )
    return session.scalars(query).one_or_none()


def by_client_key(session: Session, company_id: int, client_key: str) -> ResumableUpload | None:
    """The company's upload the client named with `client_key`."""
    query = select(ResumableUpload).where(
        ResumableUpload.company_id == company_id, ResumableUpload.client_key == client_key
    )
    return session.scalars(query).one_or_none()


def expired(
    session: Session, company_id: int | None, now: datetime, limit: int
) -> Sequence[ResumableUpload]:
    """Unfinished uploads past their expiry (one company's, or every company's), locked,
    oldest first."""
    query = select(ResumableUpload).where(
        ResumableUpload.completed_at.is_(None), ResumableUpload.expires_at < now
    )
    if company_id is not None:
        query = query.where(ResumableUpload.company_id == company_id)
    query = query.order_by(ResumableUpload.expires_at).limit(limit).with_for_update()
    return session.scalars(query).all()
