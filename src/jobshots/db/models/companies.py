"""Companies (tenants), their people and their API keys."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobshots.db.base import Entity, Timestamped
from jobshots.db.types import JSONType, UTCDateTime

ROLES = ("owner", "manager", "staff", "contractor", "agent", "viewer")
ADDONS = ("photos", "documents", "workflows", "reports")


class Company(Entity, Timestamped):
    """A tenant: every other row belongs to exactly one company."""

    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(String(200))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("20.00"))
    # None means "the server's limit" (JOBSHOTS_MAX_UPLOAD_BYTES).
    max_upload_bytes: Mapped[int | None] = mapped_column(BigInteger)
    storage_quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    monthly_upload_quota: Mapped[int | None] = mapped_column()
    addons: Mapped[list[str]] = mapped_column(JSONType, default=lambda: list(ADDONS))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The working week SLA clocks count in: Monday to Friday, these hours, this zone, and
    # the bank holidays of this UK nation (ENG, WLS, SCT or NIR, as `holidays` names them).
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    working_day_starts: Mapped[time] = mapped_column(Time(), default=time(9))
    working_day_ends: Mapped[time] = mapped_column(Time(), default=time(17, 30))
    bank_holidays: Mapped[str] = mapped_column(String(3), default="ENG")
    # Evidence: deleted photos' files are purged this many days after deletion (None: kept);
    # a photo taken this many hours before its upload, or this far from its job, is flagged.
    retention_days: Mapped[int | None] = mapped_column()
    capture_gap_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    geofence_metres: Mapped[int] = mapped_column(default=250, server_default="250")


class User(Entity, Timestamped):
    """A person who works for (or with) a company."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20), default="staff")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)

    company: Mapped[Company] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        """First and last name, or the e-mail address when there is no name."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email


class ApiKey(Entity):
    """A secret shown once; only its hash is kept, found again by its prefix."""

    __tablename__ = "api_keys"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    allowed_ips: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # None means "whatever the user's role allows".
    permissions: Mapped[list[str] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginToken(Entity):
    """A Bearer token issued at sign-in; only its hash is kept."""

    __tablename__ = "login_tokens"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
