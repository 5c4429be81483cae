"""The audit event log: one row per thing that changed, and who changed it, chained on commit."""

from __future__ import annotations

import uuid
from typing import Any

from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import AuditEvent, Job
from jobshots.db.types import utcnow


def record(
    uow: UnitOfWork,
    principal: Principal | None,
    action: str,
    entity_type: str,
    entity_uuid: object | None = None,
    *,
    company_id: int | None = None,
    job_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the current unit of work; it joins the company's chain on commit."""
    owner = company_id if company_id is not None else principal.company_id if principal else None
    if owner is None:
        raise ValueError("an audit event needs a company")
    job = uow.session.get(Job, job_id) if job_id is not None else None
    uow.record(
        AuditEvent(
            uuid=uuid.uuid4(),
            company_id=owner,
            actor_user_id=principal.user_id if principal else None,
            api_key_id=principal.api_key_id if principal else None,
            action=action,
            entity_type=entity_type,
            entity_uuid=str(entity_uuid) if entity_uuid is not None else None,
            job_id=job_id,
            job_uuid=str(job.uuid) if job is not None else None,
            data=data or {},
            ip=principal.ip if principal else None,
            created_at=utcnow(),
        )
    )
