"""Routes of the maintenance API: `/api/jobs/manage`, the jobs themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

from jobshots.core.errors import Invalid
from jobshots.core.jobs import commits
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import JobChanges
from jobshots.core.jobs.repository import JobQuery
from jobshots.core.pagination import SliceRequest
from jobshots.core.reference import service as reference
from jobshots.dialects.maintenance import wire
from jobshots.dialects.maintenance.common import Caller, Writer, flag, required, whole_number
from jobshots.dialects.maintenance.wire import commits as commit_wire
from jobshots.dialects.maintenance.wire import jobs as job_wire
from jobshots.dialects.maintenance.wire import reference as reference_wire

router = APIRouter(tags=["Property-maintenance jobs"])
LIMIT_DEFAULT, LIMIT_MAX = 50, 200
# What the contract marks required on create, by the core's field names.
REQUIRED_ON_CREATE = frozenset(
    {"title", "description", "priority_id", "status_id", "type_id", "address_id"}
)
_CORE_NAMES = {wire_name: core for core, wire_name in job_wire.FIELD_NAMES.items()}


class JobBody(BaseModel):
    """`POST /api/jobs/manage`: the action and the job fields the vendor's reference names."""

    model_config = ConfigDict(extra="ignore")
    action: str | None = None
    uuid: str | None = None
    job_title: Any = None
    job_description: Any = None
    status_id: Any = None
    priority_id: Any = None
    job_type_id: Any = None
    payment_status_id: Any = None
    time_range_id: Any = None
    address_id: Any = None
    agent_id: Any = None
    contractor_id: Any = None
    tenants_ids: Any = None
    job_total_budget: Any = None
    contractor_budget: Any = None
    vat_percentage: Any = None
    total_amount: Any = None
    date_works_start_date: Any = None
    date_works_end_date: Any = None
    works_order_ref: Any = None
    invoice_no: Any = None
    quote_no: Any = None
    access_details: Any = None
    private_contact_name: Any = None
    private_contact_email: Any = None

    def changes(self) -> JobChanges:
        """The job fields sent, by the core's names."""
        sent = self.model_fields_set & _CORE_NAMES.keys()
        return JobChanges({_CORE_NAMES[name]: getattr(self, name) for name in sent})


@router.get("/api/jobs/manage", summary="List, search or get jobs")
def read_jobs(
    call: Caller,
    action: str | None = None,
    uuid: str | None = None,
    job_uuid: str | None = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    status_id: str | None = None,
    priority_id: str | None = None,
    agent_id: str | None = None,
    contractor_id: str | None = None,
    created_by: str | None = None,
    has_photos: str | None = None,
    has_documents: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    """`action=list` (with search and filters), `action=get&uuid=`, `action=get_file_types`,
    `action=list_commits&uuid=` (the job's history, newest first, paged like the list)."""
    chosen = required(action, "action")
    if chosen == "get":
        found = jobs.detail(call.uow, call.principal, required(uuid, "uuid"))
        return wire.ok("Job retrieved", job_wire.job(found))
    if chosen == "get_file_types":
        types, total = reference.list_items(call.uow, call.principal, "document_types")
        items = [reference_wire.item("document_types", view) for view in types]
        return wire.listed("File types retrieved", items, total)
    paging = SliceRequest(
        offset=whole_number(offset, "offset") or 0,
        limit=_or_default(whole_number(limit, "limit"), LIMIT_DEFAULT),
        maximum=LIMIT_MAX,
    )
    if chosen == "list_commits":
        job = required(uuid or job_uuid, "uuid")
        events, total = commits.of_job(call.uow, call.principal, job, paging)
        return wire.listed("Job history retrieved", [commit_wire.commit(e) for e in events], total)
    if chosen != "list":
        raise Invalid.field("action", "must be list, get, get_file_types or list_commits")
    query = JobQuery(
        words=tuple((search or "").split()),
        status_id=whole_number(status_id, "status_id"),
        priority_id=whole_number(priority_id, "priority_id"),
        agent_id=whole_number(agent_id, "agent_id"),
        contractor_id=whole_number(contractor_id, "contractor_id"),
        created_by_id=whole_number(created_by, "created_by"),
        has_photos=flag(has_photos, "has_photos"),
        has_documents=flag(has_documents, "has_documents"),
    )
    found_jobs, total = jobs.search(call.uow, call.principal, query, paging)
    return wire.listed("Jobs retrieved", [job_wire.job(item) for item in found_jobs], total)


@router.post("/api/jobs/manage", summary="Create, update or delete a job", response_model=None)
def write_job(
    body: JobBody, call: Writer, action: str | None = None
) -> dict[str, Any] | JSONResponse:
    """`action=create` (201 with the new job), `update` (only the fields sent), `delete`."""
    chosen = required(body.action or action, "action")
    if chosen == "create":
        made = jobs.open_with(call.uow, call.principal, body.changes(), REQUIRED_ON_CREATE)
        return JSONResponse(wire.ok("Job created", job_wire.job(made)), status_code=201)
    if chosen == "update":
        changed = jobs.change(call.uow, call.principal, required(body.uuid, "uuid"), body.changes())
        return wire.ok("Job updated", job_wire.job(changed))
    if chosen == "delete":
        jobs.delete(call.uow, call.principal, required(body.uuid, "uuid"))
        return wire.ok("Job deleted")
    raise Invalid.field("action", "must be create, update or delete")


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value
