"""Routes of the maintenance API: recalls, a completed job reopened and the end of that cycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from jobshots.core.errors import Invalid
from jobshots.core.jobs import recalls
from jobshots.core.jobs.service import JobRef
from jobshots.dialects.maintenance.common import (
    Caller,
    Writer,
    body_values,
    flag,
    required_job,
    text,
)
from jobshots.dialects.maintenance.wire import recalls as wire

router = APIRouter()
PATH = "/api/jobs/recall"

Values = Annotated[dict[str, Any], Depends(body_values)]
_KINDS = ("application/json", "application/x-www-form-urlencoded")


def _body(*fields: str) -> dict[str, Any]:
    properties: dict[str, Any] = {name: {"type": "string"} for name in fields}
    properties.update(job_id={"type": "integer"}, job_uuid={"type": "string", "format": "uuid"})
    schema = {"type": "object", "properties": properties}
    content = {kind: {"schema": schema} for kind in _KINDS}
    return {"requestBody": {"required": True, "content": content}}


@router.get(PATH, summary="A job's recall state and its recalls")
def read_recalls(
    call: Caller, job_id: str | None = None, job_uuid: str | None = None
) -> dict[str, Any]:
    """Whether the job is recalled now, and every recall it has had, newest first."""
    return wire.listed(recalls.of_job(call.uow, call.principal, required_job(job_id, job_uuid)))


@router.post(
    PATH,
    summary="Recall a completed job, or end its recall",
    openapi_extra=_body("is_recall", "reason", "completion_type", "csrf_token"),
)
def recall(call: Writer, values: Values) -> dict[str, Any]:
    """`is_recall=1` with a `reason` reopens a job in the complete or closed stage;
    `is_recall=0` ends its recall: `completion_type` `standard` completes it, `cancel` puts
    it back in the status it was recalled from."""
    job = _job(values)
    if _is_recall(values.get("is_recall")):
        reason = text(values.get("reason"))
        return wire.recalled(recalls.raise_recall(call.uow, call.principal, job, reason))
    kind = text(values.get("completion_type"))
    return wire.ended(recalls.end_recall(call.uow, call.principal, job, kind))


@router.post(
    "/api/jobs/mark-recall-completed",
    summary="Complete a recalled job",
    openapi_extra=_body("csrf_token"),
)
def mark_recall_completed(call: Writer, values: Values) -> dict[str, Any]:
    """Completes the recalled job and closes its recall cycle with the completion time."""
    return wire.ended(recalls.mark_completed(call.uow, call.principal, _job(values)))


def _job(values: dict[str, Any]) -> JobRef:
    return required_job(text(values.get("job_id")), text(values.get("job_uuid")))


def _is_recall(value: Any) -> bool:
    chosen = flag(value, "is_recall")
    if chosen is None:
        raise Invalid.field("is_recall", "is required: 1 to recall the job, 0 to end its recall")
    return chosen
