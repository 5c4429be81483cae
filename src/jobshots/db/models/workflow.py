"""Workflow records: recalls, remedials, amendments, approval gates, pins."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jobshots.db.base import Entity, Timestamped
from jobshots.db.types import JSONType, UTCDateTime


class Recall(Entity):
    """A completed job reopened because the work came back."""

    __tablename__ = "recalls"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the job stood when recalled, so a cancelled recall puts it back as it was.
    previous_status_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_statuses.id", ondelete="SET NULL")
    )
    previous_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))  # standard | cancel


class RemedialLink(Entity):
    """A follow-on job created because the original needed more work."""

    __tablename__ = "remedial_links"
    __table_args__ = (UniqueConstraint("remedial_job_id"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    parent_job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    remedial_job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AmendmentRequest(Entity):
    """A proposed change to one job field, awaiting a manager's decision."""

    __tablename__ = "amendment_requests"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    current_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    proposed_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_notes: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApprovalRule(Entity, Timestamped):
    """A company's approval gate: which jobs may not reach `status` until a manager approves.

    A job is gated when it matches every condition set: one of `type_ids`, and a client
    budget above `budget_over`.
    """

    __tablename__ = "approval_rules"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    status_id: Mapped[int] = mapped_column(ForeignKey("job_statuses.id", ondelete="CASCADE"))
    budget_over: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    type_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)


class ApprovalDecision(Entity):
    """A manager's sign-off (or refusal) at a job's approval gate."""

    __tablename__ = "approval_decisions"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    notes: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobPin(Entity):
    """A job a user keeps on their dashboard."""

    __tablename__ = "job_pins"
    __table_args__ = (UniqueConstraint("user_id", "job_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Entity):
    """Who did what to which thing, and when: one link of its company's hash chain."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("company_id", "seq"),)

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    # Where the job's history finds it; cleared when the job is deleted, so not in the hash.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    job_uuid: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Its place in the company's chain, the hash of the event before it, and its own hash.
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Entity):
    """The head of a company's history chain, signed with the server's Ed25519 key."""

    __tablename__ = "audit_chains"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    # Base64 of the Ed25519 signature over (company, seq, head hash); see core.evidence.chain.
    signature: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChainCheck(Entity):
    """One verification of a company's chain: when, how far, and the first event that failed."""

    __tablename__ = "chain_checks"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(BigInteger)
    ok: Mapped[bool] = mapped_column()
    broken_seq: Mapped[int | None] = mapped_column(BigInteger)
    broken_event_uuid: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text, default="")
