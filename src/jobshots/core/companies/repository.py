"""Queries about what a company uses: uploads this month, bytes kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobshots.db.models import Document, Photo


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
