"""Login tokens: a password exchanged for a Bearer token that lasts 90 days, one per account."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from jobshots.core import audit
from jobshots.core.apikeys.service import REFUSED as CREDENTIALS_REFUSED
from jobshots.core.errors import Invalid, Unauthenticated
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import passwords
from jobshots.core.users import service as users
from jobshots.core.users.views import PersonView, person
from jobshots.db.models import LoginToken, User
from jobshots.db.types import utcnow

LIFETIME = timedelta(days=90)
# 32 random bytes as hex: the 64-character token the vendor's clients expect.
_SHAPE = re.compile(r"^[0-9a-f]{64}$")
REFUSED = "wrong email address or password"


@dataclass(frozen=True)
class Login:
    """A token just issued: the secret is only ever available here."""

    token: str
    expires_at: datetime
    user: PersonView
    email: str
    role: str


def looks_like_token(secret: str) -> bool:
    """True for a string shaped like a login token (and so not an API key)."""
    return bool(_SHAPE.match(secret))


def log_in(uow: UnitOfWork, email: str | None, password: str | None) -> Login:
    """Exchange a password for a token, revoking the account's previous login token."""
    missing = [name for name, value in (("email", email), ("password", password)) if not value]
    if missing:
        raise Invalid(
            f"missing required field: {', '.join(missing)}", {n: ["is required"] for n in missing}
        )
    assert email is not None
    assert password is not None
    user = matching_user(uow, email, password)
    if user is None:
        raise Unauthenticated(REFUSED)
    now = utcnow()
    uow.session.execute(
        update(LoginToken)
        .where(LoginToken.user_id == user.id, LoginToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = secrets.token_hex(32)
    row = LoginToken(
        company_id=user.company_id,
        user_id=user.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + LIFETIME,
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(uow, None, "login.created", "user", user.uuid, company_id=user.company_id)
    shown = person(user)
    assert shown is not None
    return Login(
        token=token, expires_at=row.expires_at, user=shown, email=user.email, role=user.role
    )


def authenticate(uow: UnitOfWork, token: str, ip: str | None) -> Principal:
    """The caller a live login token stands for; Unauthenticated otherwise."""
    row = uow.session.scalars(
        select(LoginToken).where(LoginToken.token_hash == _hash(token.strip()))
    ).one_or_none()
    # Found by its hash, so comparing takes no secret-dependent time. Refused in the words an
    # API key is (the same Bearer header carries either), so neither tells a prober which it was.
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthenticated(CREDENTIALS_REFUSED)
    if not row.user.is_active:
        raise Unauthenticated(CREDENTIALS_REFUSED)
    return users.principal_of(row.user, ip=ip, login_id=row.id)


def log_out(uow: UnitOfWork, principal: Principal) -> None:
    """Revoke the login token the caller signed in with (an API key stays as it is)."""
    if principal.login_id is None:
        return
    row = uow.session.get_one(LoginToken, principal.login_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(uow, principal, "login.revoked", "user", row.user.uuid)


def matching_user(uow: UnitOfWork, email: str, password: str) -> User | None:
    """The active user with this e-mail address and password, taking the same time if none."""
    candidates = list(
        uow.session.scalars(
            select(User)
            .where(User.email == email.strip().lower(), User.is_active.is_(True))
            .order_by(User.id)
        )
    )
    # A check takes a while: hand back the connection (and SQLite's write lock) first, or a
    # burst of sign-ins holds up every other request until the database reports it locked.
    uow.commit()
    for user in candidates:
        if passwords.matches(user.password_hash, password):
            return user
    # Spend the same time as a real check, so a missing account is not told apart by speed.
    passwords.matches(passwords.DECOY_HASH, password)
    return None


def _hash(token: str) -> str:
    """SHA-256 is right here: tokens carry 256 bits of randomness."""
    return hashlib.sha256(token.encode()).hexdigest()
