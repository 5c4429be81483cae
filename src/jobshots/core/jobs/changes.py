"""What a caller may set on a job, checked field by field, every error reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.core.errors import Invalid
from jobshots.core.ids import storable
from jobshots.db.models import (
    Job,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    Tenant,
    TimeRange,
    User,
)
from jobshots.db.models.reference import _CompanyOwned

Errors = dict[str, list[str]]
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
REFERENCE_MAX = 80
ACCESS_DETAILS_MAX = 5_000
NAME_MAX = 200
EMAIL_MAX = 320
TENANTS_MAX = 50
# Money is kept to the penny, below ten billion; VAT is a percentage.
MONEY_MAX = Decimal("9999999999.99")
PENNY = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The job's reference data, by field: each must be one of the company's own.
_REFERENCE: dict[str, type[_CompanyOwned] | type[PropertyAddress]] = {
    "status_id": JobStatus,
    "priority_id": JobPriority,
    "type_id": JobType,
    "payment_status_id": PaymentStatus,
    "time_range_id": TimeRange,
    "address_id": PropertyAddress,
}
# The people on a job, by field: each must be a user of the company in that role.
_PEOPLE = {"agent_id": "agent", "contractor_id": "contractor"}
_TEXT = {
    "works_order_ref": REFERENCE_MAX,
    "invoice_number": REFERENCE_MAX,
    "quote_number": REFERENCE_MAX,
}
_SEALED_TEXT = {
    "access_details": ACCESS_DETAILS_MAX,
    "private_contact_name": NAME_MAX,
    "private_contact_email": EMAIL_MAX,
}
_MONEY = ("budget", "contractor_budget", "total_amount")
# A job cannot be without these once it has them (a new job gets its status by default).
_NOT_NULL = frozenset({"title", "description", "status_id", "vat_rate"})


@dataclass(frozen=True)
class JobChanges:
    """Fields to set on a job; `given` names the ones the caller sent, and only those change."""

    values: dict[str, Any]

    @property
    def given(self) -> frozenset[str]:
        """The fields the caller sent."""
        return frozenset(self.values)


FIELDS = frozenset(
    {
        "title",
        "description",
        *_REFERENCE,
        *_PEOPLE,
        "tenant_ids",
        *_MONEY,
        "vat_rate",
        "start_date",
        "completion_date",
        *_TEXT,
        *_SEALED_TEXT,
    }
)


def missing(changes: JobChanges, required: frozenset[str]) -> Errors:
    """The required fields the caller did not send (or sent empty)."""
    return {
        name: ["is required"]
        for name in sorted(required)
        if changes.values.get(name) in (None, "", [])
    }


def apply(session: Session, company_id: int, job: Job, changes: JobChanges, errors: Errors) -> None:
    """Set the given fields on `job`, adding what is wrong to `errors`."""
    unknown = changes.given - FIELDS
    if unknown:
        raise ValueError(f"not job fields: {sorted(unknown)}")
    for name, value in changes.values.items():
        if value is None and name in _NOT_NULL:
            errors[name] = ["must not be null"]
            continue
        try:
            _set(session, company_id, job, name, value)
        except Invalid as exc:
            errors[name] = exc.fields.get(name, [exc.message])
    start, end = job.start_date, job.completion_date
    if start is not None and end is not None and end < start:
        errors.setdefault("completion_date", []).append("must not be before the start date")


def _set(session: Session, company_id: int, job: Job, name: str, value: Any) -> None:
    if name == "title":
        setattr(job, name, _text(name, value, TITLE_MAX, required=True))
    elif name == "description":
        setattr(job, name, _text(name, value, DESCRIPTION_MAX))
    elif name in _REFERENCE:
        setattr(job, name, _owned(session, company_id, _REFERENCE[name], name, value))
    elif name in _PEOPLE:
        setattr(job, name, _person(session, company_id, _PEOPLE[name], name, value))
    elif name == "tenant_ids":
        job.tenants = _tenants(session, company_id, value or [])
    elif name in _MONEY:
        setattr(job, name, _money(name, value))
    elif name == "vat_rate":
        job.vat_rate = _percentage(name, value)
    elif name in ("start_date", "completion_date"):
        setattr(job, name, _date(name, value))
    elif name in _TEXT:
        setattr(job, name, _text(name, value or "", _TEXT[name]))
    elif name in _SEALED_TEXT:
        text = _text(name, value, _SEALED_TEXT[name]) if value else None
        if name == "private_contact_email" and text and not _EMAIL.match(text):
            raise Invalid.field(name, "must be an email address")
        setattr(job, name, text)


def _text(name: str, value: Any, max_length: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid.field(name, "must be text")
    text = value.strip()
    if required and not text:
        raise Invalid.field(name, "must be provided")
    if len(text) > max_length:
        raise Invalid.field(name, f"must be at most {max_length} characters")
    return text


def _id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid.field(name, "must be a whole number")
    return value


def _owned(
    session: Session,
    company_id: int,
    model: type[_CompanyOwned | PropertyAddress],
    name: str,
    value: Any,
) -> int | None:
    if value is None:
        return None
    item_id = _id(name, value)
    found = storable(item_id) and session.scalar(
        select(model.id).where(model.id == item_id, model.company_id == company_id)
    )
    if not found:
        raise Invalid.field(name, "does not exist")
    return item_id


def _person(session: Session, company_id: int, role: str, name: str, value: Any) -> int | None:
    if value is None:
        return None
    user_id = _id(name, value)
    user = session.get(User, user_id) if storable(user_id) else None
    if user is None or user.company_id != company_id:
        raise Invalid.field(name, "does not exist")
    if user.role != role or not user.is_active:
        raise Invalid.field(name, f"is not an active {role}")
    return user_id


def _tenants(session: Session, company_id: int, value: Any) -> list[Tenant]:
    if not isinstance(value, list) or len(value) > TENANTS_MAX:
        raise Invalid.field("tenant_ids", f"must be a list of at most {TENANTS_MAX} ids")
    wanted = {_id("tenant_ids", item) for item in value}
    if not all(storable(item) for item in wanted):
        raise Invalid.field("tenant_ids", "names a tenant that does not exist")
    query = select(Tenant).where(Tenant.company_id == company_id, Tenant.id.in_(wanted))
    found = list(session.scalars(query))
    if len(found) != len(wanted):
        raise Invalid.field("tenant_ids", "names a tenant that does not exist")
    return found


def _decimal(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise Invalid.field(name, "must be a number")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise Invalid.field(name, "must be a number") from exc
    if not number.is_finite():
        raise Invalid.field(name, "must be a number")
    return number


def _money(name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    amount = _decimal(name, value)
    if amount < 0 or amount > MONEY_MAX:
        raise Invalid.field(name, f"must be between 0 and {MONEY_MAX}")
    if amount != amount.quantize(PENNY):
        raise Invalid.field(name, "must be to the penny (two decimal places at most)")
    return amount.quantize(PENNY)


def _percentage(name: str, value: Any) -> Decimal:
    rate = _decimal(name, value)
    if not Decimal(0) <= rate <= Decimal(100):
        raise Invalid.field(name, "must be between 0 and 100")
    if rate != rate.quantize(PENNY):
        raise Invalid.field(name, "must have two decimal places at most")
    return rate.quantize(PENNY)


def _date(name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid.field(name, "must be a date as YYYY-MM-DD")
