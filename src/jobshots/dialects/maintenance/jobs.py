"""Routes of the maintenance API: `/api/jobs/manage`, the jobs themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
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
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import commits as commit_wire
from jobshots.dialects.maintenance.wire import jobs as job_wire
from jobshots.dialects.maintenance.wire import reference as reference_wire
from jobshots.http.caller import Call

router = APIRouter()
PATH = "/api/jobs/manage"
LIMIT_DEFAULT, LIMIT_MAX = 50, 200
# What the contract marks required on create, by the core's field names.
REQUIRED_ON_CREATE = frozenset(
    {"title", "description", "priority_id", "status_id", "type_id", "address_id"}
)
_CORE_NAMES = {wire_name: core for core, wire_name in job_wire.FIELD_NAMES.items()}


class JobFields(BaseModel):
    """The job fields the vendor's reference names, as a create sends them."""

    model_config = ConfigDict(extra="ignore")
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


class JobChange(JobFields):
    """An update: the job's `uuid` and only the fields that change."""

    uuid: str | None = None


class JobNamed(BaseModel):
    """A delete: the job's `uuid`."""

    model_config = ConfigDict(extra="ignore")
    uuid: str | None = None


class JobBody(JobChange):
    """`POST /api/jobs/manage`: the action and the job fields the vendor's reference names."""

    action: str | None = None


@dataclass
class JobFilters:
    """`action=list`: the words searched for and the filters, as query parameters."""

    search: Annotated[str | None, Query(max_length=200)] = None
    status_id: str | None = None
    priority_id: str | None = None
    agent_id: str | None = None
    contractor_id: str | None = None
    created_by: str | None = None
    has_photos: str | None = None
    has_documents: str | None = None

    def query(self) -> JobQuery:
        """The core's query for these filters; Invalid naming a filter that is not well formed."""
        return JobQuery(
            words=tuple((self.search or "").split()),
            status_id=whole_number(self.status_id, "status_id"),
            priority_id=whole_number(self.priority_id, "priority_id"),
            agent_id=whole_number(self.agent_id, "agent_id"),
            contractor_id=whole_number(self.contractor_id, "contractor_id"),
            created_by_id=whole_number(self.created_by, "created_by"),
            has_photos=flag(self.has_photos, "has_photos"),
            has_documents=flag(self.has_documents, "has_documents"),
        )


@dataclass
class Paging:
    """`limit` (default 50, at most 200) and `offset`, as query parameters."""

    limit: str | None = None
    offset: str | None = None

    def slice(self) -> SliceRequest:
        """The core's slice; Invalid naming a bound that is not a whole number."""
        return SliceRequest(
            offset=whole_number(self.offset, "offset") or 0,
            limit=_or_default(whole_number(self.limit, "limit"), LIMIT_DEFAULT),
            maximum=LIMIT_MAX,
        )


Filters = Annotated[JobFilters, Depends()]
Paged = Annotated[Paging, Depends()]
READS = ("list", "get", "get_file_types", "list_commits")
WRITES = ("create", "update", "delete")


@router.get(
    PATH,
    summary="List, search or get jobs (the vendor's form)",
    description=vendor_form(PATH, READS),
)
def read_jobs(
    call: Caller,
    filters: Filters,
    paging: Paged,
    action: Annotated[str | None, action_query(READS)] = None,
    uuid: str | None = None,
    job_uuid: str | None = None,
) -> dict[str, Any]:
    """`action=list` (with search and filters), `action=get&uuid=`, `action=get_file_types`,
    `action=list_commits&uuid=` (the job's history, newest first, paged like the list)."""
    chosen = required(action, "action")
    if chosen == "get":
        return _get(call, uuid)
    if chosen == "get_file_types":
        return _file_types(call)
    if chosen == "list_commits":
        return _history(call, uuid or job_uuid, paging)
    if chosen != "list":
        raise Invalid.field("action", "must be list, get, get_file_types or list_commits")
    return _list(call, filters, paging)


@router.get(variant(PATH, "list"), summary="List or search jobs", operation_id="jobs_manage_list")
def list_jobs(call: Caller, filters: Filters, paging: Paged) -> dict[str, Any]:
    """The vendor's `action=list`: the jobs within reach, searched and filtered, paged."""
    return _list(call, filters, paging)


