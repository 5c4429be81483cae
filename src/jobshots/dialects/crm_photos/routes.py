"""Routes of the CRM job-photos API; each translates HTTP to one core call and back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core.ids import parse_uuid
from jobshots.core.pagination import PageRequest
from jobshots.core.photos import service as photos
from jobshots.core.times import parse_client_time
from jobshots.db.models import PHOTO_TYPES
from jobshots.dialects.crm_photos import errors, wire
from jobshots.http.apis import Api
from jobshots.http.auth import authorization, header
from jobshots.http.caller import Call, api_key, caller
from jobshots.http.uploads import receive_form

router = APIRouter(prefix="/api/v1/jobs/{job_uuid}/photos", tags=["CRM job photos"])
MAX_PER_PAGE = 100

# The vendor documents both: `Authorization: Bearer <key>` and `X-API-Key: <key>`.
Caller = Annotated[Call, Depends(caller(api_key(authorization("Bearer"), header("x-api-key"))))]
JobUuid = Annotated[str, Path(description="The job's UUID")]
PhotoUuid = Annotated[str, Path(description="The photo's UUID")]


@router.get("", summary="List photos for a job")
def list_photos(
    job_uuid: JobUuid,
    call: Caller,
    photo_type: Annotated[str | None, Query(description="before, during, after or other")] = None,
    include_deleted: bool = False,
    page: Annotated[int, Query(description="1-based page number")] = 1,
    limit: Annotated[int, Query(description="Items per page, at most 100")] = 50,
) -> dict[str, Any]:
    """A page of the job's photos, oldest upload first."""
    which = photos.PhotoFilter(photo_type=photo_type, include_deleted=include_deleted)
    paging = PageRequest(page, limit, MAX_PER_PAGE, per_page_field="limit")
    result = photos.page_of_job(call.uow, call.principal, job_uuid, which, paging)
    return wire.photo_page(result, _canonical(job_uuid))


@router.get("/{photo_uuid}", summary="Get a photo")
def get_photo(job_uuid: JobUuid, photo_uuid: PhotoUuid, call: Caller) -> dict[str, Any]:
    """One photo of the job, deleted or not."""
    ref = photos.PhotoRef(uuid=photo_uuid)
    item = photos.get(call.uow, call.principal, ref, job=job_uuid, include_deleted=True)
    return wire.one_photo(item, _canonical(job_uuid))


@router.post(
    "",
    summary="Upload photos",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["photos", "photo_type"],
                        "properties": {
                            "photos": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": "One or more image or video files",
                            },
                            "photo_type": {"type": "string", "enum": list(PHOTO_TYPES)},
                            "taken_at": {"type": "string", "format": "date-time"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_photos(job_uuid: JobUuid, request: Request, call: Caller) -> dict[str, Any]:
    """Check the caller and the job, stream the files to staging, then store them all or none."""
    form = await receive_form(
        request, call, lambda: photos.upload_limit(call.uow, call.principal, job_uuid)
    )
    try:
        details = photos.PhotoDetails(
            photo_type=form.value("photo_type") or "",
            taken_at=parse_client_time(form.value("taken_at"), "taken_at"),
        )
        files = [incoming for _, incoming in form.files]
        stored = await run_in_threadpool(
            photos.upload_to_job, call.uow, call.principal, job_uuid, files, details
        )
    finally:
        form.discard()
    return wire.photos(stored, _canonical(job_uuid))


@router.delete("/{photo_uuid}", summary="Delete a photo (soft)")
def delete_photo(job_uuid: JobUuid, photo_uuid: PhotoUuid, call: Caller) -> dict[str, Any]:
    """Soft delete: `deleted_at` is set and the stored file is kept; deleting again succeeds."""
    ref = photos.PhotoRef(uuid=photo_uuid)
    photos.delete(call.uow, call.principal, ref, job=job_uuid, include_deleted=True)
    return wire.deleted()


def _canonical(job_uuid: str) -> str:
    return str(parse_uuid(job_uuid, "job"))


API = Api("CRM job photos", router, ("/api/v1/",), errors.render, errors=errors.RESPONSES)
