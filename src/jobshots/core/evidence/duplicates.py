"""Duplicates without ML: the same bytes (SHA-256), or the same scene (perceptual hash).

The hash is pHash of the thumbnail (`jobshots.media.fingerprint`). Two photos are the same
scene when their hashes differ in at most NEAR_DISTANCE of 64 bits: on scikit-image's real
photos 75 of 76 resized, recompressed copies were within it and no two unrelated photos came
closer than 20 bits (`bench/perceptual_hash.py` measures both; docs/evidence.md has
the figures). The lookup splits the hash into four
indexed 16-bit bands; two hashes within 7 bits have a band equal or one bit apart
(pigeonhole), so probing each band's value and its 16 one-bit neighbours finds every match.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from jobshots.db.models import Job, Photo
from jobshots.media.fingerprint import distance

NEAR_DISTANCE = 7
BAND_BITS = 16
# Enough for ~1,000 candidates a lookup at a million uniformly spread hashes; a company whose
# hashes crowd a few bands is cut off here rather than slowing every upload.
MAX_CANDIDATES = 4000
MAX_FLAGS = 5
_BANDS = (Photo.hash_band_0, Photo.hash_band_1, Photo.hash_band_2, Photo.hash_band_3)


def place(photo: Photo, value: int | None) -> None:
    """Store the photo's perceptual hash and the bands it is looked up by."""
    photo.perceptual_hash = value
    bands = _bands(value) if value is not None else (None, None, None, None)
    photo.hash_band_0, photo.hash_band_1, photo.hash_band_2, photo.hash_band_3 = bands


def matches(session: Session, photo: Photo) -> list[dict[str, Any]]:
    """Flags for the company's other live photos that are this one's duplicates."""
    exact = _same_bytes(session, photo)
    return exact + _same_scene(session, photo, {row["photo_uuid"] for row in exact})


def _same_bytes(session: Session, photo: Photo) -> list[dict[str, Any]]:
    # In any job, this one's too: the same file twice in a job is a double upload, and a
    # report that shows it twice looks padded.
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
        .limit(MAX_FLAGS)
    ).all()
    return [
        {
            "code": "duplicate",
            "text": f"the same file as a photo of {_job_words(reference)}",
            "photo_uuid": str(other),
            "job_uuid": str(job) if job else None,
            "job_reference": reference,
        }
        for other, job, reference in rows
    ]


def _same_scene(session: Session, photo: Photo, already: set[str]) -> list[dict[str, Any]]:
    # Only other jobs: shots of one job are often retakes of the same spot, which is no
    # dispute; the same scene filed under another job is what an auditor must see.
    if photo.perceptual_hash is None:
        return []
    candidates = session.execute(
        select(Photo.id, Photo.perceptual_hash)
        .where(
            _near_bands(photo.company_id, photo.perceptual_hash),
            Photo.id != photo.id,
            Photo.job_id.is_distinct_from(photo.job_id),
            Photo.deleted_at.is_(None),
        )
        .limit(MAX_CANDIDATES)
    ).all()
    near = sorted(
        (distance(photo.perceptual_hash, value), photo_id)
        for photo_id, value in candidates
        if value is not None and distance(photo.perceptual_hash, value) <= NEAR_DISTANCE
    )
    if not near:
        return []
    distances = {photo_id: bits for bits, photo_id in near}
    rows = session.execute(
        select(Photo.id, Photo.uuid, Job.uuid, Job.reference)
        .outerjoin(Job, Job.id == Photo.job_id)
        .where(Photo.id.in_(distances))
    ).all()
    flags = [
        _near_flag(other, job, reference, distances[photo_id])
        for photo_id, other, job, reference in rows
        if str(other) not in already
    ]
    return sorted(flags, key=lambda flag: (flag["distance"], flag["photo_uuid"]))[:MAX_FLAGS]


def _near_flag(
    other: uuid.UUID, job: uuid.UUID | None, reference: str | None, bits: int
) -> dict[str, Any]:
    return {
        "code": "near_duplicate",
        "text": f"the same scene as a photo of {_job_words(reference)}",
        "photo_uuid": str(other),
        "job_uuid": str(job) if job else None,
        "job_reference": reference,
        "distance": bits,
    }


def _near_bands(company_id: int, value: int) -> ColumnElement[bool]:
    # The company in every arm, so each arm is one (company_id, band) index range: SQLite
    # then reads the four indexes and merges, as PostgreSQL does with a bitmap OR.
    return or_(
        *(
            and_(
                Photo.company_id == company_id,
                column.in_([band, *(band ^ (1 << bit) for bit in range(BAND_BITS))]),
            )
            for column, band in zip(_BANDS, _bands(value), strict=True)
        )
    )


def _job_words(reference: str | None) -> str:
    return f"job {reference}" if reference else "no job"


def _bands(value: int) -> tuple[int, int, int, int]:
    unsigned = value & 0xFFFF_FFFF_FFFF_FFFF
    return (
        (unsigned >> 48) & 0xFFFF,
        (unsigned >> 32) & 0xFFFF,
        (unsigned >> 16) & 0xFFFF,
        unsigned & 0xFFFF,
    )
