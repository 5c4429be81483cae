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
from jobshots.db.models import ApiKey, AuditEvent, User

# Where an event's data may carry a value; hidden whenever the field it is of is sealed.
_VALUE_KEYS = frozenset(
    {"before", "after", "value", "old", "new", "current_value", "proposed_value",
     "requested_value"}
)  # fmt: skip


@dataclass(frozen=True)
class FieldChange:
    """One field an event changed: its values, or only that it changed when it is sealed."""

    field: str
    before: Any
    after: Any
    sealed: bool


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
    return [_commit(event, user, key) for event, user, key in rows], int(total)


def _commit(event: AuditEvent, user: User | None, key: ApiKey | None) -> Commit:
    data = dict(event.data or {})
    listed = data.pop("changes", None)
    items = listed if isinstance(listed, list) else []
    changes = tuple(_change(item) for item in items if isinstance(item, dict))
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


def _change(item: dict[str, Any]) -> FieldChange:
    field = str(item.get("field", ""))
    if item.get("sealed") or field in history.SEALED:
        return FieldChange(field=field, before=None, after=None, sealed=True)
    return FieldChange(field=field, before=item.get("before"), after=item.get("after"),
                       sealed=False)  # fmt: skip


def _unsealed(data: dict[str, Any]) -> dict[str, Any]:
    """An event's other data, without the values of a sealed field it names."""
    if data.get("field") not in history.SEALED:
        return {name: value for name, value in data.items() if name not in history.SEALED}
    return {
        name: value
        for name, value in data.items()
        if name not in _VALUE_KEYS and name not in history.SEALED
    } | {"sealed": True}
