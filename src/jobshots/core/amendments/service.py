"""Amendments: a contractor, agent or the office proposes a new value for one job field; a
manager approves it, which sets the value on the job, or rejects it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from jobshots.core import audit, permissions
from jobshots.core.amendments import fields, repository
from jobshots.core.amendments.views import AmendableView, AmendmentView
from jobshots.core.errors import Conflict, Forbidden, Invalid, NotFound
from jobshots.core.ids import parse_uuid, storable
from jobshots.core.jobs import changes, history
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.jobs.views import Named
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import AmendmentRequest, Job, User
from jobshots.db.types import utcnow

STATUSES = ("pending", "approved", "rejected")
REASON_MAX = 2_000
NOTES_MAX = 2_000
VALUE_MAX = 20_000


@dataclass(frozen=True)
class RequestRef:
    """How a caller names a request: its integer id or its UUID."""

    id: int | None = None
    uuid: str | None = None


def amendable(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> list[AmendableView]:
    """The fields of one of the caller's jobs the caller may propose to change."""
    principal.require(permissions.AMENDABLE_FIELDS)
    job = jobs.get(uow, principal, ref)
    allowed = fields.for_role(principal.role)
    current = history.snapshot(job, [field.name for field in allowed])
    return [
        AmendableView(
            field=field.name,
            label=field.label,
            kind=field.kind,
            current_value=fields.shown(current[field.name]),
            options=repository.options(uow.session, job.company_id, field.name),
        )
        for field in allowed
    ]


def propose(
    uow: UnitOfWork,
    principal: Principal,
    ref: jobs.JobRef,
    field_name: str,
    requested: str,
    reason: str | None,
) -> AmendmentView:
    """Propose a new value, checked by the job rules, for a field the caller may amend."""
    principal.require(permissions.AMENDMENTS)
    job = jobs.get(uow, principal, ref)
    field = _amendable(principal, field_name)
    if len(requested) > VALUE_MAX:
        raise Invalid.field("requested_value", f"must be at most {VALUE_MAX} characters")
    why = required_text(reason, "reason", REASON_MAX)
    current = history.snapshot(job, [field.name])[field.name]
    proposed = _checked(uow, job, field, requested)
    if proposed == current:
        raise Invalid.field("requested_value", "is already the job's value")
    request = AmendmentRequest(
        company_id=job.company_id, job_id=job.id, field=field.name, current_value=current,
        proposed_value=proposed, reason=why, status="pending",
        requested_by_id=principal.user_id, requested_at=utcnow(), decision_notes="",
    )  # fmt: skip
    uow.session.add(request)
    uow.session.flush()
    audit.record(
        uow, principal, "amendment.requested", "amendment", request.uuid, job_id=job.id,
        data={"field": field.name, "before": current, "after": proposed, "reason": why},
    )  # fmt: skip
    return _view(uow, request, job.uuid)


def decide(
    uow: UnitOfWork,
    principal: Principal,
    ref: RequestRef,
    approve: bool,
    notes: str | None,
    job_ref: jobs.JobRef | None = None,
) -> AmendmentView:
    """Approve a pending request, setting its value on the job in this same transaction, or
    reject it. One whose field changed since it was made cannot be approved (Conflict)."""
    principal.require(permissions.AMENDMENTS)
    principal.require(permissions.AMENDMENT_APPROVAL)
    request, job = _found(uow, principal, ref)
    if job_ref is not None and jobs.get(uow, principal, job_ref).id != job.id:
        raise NotFound("amendment request not found")
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        raise Invalid.field("notes", f"must be at most {NOTES_MAX} characters")
    if request.status != "pending":
        raise Conflict(f"amendment request is already {request.status}")
    field = fields.FIELDS.get(request.field) or fields.Amendable(request.field, request.field, "")
    if approve:
        now = history.snapshot(job, [field.name])[field.name]
        if now != request.current_value:
            raise Conflict(
                f"the job's {field.label.lower()} has changed since this request was made "
                f"(from {_said(request.current_value)} to {_said(now)}); it cannot be approved "
                "as it stands: reject it, and propose again if still wanted"
            )
        jobs.amend(uow, principal, job, JobChanges({field.name: request.proposed_value}))
    request.status = "approved" if approve else "rejected"
    request.decided_by_id, request.decided_at = principal.user_id, utcnow()
    request.decision_notes = text
    audit.record(
        uow, principal, f"amendment.{request.status}", "amendment", request.uuid, job_id=job.id,
        data={"field": field.name, "before": request.current_value,
              "after": request.proposed_value, "notes": text},
    )  # fmt: skip
    uow.session.flush()
    return _view(uow, request, job.uuid)


