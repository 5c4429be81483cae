"""Routes of the maintenance API: `/api/jobs/documents`, the files attached to a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core.documents import service as documents
from jobshots.core.errors import Invalid
from jobshots.dialects.maintenance.common import (
    Caller,
    Writer,
    body_values,
    checked_form,
    checked_write,
    content_type,
    required,
    required_job,
    text,
    whole_number,
)
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import documents as wire
from jobshots.http.caller import Call
from jobshots.http.csrf import presented_token
from jobshots.http.files import attachment
from jobshots.http.multipart import ReceivedForm

router = APIRouter()
PATH = "/api/jobs/documents"
READS, WRITES = ("list", "download"), ("upload", "delete")
# The vendor's reference names the file `file`; its guide only says "file", so take `document`.
FILE_FIELDS = ("file", "document")

_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "job_id": {"type": "integer"},
                        "job_uuid": {"type": "string", "format": "uuid"},
                        "document_type_id": {"type": "integer"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}
_DELETE = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "document_id": {"type": "integer"},
                        "document_uuid": {"type": "string", "format": "uuid"},
                    },
                }
            }
            for kind in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}
_UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["action"],
                    "properties": {
                        "action": {"type": "string", "enum": ["upload", "delete"]},
                        "job_id": {"type": "integer"},
                        "job_uuid": {"type": "string", "format": "uuid"},
                        "document_type_id": {"type": "integer"},
                        "file": {"type": "string", "format": "binary"},
                        "document_uuid": {"type": "string", "format": "uuid"},
                        "csrf_token": {"type": "string"},
                    },
                }
            },
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document's bytes, as an attachment",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    PATH,
    summary="List a job's documents, or download one (the vendor's form)",
    response_model=None,
    description=vendor_form(PATH, READS),
)
def read_documents(
    call: Caller,
    action: Annotated[str | None, action_query(READS)] = None,
    job_id: str | None = None,
    job_uuid: str | None = None,
    uuid: str | None = None,
) -> dict[str, Any] | Response:
    """`action=list` with `job_id` or `job_uuid`; `action=download&uuid=` sends the file."""
    chosen = required(action, "action")
    if chosen == "list":
        return _list(call, job_id, job_uuid)
    if chosen == "download":
        return _download(call, uuid)
    raise Invalid.field("action", "must be list or download")


@router.get(
    variant(PATH, "list"), summary="List a job's documents", operation_id="jobs_documents_list"
)
def list_documents(
    call: Caller, job_id: str | None = None, job_uuid: str | None = None
) -> dict[str, Any]:
    """The vendor's `action=list`: the job's documents, named by `job_id` or `job_uuid`."""
    return _list(call, job_id, job_uuid)


@router.get(
    variant(PATH, "download"),
    summary="Download a document",
    response_model=None,
    responses=_FILE,
    operation_id="jobs_documents_download",
)
def download_document(call: Caller, uuid: str | None = None) -> Response:
    """The vendor's `action=download&uuid=`: the file as it was uploaded."""
    return _download(call, uuid)


@router.post(
    PATH,
    summary="Upload or delete a document (the vendor's form)",
    response_model=None,
    openapi_extra=_UPLOAD_FORM,
    description=vendor_form(PATH, WRITES),
)
async def write_documents(
    request: Request, call: Caller, action: Annotated[str | None, action_query(WRITES)] = None
) -> dict[str, Any]:
    """Multipart `action=upload` (one file) or `action=delete`; `delete` also as JSON."""
    return await _write(request, call, None, action)


@router.post(
    variant(PATH, "upload"),
    summary="Upload a document to a job",
    response_model=None,
    openapi_extra=_UPLOAD,
    operation_id="jobs_documents_upload",
)
async def upload_document(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=upload`: multipart, `job_id` or `job_uuid`, the `file`."""
    return await _write(request, call, "upload", None)


@router.post(
    variant(PATH, "delete"),
    summary="Delete a document",
    response_model=None,
    openapi_extra=_DELETE,
    operation_id="jobs_documents_delete",
)
async def delete_document_variant(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=delete`: by `document_id` or `document_uuid`."""
    return await _write(request, call, "delete", None)


def _list(call: Call, job_id: str | None, job_uuid: str | None) -> dict[str, Any]:
    found = documents.of_job(call.uow, call.principal, required_job(job_id, job_uuid))
    return wire.documents(found, call.base_url)


def _download(call: Call, uuid: str | None) -> Response:
    ref = documents.DocumentRef(uuid=required(uuid, "uuid"))
    return attachment(documents.download(call.uow, call.principal, ref))


async def _write(
    request: Request, call: Call, path_action: str | None, action: str | None
) -> dict[str, Any]:
    """A write of either form; the action a variant's path names wins over one sent."""
    if content_type(request) == "multipart/form-data":
        return await _from_form(request, call, path_action, action)
    values = await body_values(request)
    await run_in_threadpool(checked_write, call, await presented_token(request))
    chosen = required(path_action or text(values.get("action")) or action, "action")
    if chosen == "upload":
        raise Invalid.field("file", "must be sent as multipart/form-data")
    if chosen != "delete":
        raise Invalid.field("action", "must be upload or delete")
    await run_in_threadpool(documents.delete, call.uow, call.principal, _document(values))
    return wire.deleted()


@router.delete(PATH, summary="Delete a document")
async def delete_document(request: Request, call: Writer) -> dict[str, Any]:
    """`{"document_id": <id>}` (or `document_uuid`); the file goes once the deletion commits."""
    values = {**request.query_params, **await body_values(request)}
    await run_in_threadpool(documents.delete, call.uow, call.principal, _document(values))
    return wire.deleted()


async def _from_form(
    request: Request, call: Call, path_action: str | None, action: str | None
) -> dict[str, Any]:
    form = await checked_form(
        request, call, lambda: documents.upload_limit(call.uow, call.principal)
    )
    try:
        chosen = required(path_action or form.value("action") or action, "action")
        if chosen == "upload":
            return await _upload(call, form)
        if chosen == "delete":
            values = {name: form.value(name) for name in ("document_id", "document_uuid")}
            await run_in_threadpool(documents.delete, call.uow, call.principal, _document(values))
            return wire.deleted()
        raise Invalid.field("action", "must be upload or delete")
    finally:
        form.discard()


async def _upload(call: Call, form: ReceivedForm) -> dict[str, Any]:
    job = required_job(form.value("job_id"), form.value("job_uuid"))
    document_type = whole_number(form.value("document_type_id"), "document_type_id")
    files = [incoming for name, incoming in form.files if name in FILE_FIELDS]
    stored = await run_in_threadpool(
        documents.upload, call.uow, call.principal, job, files, document_type
    )
    return wire.uploaded(stored, call.base_url)


def _document(values: Mapping[str, Any]) -> documents.DocumentRef:
    number = whole_number(values.get("document_id"), "document_id")
    if number is not None:
        return documents.DocumentRef(id=number)
    named = text(values.get("document_uuid"))
    if named is None or not named.strip():
        raise Invalid.field("document_id", "or document_uuid is required")
    return documents.DocumentRef(uuid=named)
