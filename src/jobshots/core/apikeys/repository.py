"""Queries for API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.db.models import ApiKey


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The key with that prefix, revoked or not."""
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
