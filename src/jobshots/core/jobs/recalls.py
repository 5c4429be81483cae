"""Recalls: a completed job reopened because the work came back, and the end of that cycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid
from jobshots.core.jobs import history, lifecycle
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import Named
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job, JobStatus, Recall, User
from jobshots.db.types import utcnow

REASON_MAX = 2_000
# How a recall ends: the work is done again (standard), or the recall was raised in error.
OUTCOMES = ("standard", "cancel")
# Only finished work can come back.
RECALLABLE_STAGES = frozenset({"complete", "closed"})
# What a recall changes on its job, as the job's history records it.
_TRACKED = ("status_id", "is_recalled", "completed_at")


@dataclass(frozen=True)
class RecallView:
    """One recall of a job: why, by whom, and how it ended."""

    id: int
    uuid: uuid.UUID
    reason: str
    raised_at: datetime
    raised_by: Named | None
    previous_status: Named | None
    closed_at: datetime | None
    closed_by: Named | None
    outcome: str | None


@dataclass(frozen=True)
class RecallState:
    """Where a job stands on recalls: recalled or not, its status now, its recalls newest first."""

    job_id: int
    job_uuid: uuid.UUID
    reference: str
    is_recalled: bool
    status: Named | None
    stage: str | None
    completed_at: datetime | None
    recalls: tuple[RecallView, ...]

    @property
    def latest(self) -> RecallView | None:
        """The job's most recent recall, open or closed."""
        return self.recalls[0] if self.recalls else None


def raise_recall(
    uow: UnitOfWork, principal: Principal, ref: jobs.JobRef, reason: str | None
) -> RecallState:
    """Recall a job in the complete or closed stage: record why, and reopen it in the
    company's first status of the in_progress stage."""
    principal.require(permissions.RECALLS)
    job = _locked(uow, principal, ref)
    why = required_text(reason, "reason", REASON_MAX)
    status = _status(uow, job)
    if job.is_recalled or _open_recall(uow, job) is not None:
        raise Invalid(f"job {job.reference} is recalled already; end that recall first")
    if status is None or status.stage not in RECALLABLE_STAGES:
        raise Invalid(
            f"job {job.reference} is {_described(status)}: only a job in the complete or "
            "closed stage can be recalled"
        )
    reopen_in = _first_of_stage(uow, job.company_id, "in_progress")
    if reopen_in is None:
        raise Invalid("the company has no status in the in_progress stage to reopen the job in")
    now = utcnow()
    before = history.snapshot(job, _TRACKED)
    recall = Recall(
        company_id=job.company_id,
        job_id=job.id,
        reason=why,
        raised_by_id=principal.user_id,
        raised_at=now,
        previous_status_id=status.id,
        previous_completed_at=job.completed_at,
    )
    uow.session.add(recall)
    job.is_recalled = True
    lifecycle.move(uow, job, reopen_in, now)
    uow.session.flush()
    audit.record(
        uow, principal, "job.recalled", "recall", recall.uuid, job_id=job.id,
        data={"reason": why, "changes": history.changes(before, job)},
    )  # fmt: skip
    return state_of(uow, job)


def end_recall(
    uow: UnitOfWork, principal: Principal, ref: jobs.JobRef, completion_type: str | None
) -> RecallState:
    """End a job's recall: `standard` completes the job again, `cancel` puts it back in the
    status it was recalled from."""
    principal.require(permissions.RECALLS)
    outcome = _outcome(completion_type)
    return _close(uow, principal, _locked(uow, principal, ref), outcome)


