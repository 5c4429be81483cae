"""Jobs as the APIs show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from jobshots.core import links
from jobshots.core.users.views import PersonView, person
from jobshots.db.models import (
    Job,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    TimeRange,
    User,
)


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


@dataclass(frozen=True)
class Named:
    """A piece of reference data or a person a job points at: its id and its name."""

    id: int
    name: str


@dataclass(frozen=True)
class GateView:
    """Where a job held by its company's approval gate stands: `pending` until a manager
    decides, then the latest decision (`approved` or `rejected`), who made it and why."""

    state: str
    status: Named
    decided_by: Named | None
    decided_at: datetime | None
    notes: str


@dataclass(frozen=True)
class RuleView:
    """A company's approval rule: the status it guards and the conditions of the jobs it holds
    (None and no types mean that condition is not set)."""

    status: Named
    stage: str
    budget_over: Decimal | None
    job_types: list[Named]
    updated_at: datetime


@dataclass(frozen=True)
class JobDetail:
    """Everything about one job as the office sees it, for the caller asking."""

    id: int
    uuid: UUID
    reference: str
    title: str
    description: str
    status: Named | None
    stage: str | None
    priority: Named | None
    job_type: Named | None
    payment_status: Named | None
    time_range: Named | None
    address_id: int | None
    address: AddressView | None
    agent: Named | None
    contractor: Named | None
    created_by: Named | None
    tenant_ids: list[int]
    budget: Decimal | None
    contractor_budget: Decimal | None
    vat_rate: Decimal
    total_amount: Decimal | None
    start_date: date | None
    completion_date: date | None
    works_order_ref: str
    invoice_number: str
    quote_number: str
    access_details: str | None
    private_contact_name: str | None
    private_contact_email: str | None
    is_pinned: bool
    photos_count: int
    documents_count: int
    created_at: datetime
    updated_at: datetime
    approval_gate: GateView | None = None


@dataclass(frozen=True)
class Tally:
    """What a job holds, whether the caller pinned it and its approval gate (None when no gate
    holds it): read for a whole page at once."""

    photos: int = 0
    documents: int = 0
    pinned: bool = False
    gate: GateView | None = None


def job_detail(job: Job, tally: Tally) -> JobDetail:
    """The full view of a job whose reference data and people are loaded."""
    return JobDetail(
        id=job.id,
        uuid=job.uuid,
        reference=job.reference,
        title=job.title,
        description=job.description,
        status=_named(job.status),
        stage=job.status.stage if job.status else None,
        priority=_named(job.priority),
        job_type=_named(job.job_type),
        payment_status=_named(job.payment_status),
        time_range=_named(job.time_range),
        address_id=job.address_id,
        address=_address(job.address),
        agent=_person_named(job.agent),
        contractor=_person_named(job.contractor),
        created_by=_person_named(job.created_by),
        tenant_ids=sorted(tenant.id for tenant in job.tenants),
        budget=job.budget,
        contractor_budget=job.contractor_budget,
        vat_rate=job.vat_rate,
        total_amount=_total(job),
        start_date=job.start_date,
        completion_date=job.completion_date,
        works_order_ref=job.works_order_ref,
        invoice_number=job.invoice_number,
        quote_number=job.quote_number,
        access_details=job.access_details,
        private_contact_name=job.private_contact_name,
        private_contact_email=job.private_contact_email,
        is_pinned=tally.pinned,
        photos_count=tally.photos,
        documents_count=tally.documents,
        created_at=job.created_at,
        updated_at=job.updated_at,
        approval_gate=tally.gate,
    )


def _total(job: Job) -> Decimal | None:
    """The agreed total; else the contractor budget with VAT, to the penny."""
    if job.total_amount is not None:
        return job.total_amount
    if job.contractor_budget is None:
        return None
    with_vat = job.contractor_budget * (1 + job.vat_rate / 100)
    return with_vat.quantize(Decimal("0.01"))


def _named(
    item: JobStatus | JobPriority | JobType | PaymentStatus | TimeRange | None,
) -> Named | None:
    return Named(item.id, item.name) if item is not None else None


def _person_named(user: User | None) -> Named | None:
    return Named(user.id, user.display_name) if user is not None else None


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
