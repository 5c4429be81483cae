"""Issuing, checking and revoking API keys."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from jobshots.core import audit, permissions
from jobshots.core.apikeys import repository, tokens
from jobshots.core.errors import Invalid, IpNotAllowed, NotFound, Unauthenticated
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import ApiKey, User
from jobshots.db.types import utcnow

LAST_USED_PRECISION = timedelta(minutes=1)
# One answer for a missing, malformed, unknown or revoked key: none tells a prober more.
REFUSED = "missing or invalid API key"


@dataclass(frozen=True)
class IssuedKey:
    """A key as issued: the secret is only ever available here."""

    secret: str
    prefix: str
    key_id: int


def issue(
    uow: UnitOfWork,
    user: User,
    *,
    name: str = "",
    allowed_ips: list[str] | None = None,
    key_permissions: list[str] | None = None,
) -> IssuedKey:
    """Create a key for `user`; the returned secret is not stored anywhere."""
    networks = [str(_network(cidr)) for cidr in allowed_ips or []]
    key_permissions = (
        None if key_permissions is None else [permissions.canonical(p) for p in key_permissions]
    )
    unknown = sorted(set(key_permissions or []) - permissions.ALL)
    if unknown:
        raise Invalid.field("permissions", f"unknown permission(s): {', '.join(unknown)}")
    minted = tokens.mint()
    key = ApiKey(
        company_id=user.company_id,
        user_id=user.id,
        name=name,
        prefix=minted.prefix,
        key_hash=minted.key_hash,
        allowed_ips=networks,
        permissions=key_permissions,
        created_at=utcnow(),
    )
    uow.session.add(key)
    uow.session.flush()
    audit.record(
        uow,
        None,
        "apikey.created",
        "api_key",
        key.uuid,
        company_id=user.company_id,
        data={"prefix": key.prefix, "user": str(user.uuid)},
    )
    return IssuedKey(secret=minted.secret, prefix=minted.prefix, key_id=key.id)


def authenticate(uow: UnitOfWork, secret: str | None, ip: str | None) -> Principal:
    """The caller a presented key stands for; Unauthenticated or IpNotAllowed otherwise."""
    if not secret:
        raise Unauthenticated(REFUSED)
    prefix = tokens.prefix_of(secret.strip())
    key = repository.by_prefix(uow.session, prefix) if prefix else None
    if (
        key is None
        or key.revoked_at is not None
        or not tokens.matches(secret.strip(), key.key_hash)
    ):
        raise Unauthenticated(REFUSED)
    if not key.user.is_active:
        raise Unauthenticated(REFUSED)
    if key.allowed_ips and not _ip_allowed(ip, key.allowed_ips):
        raise IpNotAllowed("this API key may not be used from your IP address")
    now = utcnow()
    # A write per request would serialise every API call on SQLite; a minute's precision will do.
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        key.last_used_at = now
    return users.principal_of(key.user, key=key, ip=ip)


def revoke(uow: UnitOfWork, prefix: str) -> None:
    """Revoke the key with that prefix; revoking twice is harmless."""
    key = repository.by_prefix(uow.session, prefix)
    if key is None:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(uow, None, "apikey.revoked", "api_key", key.uuid, company_id=key.company_id)


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise Invalid.field("allowed_ips", f"{cidr!r} is not an IP address or CIDR range") from exc


def _ip_allowed(ip: str | None, allowed: list[str]) -> bool:
    if ip is None:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in allowed)
