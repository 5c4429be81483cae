"""Queries for API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.db.models import ApiKey


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The key with that prefix, revoked or not."""
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()


def of_company(session: Session, company_id: int) -> list[ApiKey]:
    """The company's keys, those in use first, newest first."""
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.company_id == company_id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def in_company(session: Session, company_id: int, prefix: str) -> ApiKey | None:
    """The company's key with that prefix; None for a missing one or another company's."""
    return session.scalars(
        select(ApiKey).where(ApiKey.company_id == company_id, ApiKey.prefix == prefix)
    ).one_or_none()
