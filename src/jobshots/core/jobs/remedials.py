"""Remedial jobs: follow-on jobs linked to the job whose work they put right."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jobshots.core import audit, permissions
from jobshots.core.errors import Conflict, Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import Named
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, JobStatus, RemedialLink, User
from jobshots.db.types import utcnow

REASON_MAX = 2_000


@dataclass(frozen=True)
class LinkedJob:
    """A job at one end of a remedial link."""

    id: int
    uuid: uuid.UUID
    reference: str
    title: str
    status: Named | None
    stage: str | None


@dataclass(frozen=True)
class RemedialView:
    """A remedial link: the job put right, the job doing it, why, when and by whom."""

    uuid: uuid.UUID
    parent: LinkedJob
    remedial: LinkedJob
    reason: str
    linked_at: datetime
    linked_by: Named | None


@dataclass(frozen=True)
class Remedials:
    """A job's remedial jobs, oldest link first, and its own parent if it is a remedial."""

    job: LinkedJob
    parent: RemedialView | None
    remedials: tuple[RemedialView, ...]


def link(
    uow: UnitOfWork,
    principal: Principal,
    parent_ref: jobs.JobRef,
    remedial_ref: jobs.JobRef,
    reason: str | None,
) -> RemedialView:
    """Link `remedial_ref` as a remedial of `parent_ref`; a job is a remedial of one parent at
    most, never of itself, and never of a job descended from it."""
    principal.require(permissions.REMEDIALS)
    parent = jobs.get(uow, principal, parent_ref)
    remedial = jobs.get(uow, principal, remedial_ref)
    _hold_links(uow, parent.company_id)
    why = (reason or "").strip()
    if len(why) > REASON_MAX:
        raise Invalid.field("reason", f"must be at most {REASON_MAX} characters")
    if parent.id == remedial.id:
        raise Invalid(f"job {parent.reference} cannot be a remedial of itself")
    existing = _link_of(uow, remedial)
    if existing is not None:
        raise Conflict(_already(uow, remedial, existing, parent))
    if remedial.id in _ancestors(uow, parent):
        raise Invalid(
            f"job {remedial.reference} cannot be a remedial of job {parent.reference}: "
            f"{parent.reference} is itself a remedial of {remedial.reference}, directly or "
            "through other jobs, and links may not go round in a circle"
        )
    made = RemedialLink(
        company_id=parent.company_id,
        parent_job_id=parent.id,
        remedial_job_id=remedial.id,
        reason=why,
        created_by_id=principal.user_id,
        created_at=utcnow(),
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(made)
    except IntegrityError:
        # Another request linked the same job first.
        raise Conflict(f"job {remedial.reference} is already a remedial of another job") from None
    _record(uow, principal, "linked", made, parent, remedial)
    return _view(uow, made)


def unlink(
    uow: UnitOfWork,
    principal: Principal,
    remedial_ref: jobs.JobRef,
    parent_ref: jobs.JobRef | None = None,
) -> RemedialView:
    """Remove a job's link to its parent (which must be `parent_ref` when one is named);
    both jobs stay."""
    principal.require(permissions.REMEDIALS)
    remedial = jobs.get(uow, principal, remedial_ref)
    parent = jobs.get(uow, principal, parent_ref) if parent_ref is not None else None
    existing = _link_of(uow, remedial)
    if existing is None:
        raise Invalid(f"job {remedial.reference} is not a remedial of any job: nothing to unlink")
    if parent is not None and existing.parent_job_id != parent.id:
        raise Invalid.field(
            "parent_job_uuid",
            f"names job {parent.reference}, which job {remedial.reference} is not a remedial of",
        )
    linked_to = parent or uow.session.get_one(Job, existing.parent_job_id)
    gone = _view(uow, existing)
    uow.session.delete(existing)
    _record(uow, principal, "unlinked", existing, linked_to, remedial)
    return gone


def of_job(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> Remedials:
    """A job's remedial jobs within the caller's reach, and the link to its own parent."""
    principal.require(permissions.REMEDIALS)
    job = jobs.get(uow, principal, ref)
    reach = jobs.reach_of(principal)
    rows = uow.session.scalars(
        select(RemedialLink)
        .join(Job, Job.id == RemedialLink.remedial_job_id)
        .where(RemedialLink.parent_job_id == job.id, *reach.live_jobs())
        .order_by(RemedialLink.created_at, RemedialLink.id)
    )
    upward = _link_of(uow, job)
    if upward is not None and jobs.find(uow, principal, upward.parent_job_id) is None:
        upward = None  # a parent out of the caller's reach is not shown
    return Remedials(
        job=_linked_job(uow, job),
        parent=_view(uow, upward) if upward is not None else None,
        remedials=tuple(_view(uow, row) for row in rows),
    )


def _hold_links(uow: UnitOfWork, company_id: int) -> None:
    """Take the company's row lock, so two links made at once cannot close a circle between
    them (NO KEY UPDATE: rows that only point at the company are not held up)."""
    uow.session.execute(
        select(Company.id).where(Company.id == company_id).with_for_update(key_share=True)
    )


def _link_of(uow: UnitOfWork, remedial: Job) -> RemedialLink | None:
    """The link making `remedial` a remedial of another job, if there is one."""
    return uow.session.scalars(
        select(RemedialLink).where(RemedialLink.remedial_job_id == remedial.id)
    ).one_or_none()


def _ancestors(uow: UnitOfWork, job: Job) -> set[int]:
    """The jobs `job` is a remedial of, its parent's parent and so on up the chain."""
    found: set[int] = set()
    current = job.id
    while True:
        parent_id = uow.session.scalar(
            select(RemedialLink.parent_job_id).where(RemedialLink.remedial_job_id == current)
        )
        if parent_id is None or parent_id in found:
            return found
        found.add(parent_id)
        current = parent_id


def _already(uow: UnitOfWork, remedial: Job, existing: RemedialLink, parent: Job) -> str:
    if existing.parent_job_id == parent.id:
        return f"job {remedial.reference} is already a remedial of job {parent.reference}"
    other = uow.session.get_one(Job, existing.parent_job_id)
    return (
        f"job {remedial.reference} is already a remedial of job {other.reference}; "
        "a job is a remedial of one job at most, so unlink it first"
    )


def _record(
    uow: UnitOfWork,
    principal: Principal,
    done: str,
    made: RemedialLink,
    parent: Job,
    remedial: Job,
) -> None:
    """One event in each job's history: the parent's remedial, and the remedial's parent."""
    linked = done == "linked"
    audit.record(
        uow, principal, f"job.remedial_{done}", "remedial_link", made.uuid, job_id=parent.id,
        data={"remedial_job_uuid": str(remedial.uuid), "remedial_job_ref": remedial.reference,
              "reason": made.reason},
    )  # fmt: skip
    audit.record(
        uow, principal, f"job.{done}_as_remedial", "remedial_link", made.uuid,
        job_id=remedial.id,
        data={"parent_job_uuid": str(parent.uuid), "parent_job_ref": parent.reference,
              "reason": made.reason,
              "changes": [{"field": "parent_job_uuid",
                           "before": None if linked else str(parent.uuid),
                           "after": str(parent.uuid) if linked else None}]},
    )  # fmt: skip


def _view(uow: UnitOfWork, made: RemedialLink) -> RemedialView:
    uow.session.flush()
    by = uow.session.get(User, made.created_by_id) if made.created_by_id is not None else None
    return RemedialView(
        uuid=made.uuid,
        parent=_linked_job(uow, uow.session.get_one(Job, made.parent_job_id)),
        remedial=_linked_job(uow, uow.session.get_one(Job, made.remedial_job_id)),
        reason=made.reason,
        linked_at=made.created_at,
        linked_by=Named(by.id, by.display_name) if by is not None else None,
    )


def _linked_job(uow: UnitOfWork, job: Job) -> LinkedJob:
    status = uow.session.get(JobStatus, job.status_id) if job.status_id is not None else None
    return LinkedJob(
        id=job.id,
        uuid=job.uuid,
        reference=job.reference,
        title=job.title,
        status=Named(status.id, status.name) if status else None,
        stage=status.stage if status else None,
    )
