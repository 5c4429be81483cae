"""Settings read once from JOBSHOTS_* environment variables."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105  (refused outside dev mode)
# 32 zero bytes, base64: only ever accepted in development mode.
DEV_ENCRYPTION_KEY = base64.b64encode(bytes(32)).decode()
# The Ed25519 seed of development mode's history and export signatures: 32 bytes of 1s.
DEV_SIGNING_KEY = base64.b64encode(bytes([1] * 32)).decode()


class Settings(BaseSettings):
    """Everything the server and the CLI need to know about their environment."""

    model_config = SettingsConfigDict(env_prefix="JOBSHOTS_", extra="ignore")

    dev: bool = Field(default=False, description="Development mode: allows default secrets.")
    database_url: str = "sqlite:///./data/jobshots.db"
    storage_url: str = "file://./data/media"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET_KEY
    encryption_key: str = DEV_ENCRYPTION_KEY
    # Comma-separated: keys that still open values sealed before a rotation.
    previous_encryption_keys: str = ""
    # Base64 of the 32-byte Ed25519 seed that signs the history's chain heads and exports.
    signing_key: str = DEV_SIGNING_KEY
    # How often the workers verify every company's history chain and record the result.
    audit_verify_interval_seconds: float = Field(default=24 * 3600, gt=0)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    file_url_ttl_seconds: int = Field(default=3600, gt=0)
    upload_form_ttl_seconds: int = Field(default=900, gt=0)
    csrf_token_ttl_seconds: int = Field(default=7200, gt=0)
    # Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""
    # Requests allowed per window, per API key or signed-in account and per client address;
    # 0 turns that limit off.
    rate_limit_per_key: int = Field(default=1200, ge=0)
    rate_limit_per_ip: int = Field(default=3000, ge=0)
    rate_limit_window_seconds: int = Field(default=60, gt=0)
    media_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    # Each file's decoding, in a worker process: its memory (MB), CPU time and wall-clock time.
    decode_memory_mb: int = Field(default=1024, ge=64)
    decode_cpu_seconds: int = Field(default=120, gt=0)
    decode_timeout_seconds: float = Field(default=300, gt=0)
    recovery_grace_seconds: float = Field(default=600, ge=0)
    recovery_interval_seconds: float = Field(default=60, gt=0)
    # Stored files no row owns (a crash between storing and committing), and staged uploads,
    # are removed once this old; the listing runs at most once per interval.
    orphan_grace_seconds: float = Field(default=24 * 3600, ge=0)
    orphan_sweep_interval_seconds: float = Field(default=3600, gt=0)
    worker_heartbeat_seconds: float = Field(default=10, gt=0)
    # Case-note e-mail: smtp://, smtp+starttls:// or smtps://, with user:password@ if needed.
    # Without it, notes meant to be e-mailed are kept and marked `skipped`.
    smtp_url: str = ""
    mail_from: str = "Jobshots <jobshots@localhost>"
    mail_reply_domain: str = "localhost"
    # Shared with the MTA that posts replies to POST /api/inbound/email.
    inbound_secret: str = ""
    mail_attempts: int = Field(default=5, gt=0)
    # The wait before the second attempt; each later wait doubles it.
    mail_retry_seconds: float = Field(default=30, ge=0)
    reply_token_ttl_days: int = Field(default=90, gt=0)
    # Web app sessions: signed out after this long unused, and this long after sign-in anyway.
    session_idle_seconds: int = Field(default=30 * 60, gt=0)
    session_lifetime_seconds: int = Field(default=12 * 3600, gt=0)
    # Failed sign-ins allowed per e-mail address and per client address within the window.
    sign_in_failures_per_email: int = Field(default=5, gt=0)
    sign_in_failures_per_ip: int = Field(default=20, gt=0)
    sign_in_window_seconds: int = Field(default=15 * 60, gt=0)
    # The job page's map tiles ({z}/{x}/{y}); the map keeps its markers when they cannot load.
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap contributors"

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("file", "s3"):
            raise ValueError("storage_url must start with file:// or s3://")
        return value

    @field_validator("map_tiles_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("map_tiles_url must be an http(s) URL")
        if not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("map_tiles_url must hold {z}, {x} and {y}")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _known_smtp(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("smtp", "smtp+starttls", "smtps"):
            raise ValueError("smtp_url must start with smtp://, smtp+starttls:// or smtps://")
        return value

    @field_validator("encryption_key", "signing_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str, info: ValidationInfo) -> str:
        _key_bytes(value, str(info.field_name))
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for item in _listed(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {item!r} is not an address or range") from exc
        return value

    @field_validator("previous_encryption_keys")
    @classmethod
    def _previous_keys_are_32_bytes(cls, value: str) -> str:
        for key in _listed(value):
            _key_bytes(key, "previous_encryption_keys")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if not self.dev:
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("set JOBSHOTS_SECRET_KEY (or JOBSHOTS_DEV=1 for development)")
            if self.encryption_key == DEV_ENCRYPTION_KEY:
                raise ValueError("set JOBSHOTS_ENCRYPTION_KEY (or JOBSHOTS_DEV=1 for development)")
            if self.signing_key == DEV_SIGNING_KEY:
                raise ValueError("set JOBSHOTS_SIGNING_KEY (or JOBSHOTS_DEV=1 for development)")
        return self

    @property
    def encryption_key_bytes(self) -> bytes:
        """The field-encryption key as raw bytes."""
        return base64.b64decode(self.encryption_key)

    @property
    def signing_key_bytes(self) -> bytes:
        """The Ed25519 signing seed as raw bytes."""
        return base64.b64decode(self.signing_key)

    @property
    def previous_encryption_key_bytes(self) -> list[bytes]:
        """Older field-encryption keys, as raw bytes."""
        return [base64.b64decode(key) for key in _listed(self.previous_encryption_keys)]

    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose, derived from the server's secret key."""
        return hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()

    @property
    def uses_postgresql(self) -> bool:
        """PostgreSQL (distributed workers) rather than SQLite (in-process workers)."""
        return urlsplit(self.database_url).scheme.startswith("postgres")


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _key_bytes(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError(f"{name} must be base64") from exc
    if len(raw) != 32:
        raise ValueError(f"{name} must decode to exactly 32 bytes")
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
