"""Per-company reference data that populates the job forms."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from jobshots.db.base import Entity, Timestamped


class _CompanyOwned(Entity, Timestamped):
    __abstract__ = True

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)


# The lifecycle every status belongs to, in order; a company names its own statuses.
STAGES = ("new", "assigned", "in_progress", "complete", "closed", "archived")


class JobStatus(_CompanyOwned):
    """A step of the job lifecycle (e.g. Open, In progress, Completed), within one stage."""

    __tablename__ = "job_statuses"

    code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    # Time a job spends in this status does not count towards its SLA (awaiting access).
    pauses_sla: Mapped[bool] = mapped_column(default=False)


# How an SLA target is counted: every hour, working hours only, or whole working days.
SLA_CLOCKS = ("calendar_hours", "working_hours", "working_days")


class JobPriority(_CompanyOwned):
    """An urgency level with the time the company promises to respond and to complete in."""

    __tablename__ = "job_priorities"

    # Each target is a count of its clock's unit (hours, or days for working_days).
    response_target: Mapped[int | None] = mapped_column()
    response_clock: Mapped[str] = mapped_column(String(20), default="calendar_hours")
    completion_target: Mapped[int | None] = mapped_column()
    completion_clock: Mapped[str] = mapped_column(String(20), default="calendar_hours")


class JobType(_CompanyOwned):
    """A category of works (plumbing, roofing, ...)."""

    __tablename__ = "job_types"


class PaymentStatus(_CompanyOwned):
    """Where the money for a job stands."""

    __tablename__ = "payment_statuses"


class TimeRange(_CompanyOwned):
    """A contractor attendance slot."""

    __tablename__ = "time_ranges"

    starts_at: Mapped[time | None] = mapped_column(Time())
    ends_at: Mapped[time | None] = mapped_column(Time())


class DocumentCategory(_CompanyOwned):
    """A file-type category for job documents (invoice, certificate, ...)."""

    __tablename__ = "document_categories"


class PropertyAddress(Entity, Timestamped):
    """A property the company maintains."""

    __tablename__ = "property_addresses"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="GB")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))


class Tenant(Entity, Timestamped):
    """An occupant of a property, who may need to be contacted about a job."""

    __tablename__ = "tenants"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    address_id: Mapped[int | None] = mapped_column(
        ForeignKey("property_addresses.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
