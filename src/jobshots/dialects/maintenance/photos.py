"""Routes of the maintenance API: `/api/jobs/photos`, a job's photos and videos."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core.errors import Invalid
from jobshots.core.photos import service as photos
from jobshots.dialects.maintenance.common import (
    Caller,
    Writer,
    body_values,
    checked_form,
    checked_write,
    content_type,
    job_named,
    required_job,
    text,
    whole_number,
)
from jobshots.dialects.maintenance.variants import action_query, variant, vendor_form
from jobshots.dialects.maintenance.wire import photos as wire
from jobshots.http.caller import Call
from jobshots.http.csrf import presented_token
from jobshots.http.multipart import ReceivedForm

router = APIRouter()
PATH = "/api/jobs/photos"
ACTIONS = ("upload", "delete")
# The vendor's reference names the file `photo`, its guide `file`; the `[]` forms are how
# PHP-style clients send several files under one name.
FILE_FIELDS = ("photo", "file", "photo[]", "file[]")

_JOB = {
    "job_id": {"type": "integer"},
    "job_uuid": {"type": "string", "format": "uuid"},
}
_FILES = {
    "type": "array",
    "items": {"type": "string", "format": "binary"},
    "description": "One or more images or videos (or as `file`)",
}
_PHOTO = {
    "id": {"type": "integer"},
    "photo_uuid": {"type": "string", "format": "uuid"},
}
_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {
                        **_JOB,
                        "photo_type": {"type": "string", "enum": list(wire.GROUPS)},
                        "photo": _FILES,
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
            kind: {"schema": {"type": "object", "properties": {**_JOB, **_PHOTO}}}
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
                        "photo_type": {"type": "string", "enum": list(wire.GROUPS)},
                        "photo": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more images or videos (or as `file`)",
                        },
                        "photo_uuid": {"type": "string", "format": "uuid"},
                        "csrf_token": {"type": "string"},
                    },
                }
            },
            "application/json": {"schema": {"type": "object"}},
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        },
    }
}


@router.get(PATH, summary="List a job's photos, grouped by type")
def list_photos(
    call: Caller,
    action: Annotated[str | None, action_query(["list"])] = None,
    job_id: str | None = None,
    job_uuid: str | None = None,
) -> dict[str, Any]:
    """`job_id` or `job_uuid`; `action=list` may be sent. Every group is present."""
    if action not in (None, "", "list"):
        raise Invalid.field("action", "must be list")
    found = photos.of_job(call.uow, call.principal, required_job(job_id, job_uuid))
    return wire.photos(found)


@router.post(
    PATH,
    summary="Upload or delete photos (the vendor's form)",
    response_model=None,
    openapi_extra=_UPLOAD_FORM,
    description=vendor_form(PATH, ACTIONS),
)
async def write_photos(
    request: Request, call: Caller, action: Annotated[str | None, action_query(ACTIONS)] = None
) -> dict[str, Any]:
    """Multipart `action=upload` or `action=delete`; `delete` also as JSON or URL-encoded."""
    return await _write(request, call, None, action)


@router.post(
    variant(PATH, "upload"),
    summary="Upload photos to a job",
    response_model=None,
    openapi_extra=_UPLOAD,
    operation_id="jobs_photos_upload",
)
async def upload_photos(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=upload`: multipart, `job_id` or `job_uuid`, the files."""
    return await _write(request, call, "upload", None)


@router.post(
    variant(PATH, "delete"),
    summary="Delete a photo (kept as evidence)",
    response_model=None,
    openapi_extra=_DELETE,
    operation_id="jobs_photos_delete",
)
async def delete_photo_variant(request: Request, call: Caller) -> dict[str, Any]:
    """The vendor's `action=delete`: by `id` or `photo_uuid`, within the job if one is named."""
    return await _write(request, call, "delete", None)


async def _write(
    request: Request, call: Call, path_action: str | None, action: str | None
) -> dict[str, Any]:
    """A write of either form; the action a variant's path names wins over one sent."""
    if content_type(request) == "multipart/form-data":
        return await _from_form(request, call, path_action, action)
    values = await body_values(request)
    await run_in_threadpool(checked_write, call, await presented_token(request))
    chosen = _action(path_action or text(values.get("action")) or action)
    if chosen == "upload":
        raise Invalid.field("photo", "must be sent as multipart/form-data")
    await run_in_threadpool(_delete, call, values)
    return wire.deleted()


@router.delete(PATH, summary="Delete a photo (kept as evidence)")
async def delete_photo(request: Request, call: Writer) -> dict[str, Any]:
    """`{"id": <id>}` (or `photo_uuid`); the photo leaves every list, its file is kept."""
    values = {**request.query_params, **await body_values(request)}
    await run_in_threadpool(_delete, call, values)
    return wire.deleted()


async def _from_form(
    request: Request, call: Call, path_action: str | None, action: str | None
) -> dict[str, Any]:
    # The form is not read yet: a job named in the query string is checked before it is.
    query = request.query_params
    named = job_named(query.get("job_id"), query.get("job_uuid"))
    form = await checked_form(
        request, call, lambda: photos.upload_limit(call.uow, call.principal, named)
    )
    try:
        chosen = _action(path_action or form.value("action") or action)
        if chosen == "upload":
            return await _upload(call, form)
        await run_in_threadpool(_delete, call, {name: form.value(name) for name in form.fields})
        return wire.deleted()
    finally:
        form.discard()


async def _upload(call: Call, form: ReceivedForm) -> dict[str, Any]:
    job = required_job(form.value("job_id"), form.value("job_uuid"))
    kind = (form.value("photo_type") or "other").strip().lower()
    files = [incoming for name, incoming in form.files if name in FILE_FIELDS]
    details = photos.PhotoDetails(photo_type=kind)
    stored = await run_in_threadpool(
        photos.upload_to_job, call.uow, call.principal, job, files, details
    )
    return wire.uploaded(stored)


def _delete(call: Call, values: Mapping[str, Any]) -> None:
    """Soft-delete the photo the values name, within the job they name when they name one."""
    job = job_named(text(values.get("job_id")), text(values.get("job_uuid")))
    photos.delete(call.uow, call.principal, _photo(values), job=job)


def _action(value: str | None) -> str:
    if value is None or not value.strip():
        raise Invalid.field("action", "is required (upload or delete)")
    if value not in ("upload", "delete"):
        raise Invalid.field("action", "must be upload or delete")
    return value


def _photo(values: Mapping[str, Any]) -> photos.PhotoRef:
    for name in ("id", "photo_id"):
        number = whole_number(values.get(name), name)
        if number is not None:
            return photos.PhotoRef(id=number)
    for name in ("photo_uuid", "uuid"):
        named = text(values.get(name))
        if named is not None and named.strip():
            return photos.PhotoRef(uuid=named)
    raise Invalid.field("id", "or photo_uuid is required")
