"""Queries for browser sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from jobshots.db.models import SignInFailure, WebSession


def by_hash(session: Session, token_hash: str) -> WebSession | None:
    """The session whose cookie secret hashes to `token_hash`."""
    return session.scalars(
        select(WebSession).where(WebSession.token_hash == token_hash)
    ).one_or_none()


def revoke_by_hash(session: Session, token_hash: str, now: datetime) -> None:
    """End the session with this hash, if it is still live."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def drop_ended(session: Session, user_id: int, now: datetime, idle_since: datetime) -> None:
    """Delete the user's sessions that are over (signed out, idle too long, or past their end)."""
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user_id,
            or_(
                WebSession.revoked_at.is_not(None),
                WebSession.expires_at <= now,
                WebSession.last_seen_at <= idle_since,
            ),
        )
    )


def failures_since(
    session: Session, since: datetime, email: str, ip: str | None
) -> tuple[int, int]:
    """Failed sign-ins since `since`: for this e-mail address, and from this client address."""
    recent = SignInFailure.failed_at > since
    by_email = session.scalar(select(func.count()).where(recent, SignInFailure.email == email))
    by_ip = session.scalar(select(func.count()).where(recent, SignInFailure.ip == ip)) if ip else 0
    return by_email or 0, by_ip or 0


def forget_failures(session: Session, email: str, before: datetime) -> None:
    """Drop this address's failures, and everyone's older than `before` (no longer counted)."""
    session.execute(
        delete(SignInFailure).where(
            or_(SignInFailure.email == email, SignInFailure.failed_at <= before)
        )
    )
