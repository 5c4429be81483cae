"""Creating companies and their owners."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from jobshots.core import audit
from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import defaults, repository
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import (
    ADDONS,
    Company,
    DocumentCategory,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    TimeRange,
    User,
)


@dataclass(frozen=True)
class NewCompany:
    """A company just created, its owner, and the owner's first API key."""

    company: Company
    owner: User
    api_key: str


def create(uow: UnitOfWork, name: str, owner_email: str, owner_name: str = "") -> NewCompany:
    """Create a company with default reference data, its owner and an owner API key."""
    name = name.strip()
    if not name:
        raise Invalid.field("name", "must be provided")
    company = Company(name=name)
    uow.session.add(company)
    uow.session.flush()
    _seed_reference_data(uow, company)
    first, _, last = owner_name.strip().partition(" ")
    owner = users.create(uow, company, owner_email, role="owner", first_name=first, last_name=last)
    key = apikeys.issue(uow, owner, name="owner")
    audit.record(uow, None, "company.created", "company", company.uuid, company_id=company.id)
    return NewCompany(company=company, owner=owner, api_key=key.secret)


def get(uow: UnitOfWork, company_ref: str) -> Company:
    """A company by integer id or UUID."""
    company = uow.session.scalars(
        select(Company).where(repository.named_by(company_ref))
    ).one_or_none()
    if company is None:
        raise NotFound("no such company")
    return company


def _seed_reference_data(uow: UnitOfWork, company: Company) -> None:
    add = uow.session.add_all
    add(
        JobStatus(
            company_id=company.id,
            code=code,
            name=label,
            stage=stage,
            pauses_sla=gate,
            sort_order=i,
        )
        for i, (code, label, stage, gate) in enumerate(defaults.STATUSES)
    )
    add(
        JobPriority(
            company_id=company.id,
            name=label,
            response_target=respond,
            completion_target=complete,
            sort_order=i,
        )
        for i, (label, respond, complete) in enumerate(defaults.PRIORITIES)
    )
    add(JobType(company_id=company.id, name=n, sort_order=i) for i, n in enumerate(defaults.TYPES))
    add(
        PaymentStatus(company_id=company.id, name=n, sort_order=i)
        for i, n in enumerate(defaults.PAYMENT_STATUSES)
    )
    add(
        TimeRange(company_id=company.id, name=n, starts_at=a, ends_at=b, sort_order=i)
        for i, (n, a, b) in enumerate(defaults.TIME_RANGES)
    )
    add(
        DocumentCategory(company_id=company.id, name=n, sort_order=i)
        for i, n in enumerate(defaults.DOCUMENT_TYPES)
    )


@dataclass(frozen=True)
class PlanChange:
    """Plan settings to change; None leaves a setting as it is."""

    addons: list[str] | None = None
    max_upload_bytes: int | None = None
    storage_quota_bytes: int | None = None
    monthly_upload_quota: int | None = None
    vat_rate: Decimal | None = None


def update_plan(uow: UnitOfWork, company: Company, change: PlanChange) -> Company:
    """Change what the company's plan allows (an operator action, audited)."""
    if change.addons is not None:
        unknown = sorted(set(change.addons) - set(ADDONS))
        if unknown:
            raise Invalid.field("addons", f"unknown add-on(s): {', '.join(unknown)}")
        company.addons = sorted(set(change.addons))
    for name in ("max_upload_bytes", "storage_quota_bytes", "monthly_upload_quota"):
        value = getattr(change, name)
        if value is not None:
            if value < 0:
                raise Invalid.field(name, "must not be negative")
            setattr(company, name, value)
    if change.vat_rate is not None:
        if not Decimal(0) <= change.vat_rate <= Decimal(100):
            raise Invalid.field("vat_rate", "must be between 0 and 100")
        company.vat_rate = change.vat_rate
    audit.record(
        uow,
        None,
        "company.plan_changed",
        "company",
        company.uuid,
        company_id=company.id,
        data={k: str(v) for k, v in vars(change).items() if v is not None},
    )
    return company
