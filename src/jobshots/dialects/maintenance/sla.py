"""Routes of the maintenance API: `/api/jobs/sla-status`, where jobs stand against their SLA."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jobshots.core.pagination import SliceRequest
from jobshots.core.sla import service as sla
from jobshots.dialects.maintenance.common import Caller, job_named, whole_number
from jobshots.dialects.maintenance.wire import sla as wire

router = APIRouter()
LIMIT_DEFAULT, LIMIT_MAX = 50, 200


@router.get("/api/jobs/sla-status", summary="Where jobs stand against their SLA")
def sla_status(
    call: Caller,
    job_uuid: str | None = None,
    job_id: str | None = None,
    state: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    """Every open job within reach, most urgent first; or one job (`job_uuid` or `job_id`)
    whatever its stage; `state=within|overdue|breached` keeps only those."""
    wanted = whole_number(limit, "limit")
    paging = SliceRequest(
        offset=whole_number(offset, "offset") or 0,
        limit=LIMIT_DEFAULT if wanted is None else wanted,
        maximum=LIMIT_MAX,
    )
    query = sla.SlaQuery(job=job_named(job_id, job_uuid), state=state or None)
    found, total = sla.statuses(call.uow, call.principal, query, paging)
    return wire.jobs(found, total)
