"""Routes of the maintenance API: amendments, `/api/jobs/amend-request` (propose, list,
approve or reject) and `/api/jobs/amendable-fields`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

from jobshots.core.amendments import service as amendments
from jobshots.core.errors import Invalid
from jobshots.core.pagination import SliceRequest
from jobshots.dialects.maintenance import wire
from jobshots.dialects.maintenance.common import (
    Caller,
    Writer,
    job_named,
    required,
    required_job,
    text,
    whole_number,
)
from jobshots.dialects.maintenance.variants import variant, vendor_form
from jobshots.dialects.maintenance.wire import amendments as amendment_wire
from jobshots.dialects.maintenance.wire.jobs import FIELD_NAMES
from jobshots.http.caller import Call

router = APIRouter()
PATH = "/api/jobs/amend-request"
LIMIT_DEFAULT, LIMIT_MAX = 50, 200
_CORE_NAMES = {wire_name: core for core, wire_name in FIELD_NAMES.items()}
# A decision as each variant sends it: PATCH's new status, or POST's action.
_APPROVES = {"approved": True, "approve": True, "rejected": False, "reject": False}


class Proposal(BaseModel):
    """A proposed change: the job, the field, the value wanted, and why."""

    model_config = ConfigDict(extra="ignore")
    job_uuid: Any = None
    job_id: Any = None
    field_name: Any = None
    requested_value: Any = None
    reason: Any = None


class Decision(BaseModel):
    """A decision on a request: which one (`amend_request_id` or `uuid`), and notes."""

    model_config = ConfigDict(extra="ignore")
    job_uuid: Any = None
    job_id: Any = None
    amend_request_id: Any = None
    uuid: Any = None
    notes: Any = None

    def request(self) -> amendments.RequestRef:
        """The request decided: `amend_request_id` (the vendor's reference), else `uuid`."""
        number = whole_number(text(self.amend_request_id), "amend_request_id")
        if number is not None:
            return amendments.RequestRef(id=number)
        if isinstance(self.uuid, str) and self.uuid.strip():
            return amendments.RequestRef(uuid=self.uuid)
        raise Invalid.field("amend_request_id", "or uuid is required")

    def notes_text(self) -> str | None:
        """The decision's notes, when sent."""
        if self.notes is not None and not isinstance(self.notes, str):
            raise Invalid.field("notes", "must be text")
        return self.notes


class AmendmentBody(Proposal, Decision):
    """`POST` (propose, or `action=approve|reject`) and `PATCH` (decide) of an amendment."""

    action: str | None = None
    status: Any = None


@router.get("/api/jobs/amendable-fields", summary="The fields you may propose to change")
def amendable_fields(
    call: Caller, job_uuid: str | None = None, job_id: str | None = None
) -> dict[str, Any]:
    """Each with its label, type, current value and, for the company's lists, its options."""
    found = amendments.amendable(call.uow, call.principal, required_job(job_id, job_uuid))
    items = [amendment_wire.field(view) for view in found]
    return wire.listed("Amendable fields retrieved", items, len(items))


@router.get(PATH, summary="List amendment requests")
def read_requests(
    call: Caller,
    job_uuid: str | None = None,
    job_id: str | None = None,
    status: str | None = None,
    uuid: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    """The requests of your jobs, newest first, by `job_uuid`, `status` or `uuid`."""
    paging = SliceRequest(
        offset=whole_number(offset, "offset") or 0,
        limit=_or_default(whole_number(limit, "limit"), LIMIT_DEFAULT),
        maximum=LIMIT_MAX,
    )
    found, total = amendments.search(
        call.uow, call.principal, job_named(job_id, job_uuid),
        status.strip().lower() if status else None, uuid, paging,
    )  # fmt: skip
    items = [amendment_wire.request(view) for view in found]
    return wire.listed("Amendment requests retrieved", items, total)


@router.post(
    PATH,
    summary="Propose, approve or reject an amendment (the vendor's form)",
    response_model=None,
    description=vendor_form(PATH, ("create", "approve", "reject")),
)
def write_request(body: AmendmentBody, call: Writer) -> dict[str, Any] | JSONResponse:
    """`action=create` (or none; 201): `job_uuid`, `field_name`, `requested_value`, `reason`.
    `action=approve|reject`: `amend_request_id` (or `uuid`), optional `notes`; managers only."""
    chosen = (body.action or "create").strip().lower()
    if chosen == "create":
        return _propose(body, call)
    if chosen in ("approve", "reject"):
        return _decide(body, call, _APPROVES[chosen])
    raise Invalid.field("action", "must be create, approve or reject")


@router.post(
    variant(PATH, "create"),
    summary="Propose an amendment",
    status_code=201,
    response_model=None,
    operation_id="jobs_amend_request_create",
)
def propose(body: Proposal, call: Writer) -> JSONResponse:
    """The vendor's `action=create`: `job_uuid`, `field_name`, `requested_value`, `reason`."""
    return _propose(body, call)


@router.post(
    variant(PATH, "approve"),
    summary="Approve an amendment",
    operation_id="jobs_amend_request_approve",
)
def approve(body: Decision, call: Writer) -> dict[str, Any]:
    """The vendor's `action=approve`: `amend_request_id` (or `uuid`), `notes`; managers only."""
    return _decide(body, call, True)


@router.post(
    variant(PATH, "reject"),
    summary="Reject an amendment",
    operation_id="jobs_amend_request_reject",
)
def reject(body: Decision, call: Writer) -> dict[str, Any]:
    """The vendor's `action=reject`: `amend_request_id` (or `uuid`), `notes`; managers only."""
    return _decide(body, call, False)


@router.patch(PATH, summary="Approve or reject an amendment")
def decide_request(body: AmendmentBody, call: Writer) -> dict[str, Any]:
    """`uuid` and `status` `approved` or `rejected`, optional `notes`; managers only."""
    status = text(body.status)
    approve = _APPROVES.get(status.strip().lower()) if status else None
    if approve is None:
        raise Invalid.field("status", "must be approved or rejected")
    return _decide(body, call, approve)


def _propose(body: Proposal, call: Call) -> JSONResponse:
    job = required_job(text(body.job_id), text(body.job_uuid))
    name = required(text(body.field_name), "field_name").strip()
    field = _CORE_NAMES.get(name)
    if field is None:
        raise Invalid.field("field_name", "is not a job field")
    requested = text(body.requested_value)
    if isinstance(body.requested_value, float):
        requested = str(body.requested_value)
    if requested is None:
        raise Invalid.field("requested_value", "is required, as text")
    if body.reason is not None and not isinstance(body.reason, str):
        raise Invalid.field("reason", "must be text")
    made = amendments.propose(call.uow, call.principal, job, field, requested, body.reason)
    answer = wire.ok("Amendment request created", amendment_wire.request(made))
    return JSONResponse({**answer, "amend_request_id": made.id}, status_code=201)


def _decide(body: Decision, call: Call, approve: bool) -> dict[str, Any]:
    job = job_named(text(body.job_id), text(body.job_uuid))
    made = amendments.decide(
        call.uow, call.principal, body.request(), approve, body.notes_text(), job
    )
    message = "Amendment request approved" if approve else "Amendment request rejected"
    return wire.ok(message, amendment_wire.request(made))


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value
