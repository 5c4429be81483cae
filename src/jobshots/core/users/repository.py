"""Queries for a company's people and the credentials they sign in with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jobshots.db.models import ApiKey, LoginToken, User, WebSession


def of_company(session: Session, company_id: int) -> list[User]:
    """The company's people, active first, then by name and address."""
    return list(
        session.scalars(
            select(User)
            .where(User.company_id == company_id)
            .order_by(
                User.is_active.desc(),
                func.lower(User.first_name),
                func.lower(User.last_name),
                User.email,
            )
        )
    )


def in_company(session: Session, company_id: int, user_uuid: uuid.UUID) -> User | None:
    """The company's person with that UUID; None for a missing one or another company's."""
    return session.scalars(
        select(User).where(User.company_id == company_id, User.uuid == user_uuid)
    ).one_or_none()


def active_owners(session: Session, company_id: int) -> int:
    """How many of the company's owners are active."""
    count = session.scalar(
        select(func.count()).where(
            User.company_id == company_id, User.role == "owner", User.is_active.is_(True)
        )
    )
    return count or 0


def end_sign_ins(session: Session, user_id: int, now: datetime) -> None:
    """End the person's live browser sessions and login tokens."""
    for model in (WebSession, LoginToken):
        session.execute(
            update(model)
            .where(model.user_id == user_id, model.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def revoke_keys(session: Session, user_id: int, now: datetime) -> None:
    """Revoke the person's API keys still in use."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
