"""Queries for exports: a job's live originals, as narrow rows read in batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.core.photos.repository import shown
from jobshots.db.models import Photo, User

# Rows read from the database at a time.
BATCH = 500


@dataclass(frozen=True)
class Original:
    """A photo's original as an export needs it, and who uploaded it."""

    uuid: uuid.UUID
    photo_type: str
    name: str
    file_name: str | None
    storage_key: str
    file_size: int | None
    checksum_sha256: str | None
    mime_type: str | None
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    flags: list[dict[str, Any]] | None
    uploader_first_name: str | None
    uploader_last_name: str | None
    uploader_email: str | None

    @property
    def uploaded_by(self) -> str | None:
        """The uploader's name, or e-mail address when they have no name."""
        name = f"{self.uploader_first_name or ''} {self.uploader_last_name or ''}".strip()
        return name or self.uploader_email


def live_originals(session: Session, company_id: int, job_id: int) -> Iterator[Original]:
    """The job's shown, undeleted photos with their uploader, oldest upload first."""
    query = (
        select(
            Photo.uuid,
            Photo.photo_type,
            Photo.name,
            Photo.file_name,
            Photo.storage_key,
            Photo.file_size,
            Photo.checksum_sha256,
            Photo.mime_type,
            Photo.taken_at,
            Photo.latitude,
            Photo.longitude,
            Photo.flags,
            User.first_name.label("uploader_first_name"),
            User.last_name.label("uploader_last_name"),
            User.email.label("uploader_email"),
        )
        .outerjoin(User, User.id == Photo.uploaded_by_id)
        .where(shown(company_id), Photo.deleted_at.is_(None), Photo.job_id == job_id)
        .order_by(Photo.created_at, Photo.id)
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(query):
        yield Original(**row._asdict())