def mark_completed(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> RecallState:
    """Complete a recalled job and close its recall cycle with the completion time."""
    principal.require(permissions.RECALL_COMPLETE)
    return _close(uow, principal, _locked(uow, principal, ref), "standard")


def of_job(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> RecallState:
    """A job's recall state and every recall it has had."""
    principal.require(permissions.RECALLS)
    return state_of(uow, jobs.get(uow, principal, ref))


def state_of(uow: UnitOfWork, job: Job) -> RecallState:
    """The recall state of a job row the caller reaches."""
    uow.session.flush()
    rows = uow.session.scalars(
        select(Recall)
        .where(Recall.job_id == job.id)
        .order_by(Recall.raised_at.desc(), Recall.id.desc())
    )
    status = _status(uow, job)
    return RecallState(
        job_id=job.id,
        job_uuid=job.uuid,
        reference=job.reference,
        is_recalled=job.is_recalled,
        status=Named(status.id, status.name) if status else None,
        stage=status.stage if status else None,
        completed_at=job.completed_at,
        recalls=tuple(_view(uow, recall) for recall in rows),
    )


def _close(uow: UnitOfWork, principal: Principal, job: Job, outcome: str) -> RecallState:
    recall = _open_recall(uow, job)
    if recall is None or not job.is_recalled:
        verb = "complete" if outcome == "standard" else "cancel"
        raise Invalid(f"job {job.reference} is not recalled: there is no recall to {verb}")
    target = _back_to(uow, job, recall) if outcome == "cancel" else None
    target = target or _first_of_stage(uow, job.company_id, "complete")
    if target is None:
        raise Invalid("the company has no status in the complete stage to complete the job in")
    now = utcnow()
    before = history.snapshot(job, _TRACKED)
    recall.closed_at, recall.closed_by_id, recall.outcome = now, principal.user_id, outcome
    job.is_recalled = False
    lifecycle.move(uow, job, target, now)
    if outcome == "cancel" and target.id == recall.previous_status_id:
        # Put back as it was: completed when it was completed, not now.
        job.completed_at = recall.previous_completed_at
    uow.session.flush()
    action = "job.recall_completed" if outcome == "standard" else "job.recall_cancelled"
    audit.record(
        uow, principal, action, "recall", recall.uuid, job_id=job.id,
        data={"outcome": outcome, "changes": history.changes(before, job)},
    )  # fmt: skip
    return state_of(uow, job)


def _locked(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> Job:
    """The caller's job, re-read under a row lock so two recalls of it cannot interleave."""
    job = jobs.get(uow, principal, ref)
    # NO KEY UPDATE: rows that only point at the job (photos, notes) are not held up.
    uow.session.refresh(job, with_for_update={"key_share": True})
    return job


def _outcome(completion_type: str | None) -> str:
    chosen = (completion_type or "").strip().lower()
    if not chosen:
        raise Invalid.field("completion_type", "is required when is_recall is 0")
    if chosen not in OUTCOMES:
        raise Invalid.field("completion_type", "must be standard or cancel")
    return chosen


def _open_recall(uow: UnitOfWork, job: Job) -> Recall | None:
    return uow.session.scalars(
        select(Recall)
        .where(Recall.job_id == job.id, Recall.closed_at.is_(None))
        .order_by(Recall.raised_at.desc(), Recall.id.desc())
        .limit(1)
    ).first()


def _back_to(uow: UnitOfWork, job: Job, recall: Recall) -> JobStatus | None:
    """The status the job was recalled from, if the company still has it."""
    if recall.previous_status_id is None:
        return None
    status = uow.session.get(JobStatus, recall.previous_status_id)
    return status if status is not None and status.company_id == job.company_id else None


def _first_of_stage(uow: UnitOfWork, company_id: int, stage: str) -> JobStatus | None:
    return uow.session.scalars(
        select(JobStatus)
        .where(JobStatus.company_id == company_id, JobStatus.stage == stage)
        .order_by(JobStatus.sort_order, JobStatus.id)
        .limit(1)
    ).first()


def _status(uow: UnitOfWork, job: Job) -> JobStatus | None:
    return uow.session.get(JobStatus, job.status_id) if job.status_id is not None else None


def _described(status: JobStatus | None) -> str:
    if status is None:
        return "without a status"
    return f"{status.name} ({status.stage.replace('_', ' ')} stage)"


def _view(uow: UnitOfWork, recall: Recall) -> RecallView:
    previous = _status_named(uow, recall.previous_status_id)
    return RecallView(
        id=recall.id,
        uuid=recall.uuid,
        reason=recall.reason,
        raised_at=recall.raised_at,
        raised_by=_person(uow, recall.raised_by_id),
        previous_status=previous,
        closed_at=recall.closed_at,
        closed_by=_person(uow, recall.closed_by_id),
        outcome=recall.outcome,
    )


def _person(uow: UnitOfWork, user_id: int | None) -> Named | None:
    user = uow.session.get(User, user_id) if user_id is not None else None
    return Named(user.id, user.display_name) if user is not None else None


def _status_named(uow: UnitOfWork, status_id: int | None) -> Named | None:
    status = uow.session.get(JobStatus, status_id) if status_id is not None else None
    return Named(status.id, status.name) if status is not None else None
