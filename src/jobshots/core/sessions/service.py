"""Signing in to the web app with a password, the session that follows, and signing out."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobshots.core import audit
from jobshots.core.logins import service as logins
from jobshots.core.principal import Principal
from jobshots.core.sessions import repository
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import SignInFailure, WebSession
from jobshots.db.types import utcnow

WRONG = "Wrong email address or password."
TOO_MANY = (
    "Too many failed sign-in attempts. Wait 15 minutes, then try again, "
    "or ask your company's owner to reset your password."
)


@dataclass(frozen=True)
class Started:
    """A session just begun: its cookie secret is only ever available here."""

    secret: str
    expires_at: datetime


@dataclass(frozen=True)
class Refused:
    """A sign-in refused; `limited` when it was over the attempt limit (the password unchecked)."""

    message: str
    limited: bool = False


def sign_in(
    uow: UnitOfWork,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str = "",
    previous_secret: str | None = None,
) -> Started | Refused:
    """A new session for a right password; a failure is recorded (and kept), never raised."""
    settings = uow.settings
    now = utcnow()
    email = email.strip().lower()
    window_start = now - timedelta(seconds=settings.sign_in_window_seconds)
    by_email, by_ip = repository.failures_since(uow.session, window_start, email, ip)
    if by_email >= settings.sign_in_failures_per_email or by_ip >= settings.sign_in_failures_per_ip:
        wait = _minutes(settings.sign_in_window_seconds)
        return Refused(TOO_MANY.replace("15 minutes", wait), limited=True)
    user = logins.matching_user(uow, email, password) if email and password else None
    if user is None:
        uow.session.add(SignInFailure(email=email[:320], ip=ip, failed_at=now))
        return Refused(WRONG)
    idle_since = now - timedelta(seconds=settings.session_idle_seconds)
    repository.drop_ended(uow.session, user.id, now, idle_since)
    if previous_secret:
        # A fresh session id at every sign-in: whatever the browser held before is ended.
        repository.revoke_by_hash(uow.session, _hash(previous_secret), now)
    repository.forget_failures(uow.session, email, window_start)
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        company_id=user.company_id,
        user_id=user.id,
        token_hash=_hash(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.session_lifetime_seconds),
        ip=ip,
        user_agent=user_agent[:300],
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, None, "session.created", "user", user.uuid, company_id=user.company_id)
    return Started(secret=secret, expires_at=row.expires_at)


def authenticate(uow: UnitOfWork, secret: str, ip: str | None) -> Principal | None:
    """The caller a live session stands for, its idle clock restarted; None when it is not live."""
    row = repository.by_hash(uow.session, _hash(secret))
    now = utcnow()
    idle = timedelta(seconds=uow.settings.session_idle_seconds)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + idle <= now or not row.user.is_active:
        return None
    # Writing on every request would cost a write lock each; a tenth of the idle time is enough.
    if now - row.last_seen_at >= min(idle / 10, timedelta(minutes=1)):
        row.last_seen_at = now
    principal = users.principal_of(row.user, ip=ip)
    return dataclasses.replace(principal, web_session_id=row.id)


def sign_out(uow: UnitOfWork, principal: Principal) -> None:
    """End the session the caller signed in with."""
    if principal.web_session_id is None:
        return
    row = uow.session.get_one(WebSession, principal.web_session_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(uow, principal, "session.revoked", "user", row.user.uuid)


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _hash(secret: str) -> str:
    """SHA-256 is right here: the secret carries 256 bits of randomness."""
    return hashlib.sha256(secret.encode()).hexdigest()
