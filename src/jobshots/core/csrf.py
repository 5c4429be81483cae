"""CSRF tokens: bound to the caller's credential, valid until they expire, checked on writes."""

from __future__ import annotations

import hashlib
import hmac
import time

from jobshots.core.errors import Forbidden
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork


class CsrfRefused(Forbidden):
    """A write without a valid CSRF token of the caller's own."""

    code = "csrf_refused"


def issue(uow: UnitOfWork, principal: Principal, now: float | None = None) -> str:
    """A token for this caller, valid for the configured lifetime."""
    expires = int(time.time() if now is None else now) + uow.settings.csrf_token_ttl_seconds
    return f"{expires}.{_mac(uow, principal, expires)}"


def verify(uow: UnitOfWork, principal: Principal, token: str | None) -> None:
    """Raise CsrfRefused unless `token` was issued to this caller and has not expired."""
    if not token:
        raise CsrfRefused("CSRF token required: send csrf_token or the X-CSRF-Token header")
    stamp, _, mac = token.strip().partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or not hmac.compare_digest(
        mac.encode(), _mac(uow, principal, int(stamp)).encode()
    ):
        raise CsrfRefused("CSRF token is not valid for this caller")
    if int(stamp) <= time.time():
        raise CsrfRefused("CSRF token has expired: fetch a new one")


def _mac(uow: UnitOfWork, principal: Principal, expires: int) -> str:
    message = f"{principal.credential}|{expires}".encode()
    return hmac.new(uow.settings.derived_key("csrf"), message, hashlib.sha256).hexdigest()
