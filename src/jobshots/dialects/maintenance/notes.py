"""Routes of the maintenance API: `/api/jobs/case-notes` and the files sent with notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core.errors import Invalid
from jobshots.core.notes import service as notes
from jobshots.core.pagination import SliceRequest
from jobshots.dialects.maintenance.common import (
    Caller,
    body_values,
    checked_form,
    checked_write,
    content_type,
    flag,
    required,
    required_job,
    text,
    whole_number,
)
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import notes as wire
from jobshots.http.caller import Call
from jobshots.http.csrf import presented_token
from jobshots.media.incoming import IncomingFile

router = APIRouter()
PATH = "/api/jobs/case-notes"
ACTIONS = ("create", "update", "delete")
LIMIT_DEFAULT, LIMIT_MAX = 50, 200

_NOTE_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "action": {"type": "string", "enum": ["create", "update", "delete"]},
                        "job_uuid": {"type": "string", "format": "uuid"},
                        "job_id": {"type": "integer"},
                        "note_text": {"type": "string"},
                        "send_email": {"type": "boolean"},
                        "in_reply_to": {"type": "string", "format": "uuid"},
                        "uuid": {"type": "string", "format": "uuid"},
                        "is_pinned": {"type": "boolean"},
                        "csrf_token": {"type": "string"},
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "job_uuid": {"type": "string", "format": "uuid"},
                        "note_text": {"type": "string"},
                        "send_email": {"type": "boolean"},
                        "attachments": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                        "csrf_token": {"type": "string"},
                    },
                }
            },
        },
    }
}


_CREATE = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["note_text"],
                    "properties": {
                        "job_uuid": {"type": "string", "format": "uuid"},
                        "job_id": {"type": "integer"},
                        "note_text": {"type": "string"},
                        "send_email": {"type": "boolean"},
                        "in_reply_to": {"type": "string", "format": "uuid"},
                    },
                }
            },
            "multipart/form-data": _NOTE_FORM["requestBody"]["content"]["multipart/form-data"],
        },
    }
}
_NOTE = {"uuid": {"type": "string", "format": "uuid"}, "note_id": {"type": "integer"}}
_UPDATE = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **_NOTE,
                        "note_text": {"type": "string"},
                        "is_pinned": {"type": "boolean"},
                    },
                }
            }
        },
    }
}
_DELETE = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "properties": _NOTE}}},
    }
}


@router.get(PATH, summary="List a job's case notes")
def read_notes(
    call: Caller,
    action: Annotated[str | None, action_query(["list"])] = None,
    job_id: str | None = None,
    job_uuid: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    """`action=list` with `job_uuid` (or `job_id`): pinned notes first, then newest first."""
    if required(action, "action") != "list":
        raise Invalid.field("action", "must be list")
    paging = SliceRequest(
        offset=whole_number(offset, "offset") or 0,
        limit=_or_default(whole_number(limit, "limit"), LIMIT_DEFAULT),
        maximum=LIMIT_MAX,
    )
    found, total = notes.of_job(call.uow, call.principal, required_job(job_id, job_uuid), paging)
    return wire.notes(found, total)


@router.get("/api/jobs/case-note-attachments", summary="List the files sent with a case note")
def read_attachments(
    call: Caller, note_uuid: str | None = None, uuid: str | None = None
) -> dict[str, Any]:
    """`note_uuid` (or `uuid`): the note's files, each a document of its job."""
    ref = required(note_uuid or uuid, "note_uuid")
    return wire.attachments(notes.attachments(call.uow, call.principal, ref), call.base_url)


@router.post(
    PATH,
    summary="Write, change or delete a case note (the vendor's form)",
    response_model=None,
    openapi_extra=_NOTE_FORM,
    description=vendor_form(PATH, ACTIONS),
)
async def write_notes(
    request: Request, call: Caller, action: Annotated[str | None, action_query(ACTIONS)] = None
) -> dict[str, Any]:
    """Create (JSON, URL-encoded, or multipart with files), `action=update` (`note_text`
    and/or `is_pinned`, by `uuid`) or `action=delete` (by `uuid`)."""
    return await _received(request, call, None, action)


@router.post(
    variant(PATH, "create"),
    summary="Write a case note",
    response_model=None,
    openapi_extra=_CREATE,
    operation_id="jobs_case_notes_create",
)
async def create_note(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's create: JSON or URL-encoded, or multipart with files attached."""
    return await _received(request, call, "create", None)


@router.post(
    variant(PATH, "update"),
    summary="Change a case note",
    response_model=None,
    openapi_extra=_UPDATE,
    operation_id="jobs_case_notes_update",
)
async def update_note(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=update`: `note_text` and/or `is_pinned`, by `uuid`."""
    return await _received(request, call, "update", None)


@router.post(
    variant(PATH, "delete"),
    summary="Delete a case note",
    response_model=None,
    openapi_extra=_DELETE,
    operation_id="jobs_case_notes_delete",
)
async def delete_note(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=delete`, by `uuid`."""
    return await _received(request, call, "delete", None)


async def _received(
    request: Request, call: Call, path_action: str | None, action: str | None
) -> dict[str, Any]:
    """A write of either form; the action a variant's path names wins over one sent."""
    if content_type(request) == "multipart/form-data":
        form = await checked_form(
            request, call, lambda: notes.upload_limit(call.uow, call.principal)
        )
        try:
            values = {name: form.value(name) for name in form.fields}
            files = [incoming for _, incoming in form.files]
            return await run_in_threadpool(_write, call, values, path_action, action, files)
        finally:
            form.discard()
    values = await body_values(request)
    await run_in_threadpool(checked_write, call, await presented_token(request))
    return await run_in_threadpool(_write, call, values, path_action, action, [])


def _write(
    call: Call,
    values: Mapping[str, Any],
    path_action: str | None,
    action: str | None,
    files: Sequence[IncomingFile],
) -> dict[str, Any]:
    chosen = path_action or text(values.get("action")) or action or "create"
    if chosen == "create":
        made = notes.create(
            call.uow,
            call.principal,
            required_job(values.get("job_id"), text(values.get("job_uuid"))),
            _text(values, "note_text"),
            send_email=flag(values.get("send_email"), "send_email") or False,
            in_reply_to=_text(values, "in_reply_to"),
            attachments=files,
        )
        return wire.created(made)
    if files:
        raise Invalid.field("attachments", "can only be sent when a note is created")
    if chosen == "update":
        changed = notes.change(
            call.uow,
            call.principal,
            _note(values),
            note_text=_text(values, "note_text"),
            is_pinned=flag(values.get("is_pinned"), "is_pinned"),
        )
        return wire.updated(changed)
    if chosen == "delete":
        notes.delete(call.uow, call.principal, _note(values))
        return wire.deleted()
    raise Invalid.field("action", "must be create, update or delete")


def _note(values: Mapping[str, Any]) -> notes.NoteRef:
    """The note a change names: `uuid` (or `note_uuid`), else the integer `note_id`."""
    named = _text(values, "uuid") or _text(values, "note_uuid")
    if named is not None and named.strip():
        return named
    number = whole_number(values.get("note_id"), "note_id")
    if number is None:
        raise Invalid.field("uuid", "is required")
    return number


def _text(values: Mapping[str, Any], name: str) -> str | None:
    value = values.get(name)
    if value is None or isinstance(value, str):
        return value
    raise Invalid.field(name, "must be text")


def _or_default(value: int | None, default: int) -> int:
    return default if value is None else value
