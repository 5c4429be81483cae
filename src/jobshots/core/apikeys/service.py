"""Issuing, checking and revoking API keys."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobshots.core import audit, permissions
from jobshots.core.apikeys import repository, tokens
from jobshots.core.errors import Forbidden, Invalid, IpNotAllowed, NotFound, Unauthenticated
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import people
from jobshots.core.users import service as users
from jobshots.db.models import ApiKey, User
from jobshots.db.types import utcnow

LAST_USED_PRECISION = timedelta(minutes=1)
NAME_MAX = 100
# One answer for a missing, malformed, unknown, wrong, expired or revoked credential (a key or a
# sign-in token): none tells a prober more.
REFUSED = "missing or invalid API key or token"
# Looked up for a malformed key, so it costs the query a well-formed one does (no key has it:
# prefixes are hex).
_NO_SUCH_PREFIX = "-" * 12


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
    presented = secret.strip()
    key = repository.by_prefix(uow.session, tokens.prefix_of(presented) or _NO_SUCH_PREFIX)
    # One query, one hash and one comparison whichever way it fails: timing tells nothing.
    matched = tokens.matches(presented, key.key_hash if key is not None else tokens.DECOY_HASH)
    if key is None or not matched or key.revoked_at is not None or not key.user.is_active:
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


@dataclass(frozen=True)
class KeyView:
    """A company's key as its settings list it: never its secret or hash."""

    prefix: str
    name: str
    holder: str
    holder_email: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revocable: bool


def company_keys(uow: UnitOfWork, principal: Principal) -> list[KeyView]:
    """The company's keys, those in use first."""
    principal.require(permissions.PEOPLE_MANAGE)
    return [
        _view(principal, key) for key in repository.of_company(uow.session, principal.company_id)
    ]


def issue_own(uow: UnitOfWork, principal: Principal, name: str) -> IssuedKey:
    """A key for the caller themselves, named so the company can tell it apart later."""
    principal.require(permissions.PEOPLE_MANAGE)
    label = required_text(name, "name", NAME_MAX)
    return issue(uow, uow.session.get_one(User, principal.user_id), name=label)


def revoke_in_company(uow: UnitOfWork, principal: Principal, prefix: str) -> KeyView:
    """Revoke one of the company's keys; another company's is NotFound like a missing one."""
    principal.require(permissions.PEOPLE_MANAGE)
    key = repository.in_company(uow.session, principal.company_id, prefix.strip().lower())
    if key is None:
        raise NotFound("no such API key")
    if not _revocable(principal, key):
        raise Forbidden("only an owner may revoke an owner's key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(uow, principal, "apikey.revoked", "api_key", key.uuid)
    return _view(principal, key)


def _revocable(principal: Principal, key: ApiKey) -> bool:
    """The caller's own keys, and those of the people they manage."""
    mine = key.user_id == principal.user_id
    return mine or key.user.role in people.assignable_roles(principal)


def _view(principal: Principal, key: ApiKey) -> KeyView:
    return KeyView(
        prefix=key.prefix,
        name=key.name,
        holder=key.user.display_name,
        holder_email=key.user.email,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        revocable=key.revoked_at is None and _revocable(principal, key),
    )


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
