"""A company's people as its owners and managers manage them: add, change role, deactivate.

An owner manages everyone; a manager manages everyone but owners, and never makes one.
Nobody changes their own role or deactivates themselves, and a company always keeps an
active owner.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from jobshots.core import audit, permissions
from jobshots.core.errors import Conflict, Forbidden, Invalid, NotFound
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import repository
from jobshots.core.users import service as users
from jobshots.db.models import ROLES, Company, User
from jobshots.db.types import utcnow

NAME_MAX = 100


@dataclass(frozen=True)
class MemberView:
    """One of the company's people, and whether the caller may change them."""

    uuid: uuid.UUID
    email: str
    first_name: str
    last_name: str
    display_name: str
    role: str
    is_active: bool
    is_you: bool
    manageable: bool


@dataclass(frozen=True)
class WithPassword:
    """A person and the temporary password just given to them: only ever available here."""

    member: MemberView
    temporary_password: str


def may_use_settings(principal: Principal) -> bool:
    """True for callers who may open the company's settings (owners and managers)."""
    return permissions.PEOPLE_MANAGE in principal.permissions


def require_settings(principal: Principal) -> None:
    """Raise MissingPermission unless the caller may open the company's settings."""
    principal.require(permissions.PEOPLE_MANAGE)


def assignable_roles(principal: Principal) -> tuple[str, ...]:
    """The roles the caller may give someone: all for an owner, all but owner for a manager."""
    if not may_use_settings(principal):
        return ()
    return ROLES if principal.role == "owner" else tuple(r for r in ROLES if r != "owner")


def roster(uow: UnitOfWork, principal: Principal) -> list[MemberView]:
    """The company's people, active first."""
    principal.require(permissions.PEOPLE_MANAGE)
    return [
        _view(principal, user) for user in repository.of_company(uow.session, principal.company_id)
    ]


def add(
    uow: UnitOfWork,
    principal: Principal,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> WithPassword:
    """Add a person with a temporary password, shown to the caller once."""
    principal.require(permissions.PEOPLE_MANAGE)
    _check_role(principal, role)
    first, last = _name("first_name", first_name), _name("last_name", last_name)
    company = uow.session.get_one(Company, principal.company_id)
    user = users.create(uow, company, email, role=role, first_name=first, last_name=last)
    audit.record(uow, principal, "user.added", "user", user.uuid, data={"role": role})
    return _with_new_password(uow, principal, user)


def change_role(uow: UnitOfWork, principal: Principal, person: str, role: str) -> MemberView:
    """Give one of the company's people another role."""
    principal.require(permissions.PEOPLE_MANAGE)
    user = _manageable(uow, principal, person)
    _check_role(principal, role)
    if user.role == role:
        return _view(principal, user)
    if user.role == "owner":
        _keep_an_owner(uow, user)
    audit.record(
        uow, principal, "user.role_changed", "user", user.uuid, data={"from": user.role, "to": role}
    )
    user.role = role
    return _view(principal, user)


def deactivate(uow: UnitOfWork, principal: Principal, person: str) -> MemberView:
    """Stop a person signing in: their sessions end and their API keys are revoked."""
    principal.require(permissions.PEOPLE_MANAGE)
    user = _manageable(uow, principal, person)
    if not user.is_active:
        return _view(principal, user)
    if user.role == "owner":
        _keep_an_owner(uow, user)
    user.is_active = False
    now = utcnow()
    repository.end_sign_ins(uow.session, user.id, now)
    repository.revoke_keys(uow.session, user.id, now)
    audit.record(uow, principal, "user.deactivated", "user", user.uuid)
    return _view(principal, user)


def reactivate(uow: UnitOfWork, principal: Principal, person: str) -> MemberView:
    """Let a deactivated person sign in again (their old API keys stay revoked)."""
    principal.require(permissions.PEOPLE_MANAGE)
    user = _manageable(uow, principal, person)
    if not user.is_active:
        user.is_active = True
        audit.record(uow, principal, "user.reactivated", "user", user.uuid)
    return _view(principal, user)


def reset_password(uow: UnitOfWork, principal: Principal, person: str) -> WithPassword:
    """A new temporary password for a person, shown once; their sessions end."""
    principal.require(permissions.PEOPLE_MANAGE)
    user = _manageable(uow, principal, person)
    repository.end_sign_ins(uow.session, user.id, utcnow())
    return _with_new_password(uow, principal, user)


def _with_new_password(uow: UnitOfWork, principal: Principal, user: User) -> WithPassword:
    # 96 random bits, short enough to read out over the phone to someone on site.
    password = secrets.token_urlsafe(12)
    users.set_password(uow, user, password)
    return WithPassword(member=_view(principal, user), temporary_password=password)


def _manageable(uow: UnitOfWork, principal: Principal, person: str) -> User:
    """The person the caller may change; another company's is NotFound, like a missing one."""
    try:
        wanted = uuid.UUID(person.strip())
    except ValueError:
        raise NotFound("person not found") from None
    user = repository.in_company(uow.session, principal.company_id, wanted)
    if user is None:
        raise NotFound("person not found")
    if user.id == principal.user_id:
        raise Forbidden("you cannot change your own role or deactivate yourself")
    if not _may_manage(principal, user):
        raise Forbidden("only an owner may change an owner")
    return user


def _may_manage(principal: Principal, user: User) -> bool:
    return user.id != principal.user_id and user.role in assignable_roles(principal)


def _check_role(principal: Principal, role: str) -> None:
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if role not in assignable_roles(principal):
        raise Forbidden("only an owner may make someone an owner")


def _keep_an_owner(uow: UnitOfWork, user: User) -> None:
    if user.is_active and repository.active_owners(uow.session, user.company_id) <= 1:
        raise Conflict("the company must keep an active owner")


def _name(field: str, value: str) -> str:
    value = value.strip()
    if len(value) > NAME_MAX:
        raise Invalid.field(field, f"must be at most {NAME_MAX} characters")
    return value


def _view(principal: Principal, user: User) -> MemberView:
    return MemberView(
        uuid=user.uuid,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        display_name=user.display_name,
        role=user.role,
        is_active=user.is_active,
        is_you=user.id == principal.user_id,
        manageable=_may_manage(principal, user),
    )
