"""A job's history: the audit events recorded against it, newest first, sealed values never."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from jobshots.core import permissions
from jobshots.core.jobs import history
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import Named
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import (
    ApiKey,
    AuditEvent,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    TimeRange,
    User,
)

# Where an event's data may carry a value; hidden whenever the field it is of is sealed.
_VALUE_KEYS = frozenset(
    {"before", "after", "value", "old", "new", "current_value", "proposed_value",
     "requested_value"}
)  # fmt: skip

# Fields whose values are ids of the company's reference data or people: each is named too.
_NAMED: dict[str, type[JobStatus | JobPriority | JobType | PaymentStatus | TimeRange | User]] = {
    "status_id": JobStatus,
    "priority_id": JobPriority,
    "type_id": JobType,
    "payment_status_id": PaymentStatus,
    "time_range_id": TimeRange,
    "agent_id": User,
    "contractor_id": User,
}
# A name by its field and id.
Names = dict[tuple[str, int], str]


@dataclass(frozen=True)
class FieldChange:
    """One field an event changed: its values (and their names, for an id of reference data
    or a person), or only that it changed when it is sealed."""

    field: str
    before: Any
    after: Any
    sealed: bool
    named: bool = False
    before_name: str | None = None
    after_name: str | None = None


@dataclass(frozen=True)
class Commit:
    """One event in a job's history: what was done, by whom, when, and what it changed."""

    id: int
    uuid: uuid.UUID
    action: str
    entity_type: str
    entity_uuid: str | None
    actor: Named | None
    api_key_name: str | None
    created_at: datetime
    changes: tuple[FieldChange, ...]
    data: dict[str, Any]


def of_job(
    uow: UnitOfWork, principal: Principal, ref: jobs.JobRef, paging: SliceRequest
) -> tuple[list[Commit], int]:
    """A slice of a job's history, newest first, and how many events it has."""
    principal.require(permissions.JOBS_LIST)
    job = jobs.get(uow, principal, ref)
    offset, limit = paging.checked()
    where = (AuditEvent.company_id == job.company_id, AuditEvent.job_id == job.id)
    total = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = uow.session.execute(
        select(AuditEvent, User, ApiKey)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(ApiKey, ApiKey.id == AuditEvent.api_key_id)
        .where(*where)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    names = _names(uow, job.company_id, [event for event, _, _ in rows])
    return [_commit(event, user, key, names) for event, user, key in rows], int(total)


def _commit(event: AuditEvent, user: User | None, key: ApiKey | None, names: Names) -> Commit:
    data = dict(event.data or {})
    listed = data.pop("changes", None)
    items = listed if isinstance(listed, list) else []
    changes = tuple(_change(item, names) for item in items if isinstance(item, dict))
    return Commit(
        id=event.id,
        uuid=event.uuid,
        action=event.action,
        entity_type=event.entity_type,
        entity_uuid=event.entity_uuid,
        actor=Named(user.id, user.display_name) if user is not None else None,
        api_key_name=(key.name or key.prefix) if key is not None else None,
        created_at=event.created_at,
        changes=changes,
        data=_unsealed(data),
    )


def _change(item: dict[str, Any], names: Names) -> FieldChange:
    field = str(item.get("field", ""))
    if item.get("sealed") or field in history.SEALED:
        return FieldChange(field=field, before=None, after=None, sealed=True)
    before, after = item.get("before"), item.get("after")
    return FieldChange(
        field=field, before=before, after=after, sealed=False, named=field in _NAMED,
        before_name=_name(names, field, before), after_name=_name(names, field, after),
    )  # fmt: skip


def _names(uow: UnitOfWork, company_id: int, events: list[AuditEvent]) -> Names:
    """The company's names of the ids the events' changes hold, read once per kind."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        listed = (event.data or {}).get("changes")
        for item in listed if isinstance(listed, list) else []:
            field = item.get("field") if isinstance(item, dict) else None
            if field in _NAMED:
                values = (item.get("before"), item.get("after"))
                wanted.setdefault(field, set()).update(v for v in values if _is_id(v))
    names: Names = {}
    for field, ids in wanted.items():
        model = _NAMED[field]
        rows = uow.session.scalars(
            select(model).where(model.company_id == company_id, model.id.in_(ids))
        )
        for row in rows:
            names[field, row.id] = _label(row)
    return names


def _name(names: Names, field: str, value: Any) -> str | None:
    return names.get((field, value)) if _is_id(value) else None


def _label(row: object) -> str:
    if isinstance(row, User):
        return row.display_name
    assert isinstance(row, JobStatus | JobPriority | JobType | PaymentStatus | TimeRange)
    return row.name


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unsealed(data: dict[str, Any]) -> dict[str, Any]:
    """An event's other data, without the values of a sealed field it names."""
    if data.get("field") not in history.SEALED:
        return {name: value for name, value in data.items() if name not in history.SEALED}
    return {
        name: value
        for name, value in data.items()
        if name not in _VALUE_KEYS and name not in history.SEALED
    } | {"sealed": True}
