"""What a company's plan allows: add-ons, upload size, quotas."""

from __future__ import annotations

from jobshots.core.companies import repository
from jobshots.core.errors import AddonRequired, QuotaExceeded
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company
from jobshots.db.types import utcnow


def require_addon(company: Company, addon: str) -> None:
    """Raise AddonRequired unless the company has enabled `addon`."""
    if addon not in (company.addons or []):
        raise AddonRequired(f"the {addon} add-on is not enabled for this company")


def upload_limit(uow: UnitOfWork, company: Company) -> int:
    """The largest file the company may upload: its own limit, capped by the server's."""
    server = uow.settings.max_upload_bytes
    return min(company.max_upload_bytes or server, server)


def check_upload_quota(uow: UnitOfWork, company: Company, files: int, size: int) -> None:
    """Raise QuotaExceeded if `files` more files of `size` bytes would overrun a quota."""
    if company.monthly_upload_quota is not None:
        month_start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        used = repository.uploads_since(uow.session, company.id, month_start)
        if used + files > company.monthly_upload_quota:
            raise QuotaExceeded(
                f"monthly upload quota of {company.monthly_upload_quota} photos is spent"
            )
    if company.storage_quota_bytes is not None:
        used_bytes = repository.stored_bytes(uow.session, company.id)
        if used_bytes + size > company.storage_quota_bytes:
            raise QuotaExceeded("storage quota is spent")