@router.get(variant(PATH, "get"), summary="Get a job", operation_id="jobs_manage_get")
def get_job(call: Caller, uuid: str | None = None) -> dict[str, Any]:
    """The vendor's `action=get&uuid=`: one job."""
    return _get(call, uuid)


@router.get(
    variant(PATH, "get_file_types"),
    summary="List the document types",
    operation_id="jobs_manage_get_file_types",
)
def file_types(call: Caller) -> dict[str, Any]:
    """The vendor's `action=get_file_types`: the company's document types."""
    return _file_types(call)


@router.get(
    variant(PATH, "list_commits"),
    summary="A job's history",
    operation_id="jobs_manage_list_commits",
)
def job_history(
    call: Caller, paging: Paged, uuid: str | None = None, job_uuid: str | None = None
) -> dict[str, Any]:
    """The vendor's `action=list_commits&uuid=`: the job's history, newest first."""
    return _history(call, uuid or job_uuid, paging)


@router.post(
    PATH,
    summary="Create, update or delete a job (the vendor's form)",
    response_model=None,
    description=vendor_form(PATH, WRITES),
)
def write_job(
    body: JobBody, call: Writer, action: Annotated[str | None, action_query(WRITES)] = None
) -> dict[str, Any] | JSONResponse:
    """`action=create` (201 with the new job), `update` (only the fields sent), `delete`."""
    chosen = required(body.action or action, "action")
    if chosen == "create":
        return _create(call, body)
    if chosen == "update":
        return _update(call, body)
    if chosen == "delete":
        return _delete(call, body.uuid)
    raise Invalid.field("action", "must be create, update or delete")


@router.post(
    variant(PATH, "create"),
    summary="Create a job",
    status_code=201,
    response_model=None,
    operation_id="jobs_manage_create",
)
def create_job(body: JobFields, call: Writer) -> JSONResponse:
    """The vendor's `action=create`: 201 with the new job."""
    return _create(call, body)


@router.post(variant(PATH, "update"), summary="Update a job", operation_id="jobs_manage_update")
def update_job(body: JobChange, call: Writer) -> dict[str, Any]:
    """The vendor's `action=update`: only the fields sent change."""
    return _update(call, body)


@router.post(variant(PATH, "delete"), summary="Delete a job", operation_id="jobs_manage_delete")
def delete_job(body: JobNamed, call: Writer) -> dict[str, Any]:
    """The vendor's `action=delete`: the job, its notes, photos and documents."""
    return _delete(call, body.uuid)


def _list(call: Call, filters: JobFilters, paging: Paging) -> dict[str, Any]:
    found_jobs, total = jobs.search(call.uow, call.principal, filters.query(), paging.slice())
    return wire.listed("Jobs retrieved", [job_wire.job(item) for item in found_jobs], total)


def _get(call: Call, uuid: str | None) -> dict[str, Any]:
    found = jobs.detail(call.uow, call.principal, required(uuid, "uuid"))
    return wire.ok("Job retrieved", job_wire.job(found))


def _file_types(call: Call) -> dict[str, Any]:
    types, total = reference.list_items(call.uow, call.principal, "document_types")
    items = [reference_wire.item("document_types", view) for view in types]
    return wire.listed("File types retrieved", items, total)


def _history(call: Call, uuid: str | None, paging: Paging) -> dict[str, Any]:
    job = required(uuid, "uuid")
    events, total = commits.of_job(call.uow, call.principal, job, paging.slice())
    return wire.listed("Job history retrieved", [commit_wire.commit(e) for e in events], total)


def _create(call: Call, body: JobFields) -> JSONResponse:
    made = jobs.open_with(call.uow, call.principal, body.changes(), REQUIRED_ON_CREATE)
    return JSONResponse(wire.ok("Job created", job_wire.job(made)), status_code=201)


def _update(call: Call, body: JobChange) -> dict[str, Any]:
    changed = jobs.change(call.uow, call.principal, required(body.uuid, "uuid"), body.changes())
    return wire.ok("Job updated", job_wire.job(changed))


def _delete(call: Call, uuid: str | None) -> dict[str, Any]:
    jobs.delete(call.uow, call.principal, required(uuid, "uuid"))
    return wire.ok("Job deleted")


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value
