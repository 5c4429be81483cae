"""Jobs as the APIs show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jobshots.core import links
from jobshots.core.users.views import PersonView, person
from jobshots.db.models import Job, PropertyAddress


@dataclass(frozen=True)
class AddressView:
    """Where a job is."""

    line1: str
    line2: str
    city: str
    postcode: str
    country: str

    @property
    def one_line(self) -> str:
        """The address on one line, as a list shows it."""
        return ", ".join(
            part for part in (self.line1, self.line2, self.city, self.postcode) if part
        )


@dataclass(frozen=True)
class JobView:
    """A job with its web-app address, and its public report's when that was asked for."""

    id: int
    uuid: UUID
    title: str
    reference: str
    created_at: datetime
    updated_at: datetime
    created_by: PersonView | None
    address: AddressView | None
    page_url: str
    report_url: str | None = None


def job_view(base_url: str, company_uuid: UUID, job: Job, *, report: bool) -> JobView:
    """The view of a job; `report` adds the report link (its token must be issued already)."""
    report_url = None
    if report:
        if job.report_token is None:
            raise RuntimeError(f"job {job.id} has no report token")
        report_url = links.report_url(base_url, job.report_token)
    return JobView(
        id=job.id,
        uuid=job.uuid,
        title=job.title,
        reference=job.reference,
        created_at=job.created_at,
        updated_at=job.updated_at,
        created_by=person(job.created_by),
        address=_address(job.address),
        page_url=links.job_page_url(base_url, company_uuid, job.uuid),
        report_url=report_url,
    )


def _address(address: PropertyAddress | None) -> AddressView | None:
    if address is None:
        return None
    return AddressView(
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        postcode=address.postcode,
        country=address.country,
    )
