"""What the web app keeps between requests: sessions, failed sign-ins, uploads, reports made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobshots.db.base import Entity
from jobshots.db.models.companies import User
from jobshots.db.types import JSONType, UTCDateTime


class WebSession(Entity):
    """A signed-in browser; only the hash of its cookie's secret is kept."""

    __tablename__ = "web_sessions"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The absolute end; idle expiry is measured from last_seen_at.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship(lazy="joined")


class SignInFailure(Entity):
    """A refused sign-in, counted to slow down password guessing (by e-mail and by address)."""

    __tablename__ = "sign_in_failures"

    email: Mapped[str] = mapped_column(String(320), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResumableUpload(Entity):
    """A file arriving in pieces (tus): how much has come, and the photo it became."""

    __tablename__ = "resumable_uploads"
    __table_args__ = (UniqueConstraint("company_id", "client_key"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    # Chosen by the client, so a retried file finds its upload instead of starting another.
    client_key: Mapped[str | None] = mapped_column(String(100))
    length: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    photo_type: Mapped[str] = mapped_column(String(10), default="other")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))


class JobExport(Entity):
    """A job's PDF report asked for in the web app: drawn by a worker, kept for a while."""

    __tablename__ = "job_exports"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    include_locations: Mapped[bool] = mapped_column(default=False)
    # queued, then ready (its file stored) or failed (with the reason).
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    storage_key: Mapped[str | None] = mapped_column(String(500))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