def search(
    uow: UnitOfWork,
    principal: Principal,
    job_ref: jobs.JobRef | None,
    status: str | None,
    request_uuid: str | None,
    paging: SliceRequest,
) -> tuple[list[AmendmentView], int]:
    """A slice of the requests of the caller's jobs, newest first, and how many match."""
    principal.require(permissions.AMENDMENTS)
    offset, limit = paging.checked()
    if status is not None and status not in STATUSES:
        raise Invalid.field("status", "must be pending, approved or rejected")
    job_id = jobs.get(uow, principal, job_ref).id if job_ref is not None else None
    try:
        wanted = parse_uuid(request_uuid, "amendment request") if request_uuid else None
    except NotFound:
        return [], 0
    filters = repository.Filters(job_id=job_id, status=status, uuid=wanted)
    reach = jobs.reach_of(principal)
    rows, total = repository.search(uow.session, reach, filters, offset, limit)
    people = repository.people(
        uow.session, [p for row, _ in rows for p in (row.requested_by_id, row.decided_by_id)]
    )
    return [_shown(row, job_uuid, people) for row, job_uuid in rows], total


def _amendable(principal: Principal, name: str) -> fields.Amendable:
    """The field, when the caller may propose a change to it; Forbidden otherwise."""
    if name in history.SEALED:
        raise Forbidden(f"{name} is sealed: it is never amended by request")
    field = fields.FIELDS.get(name)
    if field is None:
        raise Invalid.field("field_name", "is not a job field")
    if not fields.may_amend(principal.role, name):
        raise Forbidden(f"you may not propose a change to the {field.label.lower()}")
    return field


def _checked(uow: UnitOfWork, job: Job, field: fields.Amendable, requested: str) -> Any:
    """The proposed value as the job would hold it, checked by the job rules on a copy of the
    job's dates (so an end date still may not come before the start)."""
    value = fields.parse(field, requested)
    probe = Job(
        company_id=job.company_id, start_date=job.start_date, completion_date=job.completion_date
    )
    errors: changes.Errors = {}
    changes.apply(uow.session, job.company_id, probe, JobChanges({field.name: value}), errors)
    if errors:
        summary = "; ".join(f"{name} {m}" for name, messages in errors.items() for m in messages)
        raise Invalid("requested_value is invalid: " + summary, errors)
    return history.snapshot(probe, [field.name])[field.name]


def _found(uow: UnitOfWork, principal: Principal, ref: RequestRef) -> tuple[AmendmentRequest, Job]:
    reach = jobs.reach_of(principal)
    found = None
    if ref.id is not None:
        found = repository.by_id(uow.session, reach, ref.id) if storable(ref.id) else None
    elif ref.uuid is not None:
        found = repository.by_uuid(uow.session, reach, parse_uuid(ref.uuid, "amendment request"))
    if found is None:
        raise NotFound("amendment request not found")
    return found


def _view(uow: UnitOfWork, request: AmendmentRequest, job_uuid: uuid.UUID) -> AmendmentView:
    people = repository.people(uow.session, [request.requested_by_id, request.decided_by_id])
    return _shown(request, job_uuid, people)


def _shown(
    request: AmendmentRequest, job_uuid: uuid.UUID, people: dict[int, User]
) -> AmendmentView:
    return AmendmentView(
        id=request.id,
        uuid=request.uuid,
        job_id=request.job_id,
        job_uuid=job_uuid,
        field=request.field,
        current_value=fields.shown(request.current_value),
        requested_value=fields.shown(request.proposed_value),
        reason=request.reason,
        status=request.status,
        requested_by=_named(people, request.requested_by_id),
        requested_at=request.requested_at,
        decided_by=_named(people, request.decided_by_id),
        decided_at=request.decided_at,
        notes=request.decision_notes,
    )


def _named(people: dict[int, User], user_id: int | None) -> Named | None:
    user = people.get(user_id) if user_id is not None else None
    return Named(user.id, user.display_name) if user is not None else None


def _said(value: Any) -> str:
    shown = fields.shown(value)
    return "nothing" if shown is None else repr(shown)
