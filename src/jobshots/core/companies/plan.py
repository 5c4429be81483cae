"""What the company's plan allows and how much of it is used, as its settings show it."""

from __future__ import annotations

from dataclasses import dataclass

from jobshots.core.companies import policy, repository
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import people
from jobshots.db.models import ADDONS, Company
from jobshots.db.types import utcnow


@dataclass(frozen=True)
class PlanView:
    """Add-ons on and off, the upload limit, and each quota beside what is used of it."""

    addons: tuple[tuple[str, bool], ...]
    upload_limit_bytes: int
    storage_quota_bytes: int | None
    stored_bytes: int
    monthly_upload_quota: int | None
    uploads_this_month: int


def plan(uow: UnitOfWork, principal: Principal) -> PlanView:
    """The caller's company's plan (changing it stays an operator's command)."""
    people.require_settings(principal)
    company = uow.session.get_one(Company, principal.company_id)
    month_start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    enabled = set(company.addons or [])
    return PlanView(
        addons=tuple((addon, addon in enabled) for addon in ADDONS),
        upload_limit_bytes=policy.upload_limit(uow, company),
        storage_quota_bytes=company.storage_quota_bytes,
        stored_bytes=repository.stored_bytes(uow.session, company.id),
        monthly_upload_quota=company.monthly_upload_quota,
        uploads_this_month=repository.uploads_since(uow.session, company.id, month_start),
    )
