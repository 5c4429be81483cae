"""Photos and videos, and the renditions made from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from jobshots.db.base import Base, Entity, Timestamped
from jobshots.db.models.companies import User
from jobshots.db.models.jobs import Job
from jobshots.db.types import JSONType, UTCDateTime

PHOTO_TYPES = ("before", "during", "after", "other")
# How each type is headed wherever photos are grouped (the job page, the PDF report).
PHOTO_TYPE_NAMES = {"before": "Before", "during": "During", "after": "After", "other": "Other"}
# A photo's state: pending (record made, bytes not yet received: the presigned flow),
# stored (original durable in storage), processed (renditions made), failed (processing
# gave up; see failure_reason).
# The original is durable in these states: the photo is shown to the company.
STORED_STATES = ("stored", "processed", "failed")


class Photo(Entity, Timestamped):
    """A photo or video taken on a job, with everything known about it."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("company_id", "client_key"),
        Index("ix_photos_job_listing", "job_id", "deleted_at", "created_at"),
        Index("ix_photos_company_checksum", "company_id", "checksum_sha256"),
        *(Index(f"ix_photos_hash_band_{n}", "company_id", f"hash_band_{n}") for n in range(4)),
    )

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # Nullable: a photo can be unlinked from its job and still be kept as evidence.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(150), default="")
    description: Mapped[str | None] = mapped_column(Text)
    photo_type: Mapped[str] = mapped_column(String(10), default="other")
    is_video: Mapped[bool] = mapped_column(default=False)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    mime_type: Mapped[str | None] = mapped_column(String(100))
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500), unique=True)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    orientation: Mapped[int | None] = mapped_column()
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where taken_at came from: client_exif (the client's reading of the file, which wins),
    # exif (the file's own), client (a time sent with the upload) or upload (no better source).
    taken_at_source: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    # Where latitude and longitude came from: client_exif (which wins) or exif.
    location_source: Mapped[str | None] = mapped_column(String(20))
    exif: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    client_exif: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    related_to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Client-chosen id (Fulcrum access_key, offline id) that makes retries idempotent.
    client_key: Mapped[str | None] = mapped_column(String(100))
    form_id: Mapped[str | None] = mapped_column(String(100))
    inspection_line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    estimate_line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    supplemental_line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    change_order_line_item_id: Mapped[int | None] = mapped_column(ForeignKey("line_items.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    processing_attempts: Mapped[int] = mapped_column(default=0)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    customer_email_sent: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the retention period removed the original and renditions of this deleted photo.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Dispute flags found by the pipeline: [{"code": ..., "text": ..., ...}].
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # C2PA Content Credentials read from the upload: present, signer, valid.
    credentials: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # 64-bit perceptual hash of the thumbnail (signed), and its four 16-bit bands: two
    # hashes within Hamming distance 3 share at least one band, so each band is indexed.
    perceptual_hash: Mapped[int | None] = mapped_column(BigInteger)
    hash_band_0: Mapped[int | None] = mapped_column()
    hash_band_1: Mapped[int | None] = mapped_column()
    hash_band_2: Mapped[int | None] = mapped_column()
    hash_band_3: Mapped[int | None] = mapped_column()

    job: Mapped[Job | None] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id], lazy="joined")
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="photo", cascade="all, delete-orphan", lazy="selectin"
    )

    def rendition(self, kind: str) -> Rendition | None:
        """The rendition of that kind, if made."""
        return next((r for r in self.renditions if r.kind == kind), None)


# The rows every company-wide list starts from: shown and not deleted. Each list order has
# its own index over them, so a page is read in order and its offset skipped in the index.
_SHOWN_LIVE = and_(Photo.state.in_(STORED_STATES), Photo.deleted_at.is_(None))
Index(
    "ix_photos_shown_uploaded",
    Photo.company_id,
    Photo.created_at,
    Photo.id,
    postgresql_where=_SHOWN_LIVE,
    sqlite_where=_SHOWN_LIVE,
)
# Latest capture first, no capture time last. Said as "taken_at IS NULL" first, not NULLS
# LAST, which SQLite's indexes cannot say.
Index(
    "ix_photos_shown_taken",
    Photo.company_id,
    Photo.taken_at.is_(None),
    Photo.taken_at.desc(),
    Photo.created_at.desc(),
    Photo.id.desc(),
    postgresql_where=_SHOWN_LIVE,
    sqlite_where=_SHOWN_LIVE,
)
Index(
    "ix_photos_shown_updated",
    Photo.company_id,
    Photo.updated_at,
    Photo.id,
    postgresql_where=_SHOWN_LIVE,
    sqlite_where=_SHOWN_LIVE,
)
# A job's photos in upload order (every whole-job list and a job's pages), from the index.
Index(
    "ix_photos_shown_job_uploaded",
    Photo.job_id,
    Photo.company_id,
    Photo.created_at,
    Photo.id,
    postgresql_where=_SHOWN_LIVE,
    sqlite_where=_SHOWN_LIVE,
)


class PhotoTally(Base):
    """How many photos a company shows (stored, not deleted): what its lists count in all.

    Kept by database triggers (migration 0010) in the transaction that changes the photos, so
    it is exact whatever changes them. No foreign key: deleting a company deletes its photos,
    and the triggers bring its tally to 0 as they go.
    """

    __tablename__ = "photo_tallies"

    company_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    shown: Mapped[int] = mapped_column(BigInteger)


class JobPhotoTally(Base):
    """How many photos a job shows: its photo count, and whether it has any (`Job.has_photos`).

    Kept by database triggers (migration 0011) like `PhotoTally`; no foreign key, for the same
    reason: deleting a job deletes its photos, and the triggers bring its tally to 0.
    """

    __tablename__ = "job_photo_tallies"

    job_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    shown: Mapped[int] = mapped_column(BigInteger)


class Rendition(Entity):
    """A derived file: a resized JPEG or a video playback variant."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("photo_id", "kind"),)

    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    # thumbnail, large, or a video's playback variants video_720p and video_360p.
    kind: Mapped[str] = mapped_column(String(20))
    storage_key: Mapped[str] = mapped_column(String(500), unique=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    file_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    photo: Mapped[Photo] = relationship(back_populates="renditions")


def stored_state() -> ColumnElement[bool]:
    """The photo's original is stored: its states written into the SQL, not bound.

    A prepared statement's generic plan cannot prove bound values imply a partial index's
    condition, so PostgreSQL would leave the shown-photo indexes after a few runs."""
    states: BindParameter[str] = bindparam(
        "stored_states", STORED_STATES, expanding=True, literal_execute=True
    )
    return Photo.state.in_(states)
