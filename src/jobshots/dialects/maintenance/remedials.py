"""Routes of the maintenance API: `/api/jobs/remedials`, follow-on jobs linked to a job."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from jobshots.core.errors import Invalid
from jobshots.core.jobs import remedials
from jobshots.core.jobs.service import JobRef
from jobshots.dialects.maintenance.common import (
    Caller,
    Writer,
    body_values,
    required,
    required_job,
    text,
    whole_number,
)
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import remedials as wire
from jobshots.http.caller import Call

router = APIRouter()
PATH = "/api/jobs/remedials"
# The guide's words and the reference's, for the same two actions.
LINK, UNLINK = frozenset({"link", "create"}), frozenset({"unlink", "delete"})

Values = Annotated[dict[str, Any], Depends(body_values)]

_FIELDS = {
    "action": {"type": "string", "enum": ["link", "create", "unlink", "delete"]},
    "parent_job_uuid": {"type": "string", "format": "uuid"},
    "job_uuid": {"type": "string", "format": "uuid"},
    "remedial_job_uuid": {"type": "string", "format": "uuid"},
    "reason": {"type": "string"},
    "csrf_token": {"type": "string"},
}
_KINDS = ("application/json", "application/x-www-form-urlencoded")
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {"schema": {"type": "object", "required": ["action"], "properties": _FIELDS}}
            for kind in _KINDS
        },
    }
}


@router.get(PATH, summary="List a job's remedial jobs")
def read_remedials(
    call: Caller,
    action: Annotated[str | None, action_query(["list"])] = None,
    job_id: str | None = None,
    job_uuid: str | None = None,
    parent_job_uuid: str | None = None,
) -> dict[str, Any]:
    """`action=list&job_uuid=`: the jobs linked to it as remedials, and its own parent."""
    if required(action, "action") != "list":
        raise Invalid.field("action", "must be list")
    job = required_job(job_id, job_uuid or parent_job_uuid)
    return wire.listed(remedials.of_job(call.uow, call.principal, job))


def _variant_body(*fields: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {name: _FIELDS[name] for name in fields}}
    content = {kind: {"schema": schema} for kind in _KINDS}
    return {"requestBody": {"required": True, "content": content}}


@router.post(
    PATH,
    summary="Link or unlink a remedial job (the vendor's form)",
    openapi_extra=_BODY,
    description=vendor_form(PATH, ("link", "unlink"))
    + " The reference's `create` and `delete` are taken as `link` and `unlink`.",
)
def write_remedials(
    call: Writer,
    values: Values,
    action: Annotated[str | None, action_query(sorted(LINK | UNLINK))] = None,
) -> dict[str, Any]:
    """`action=link` (or `create`) with `parent_job_uuid` (or `job_uuid`),
    `remedial_job_uuid` and `reason`; `action=unlink` (or `delete`) with `remedial_job_uuid`
    and, if sent, the `parent_job_uuid` it must be linked to. No job is deleted."""
    chosen = required(text(values.get("action")) or action, "action")
    if chosen in LINK:
        return _link(call, values)
    if chosen in UNLINK:
        return _unlink(call, values)
    raise Invalid.field("action", "must be link, create, unlink or delete")


@router.post(
    variant(PATH, "link"),
    summary="Link a remedial job to its parent",
    openapi_extra=_variant_body("parent_job_uuid", "job_uuid", "remedial_job_uuid", "reason"),
    operation_id="jobs_remedials_link",
)
def link_remedial(call: Writer, values: Values) -> dict[str, Any]:
    """The vendor's `action=link`: `parent_job_uuid` (or `job_uuid`), `remedial_job_uuid`,
    `reason`."""
    return _link(call, values)


@router.post(
    variant(PATH, "unlink"),
    summary="Unlink a remedial job from its parent",
    openapi_extra=_variant_body("remedial_job_uuid", "parent_job_uuid", "job_uuid"),
    operation_id="jobs_remedials_unlink",
)
def unlink_remedial(call: Writer, values: Values) -> dict[str, Any]:
    """The vendor's `action=unlink`: `remedial_job_uuid` (or the guide's `job_uuid`)."""
    return _unlink(call, values)


def _link(call: Call, values: dict[str, Any]) -> dict[str, Any]:
    parent = _named(values, "parent_job") or _named(values, "job")
    remedial = _named(values, "remedial_job")
    if parent is None:
        raise Invalid.field("parent_job_uuid", "(or job_uuid) is required")
    if remedial is None:
        raise Invalid.field("remedial_job_uuid", "is required")
    reason = text(values.get("reason"))
    return wire.linked(remedials.link(call.uow, call.principal, parent, remedial, reason))


def _unlink(call: Call, values: dict[str, Any]) -> dict[str, Any]:
    parent = _named(values, "parent_job") or _named(values, "job")
    remedial = _named(values, "remedial_job")
    if remedial is None:
        # The guide's unlink names only the job to take off its parent.
        remedial, parent = _named(values, "job"), _named(values, "parent_job")
    if remedial is None:
        raise Invalid.field("remedial_job_uuid", "is required")
    return wire.unlinked(remedials.unlink(call.uow, call.principal, remedial, parent))


def _named(values: dict[str, Any], prefix: str) -> JobRef | None:
    """The job a body names by `<prefix>_id` or `<prefix>_uuid`, if it names one."""
    number = whole_number(values.get(f"{prefix}_id"), f"{prefix}_id")
    if number is not None:
        return number
    named = text(values.get(f"{prefix}_uuid"))
    return named if named is not None and named.strip() else None
