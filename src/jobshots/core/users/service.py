"""People of a company."""

from __future__ import annotations

import re

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.companies import repository as companies_repository
from jobshots.core.errors import Conflict, Invalid, NotFound
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import passwords
from jobshots.db.models import ROLES, ApiKey, Company, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create(
    uow: UnitOfWork,
    company: Company,
    email: str,
    *,
    role: str = "staff",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Add a person to the company."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise Invalid.field("email", "is not a valid e-mail address")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if by_email(uow, company.id, email) is not None:
        raise Conflict(f"{email} already belongs to this company")
    user = User(
        company_id=company.id, email=email, role=role, first_name=first_name, last_name=last_name
    )
    uow.session.add(user)
    uow.session.flush()
    audit.record(uow, None, "user.created", "user", user.uuid, company_id=company.id)
    return user


def set_password(uow: UnitOfWork, user: User, password: str) -> None:
    """Give the user a new password (stored as an argon2id hash)."""
    user.password_hash = passwords.hash_password(password)
    audit.record(uow, None, "user.password_set", "user", user.uuid, company_id=user.company_id)


def only_by_email(uow: UnitOfWork, email: str, company_ref: str | None = None) -> User:
    """The one user with that address (in that company, when given); NotFound or Conflict."""
    query = select(User).where(User.email == email.strip().lower())
    if company_ref is not None:
        query = query.join(Company).where(companies_repository.named_by(company_ref))
    found = list(uow.session.scalars(query.limit(2)))
    if not found:
        raise NotFound(f"no user {email}")
    if len(found) > 1:
        raise Conflict(f"{email} belongs to more than one company; name the company")
    return found[0]


def by_email(uow: UnitOfWork, company_id: int, email: str) -> User | None:
    """The company's user with that address, if any."""
    query = select(User).where(User.company_id == company_id, User.email == email.strip().lower())
    return uow.session.scalars(query).one_or_none()


def require_by_email(uow: UnitOfWork, company_id: int, email: str) -> User:
    """The company's user with that address, or NotFound."""
    user = by_email(uow, company_id, email)
    if user is None:
        raise NotFound(f"no user {email} in this company")
    return user


def owner_of(uow: UnitOfWork, company_id: int) -> User:
    """The company's first owner."""
    query = (
        select(User)
        .where(User.company_id == company_id, User.role == "owner", User.is_active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    owner = uow.session.scalars(query).one_or_none()
    if owner is None:
        raise NotFound("the company has no owner")
    return owner


def acting_as(user: User) -> Principal:
    """A principal for work done on a user's behalf outside a request (CLI, demo)."""
    return principal_of(user)


def principal_of(
    user: User, *, key: ApiKey | None = None, ip: str | None = None, login_id: int | None = None
) -> Principal:
    """The caller a user is, through `key` or a login token: a key narrows the role."""
    return Principal(
        company_id=user.company_id,
        company_uuid=user.company.uuid,
        user_id=user.id,
        role=user.role,
        permissions=permissions.effective(user.role, key.permissions if key else None),
        api_key_id=key.id if key else None,
        login_id=login_id,
        ip=ip,
    )
