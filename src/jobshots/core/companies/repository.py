"""Queries about companies: which one an operator names, and what it uses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from jobshots.core.ids import storable
from jobshots.db.models import Company, Document, Photo


def named_by(company_ref: str) -> ColumnElement[bool]:
    """The company an operator names by integer id or UUID (nothing, for anything else)."""
    if company_ref.isdigit():
        number = int(company_ref)
        return Company.id == number if storable(number) else false()
    try:
        return Company.uuid == uuid.UUID(company_ref)
    except ValueError:
        return false()


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
