"""Jobs: the property-maintenance job model every dialect shares."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobshots.db.base import Base, Entity, Timestamped
from jobshots.db.models.companies import User
from jobshots.db.models.reference import (
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    Tenant,
    TimeRange,
)
from jobshots.db.sealed import Sealed
from jobshots.db.types import UTCDateTime

job_tenants = Table(
    "job_tenants",
    Base.metadata,
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)


def _created_at(context: DefaultExecutionContext) -> datetime:
    """The row's own `created_at`, its default already taken (see `Job.clock_started_at`)."""
    created: datetime = context.get_current_parameters()["created_at"]  # type: ignore[no-untyped-call]
    return created


class Job(Entity, Timestamped):
    """A piece of work at a property, from report to completion."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("company_id", "reference"),
        # The SLA reads each priority's jobs of each open status in the order their clocks
        # started (closed jobs, however many, are never passed over).
        Index(
            "ix_jobs_live_clock",
            "company_id",
            "priority_id",
            "status_id",
            "clock_started_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Every list of a company's jobs reads them newest first: counted and paged in here.
        Index(
            "ix_jobs_live_listing",
            "company_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Filtering by status (and priority) counts in here; the SLA finds open jobs here.
        Index(
            "ix_jobs_live_status",
            "company_id",
            "status_id",
            "priority_id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Filtering on whether a job has photos counts and pages in here.
        Index(
            "ix_jobs_live_photos",
            "company_id",
            "has_photos",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(40))
    status_id: Mapped[int | None] = mapped_column(ForeignKey("job_statuses.id"))
    priority_id: Mapped[int | None] = mapped_column(ForeignKey("job_priorities.id"))
    type_id: Mapped[int | None] = mapped_column(ForeignKey("job_types.id"))
    payment_status_id: Mapped[int | None] = mapped_column(ForeignKey("payment_statuses.id"))
    time_range_id: Mapped[int | None] = mapped_column(ForeignKey("time_ranges.id"))
    address_id: Mapped[int | None] = mapped_column(ForeignKey("property_addresses.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Client-facing budget is VAT-inclusive; the contractor budget is what we pay out.
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    contractor_budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # As the office agreed it; when unset, the contractor budget with VAT is shown instead.
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    start_date: Mapped[date | None] = mapped_column(Date)
    completion_date: Mapped[date | None] = mapped_column(Date)
    # Personal data, sealed at rest (jobshots.db.sealed): read and write the plain attributes.
    access_details_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_contact_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    private_contact_email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_details = Sealed()
    private_contact_name = Sealed()
    private_contact_email = Sealed()
    works_order_ref: Mapped[str] = mapped_column(String(80), default="")
    invoice_number: Mapped[str] = mapped_column(String(80), default="")
    quote_number: Mapped[str] = mapped_column(String(80), default="")
    report_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_recalled: Mapped[bool] = mapped_column(default=False)
    # Whether the job shows any photo: kept by database triggers with `JobPhotoTally`.
    has_photos: Mapped[bool] = mapped_column(default=False, server_default=false())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Legal hold: while set, nothing of the job can be deleted or purged.
    legal_hold_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How far from the address a photo may be taken before it is flagged; else the company's.
    geofence_metres: Mapped[int | None] = mapped_column()
    # When its SLA clocks started: no later than its creation and its first status change
    # (core/jobs/lifecycle.entered keeps it). Ordered after `created_at`, whose default it takes.
    clock_started_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=_created_at, sort_order=1
    )

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    contractor: Mapped[User | None] = relationship(foreign_keys=[contractor_id])
    status: Mapped[JobStatus | None] = relationship()
    priority: Mapped[JobPriority | None] = relationship()
    job_type: Mapped[JobType | None] = relationship()
    payment_status: Mapped[PaymentStatus | None] = relationship()
    time_range: Mapped[TimeRange | None] = relationship()
    address: Mapped[PropertyAddress | None] = relationship()
    tenants: Mapped[list[Tenant]] = relationship(secondary=job_tenants)


class JobMessage(Entity):
    """A chat message on a job's timeline (photos join the timeline as a view, not a copy)."""

    __tablename__ = "job_messages"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship()


class JobStatusChange(Entity):
    """A job entering a status: the record SLA clocks are measured from."""

    __tablename__ = "job_status_changes"
    # A job's history in order, and when its clocks started, read from the index alone.
    __table_args__ = (Index("ix_job_status_changes_job_changed", "job_id", "changed_at", "id"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    status_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_statuses.id", ondelete="SET NULL")
    )
    # Kept as they were at the change, so editing a status later does not rewrite history.
    stage: Mapped[str] = mapped_column(String(20))
    pauses_sla: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Where an e-mailed note stands: waiting or retrying, delivered, given up, or no SMTP server.
EMAIL_STATES = ("queued", "sent", "failed", "skipped")


class CaseNote(Entity, Timestamped):
    """A note on a job; its text (and a non-user author's name) is encrypted at rest."""

    __tablename__ = "case_notes"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A reply by e-mail from one of the job's contacts, who is not a user.
    author_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    author_name = Sealed()
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    body = Sealed()
    is_pinned: Mapped[bool] = mapped_column(default=False)
    send_email: Mapped[bool] = mapped_column(default=False)
    email_state: Mapped[str | None] = mapped_column(String(10))
    email_error: Mapped[str | None] = mapped_column(String(500))
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Threading: our Message-ID for a sent note, the sender's for a reply received.
    email_message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The note this one answers (`in_reply_to` on the wire).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("case_notes.id"))


class Document(Entity, Timestamped):
    """A file attached to a job (invoice, certificate, report)."""

    __tablename__ = "documents"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    # Indexed: a note list counts each note's files.
    case_note_id: Mapped[int | None] = mapped_column(ForeignKey("case_notes.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("document_categories.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int] = mapped_column()
    mime_type: Mapped[str] = mapped_column(String(100))
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500), unique=True)


LINE_ITEM_KINDS = ("inspection", "estimate", "supplemental", "change_order")


class LineItem(Entity, Timestamped):
    """A priced or inspected item of work on a job."""

    __tablename__ = "line_items"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(1))
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
