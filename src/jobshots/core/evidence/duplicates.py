"""Duplicates without ML: the same bytes (SHA-256), or the same scene (perceptual hash)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.db.models import Job, Photo


def place(photo: Photo, value: int | None) -> None:
    """Store the photo's perceptual hash and the bands it is looked up by."""
    photo.perceptual_hash = value
    bands = _bands(value) if value is not None else (None, None, None, None)
    photo.hash_band_0, photo.hash_band_1, photo.hash_band_2, photo.hash_band_3 = bands


def matches(session: Session, photo: Photo) -> list[dict[str, Any]]:
    """Flags for the company's other live photos that are this one's duplicates."""
    if photo.checksum_sha256 is None:
        return []
    rows = session.execute(
        select(Photo.uuid, Job.uuid, Job.reference)
        .outerjoin(Job, Job.id == Photo.job_id)
        .where(
            Photo.company_id == photo.company_id,
            Photo.checksum_sha256 == photo.checksum_sha256,
            Photo.id != photo.id,
            Photo.deleted_at.is_(None),
        )
        .order_by(Photo.id)
        .limit(5)
    ).all()
    return [
        {
            "code": "duplicate",
            "text": f"the same file as a photo of job {reference or 'none'}",
            "photo_uuid": str(other),
            "job_uuid": str(job) if job else None,
        }
        for other, job, reference in rows
    ]


def _bands(value: int) -> tuple[int, int, int, int]:
    unsigned = value & 0xFFFF_FFFF_FFFF_FFFF
    return (
        (unsigned >> 48) & 0xFFFF,
        (unsigned >> 32) & 0xFFFF,
        (unsigned >> 16) & 0xFFFF,
        unsigned & 0xFFFF,
    )
