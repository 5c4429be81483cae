"""Routes of the CRM job-photos API; each translates HTTP to one core call and back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core.apikeys import service as apikeys
from jobshots.core.context import Context
from jobshots.core.ids import parse_uuid
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.times import parse_client_time
from jobshots.db.models import PHOTO_TYPES
from jobshots.dialects.crm_photos import errors, wire
from jobshots.http.auth import authorization_token, client_ip
from jobshots.http.deps import authenticate, get_ctx
from jobshots.http.multipart import read_multipart
from jobshots.http.routing import error_route_class
from jobshots.media.incoming import IncomingFile

router = APIRouter(
    prefix="/api/v1/jobs/{job_uuid}/photos",
    tags=["CRM job photos"],
    route_class=error_route_class(errors.render),
)

Ctx = Annotated[Context, Depends(get_ctx)]
JobUuid = Annotated[str, Path(description="The job's UUID")]
PhotoUuid = Annotated[str, Path(description="The photo's UUID")]


def caller(request: Request, ctx: Ctx) -> Principal:
    """Authenticate `Authorization: Bearer <key>`."""
    return authenticate(ctx, authorization_token(request, "Bearer"), client_ip(request))


Caller = Annotated[Principal, Depends(caller)]


@router.get("", summary="List photos for a job")
def list_photos(
    job_uuid: JobUuid,
    principal: Caller,
    ctx: Ctx,
    photo_type: Annotated[str | None, Query(description="before, during, after or other")] = None,
    include_deleted: bool = False,
    page: Annotated[int, Query(description="1-based page number")] = 1,
    limit: Annotated[int, Query(description="Items per page, at most 100")] = 50,
) -> dict[str, Any]:
    """A page of the job's photos, oldest upload first."""
    with ctx.uow() as uow:
        result = photos.list_for_job(
            uow,
            principal,
            job_uuid,
            photo_type=photo_type,
            include_deleted=include_deleted,
            page=page,
            per_page=limit,
        )
        return wire.photo_page(uow, result, _canonical(job_uuid))


@router.get("/{photo_uuid}", summary="Get a photo")
def get_photo(job_uuid: JobUuid, photo_uuid: PhotoUuid, principal: Caller, ctx: Ctx) -> Any:
    """One photo of the job."""
    with ctx.uow() as uow:
        item = photos.get_for_job(uow, principal, job_uuid, photo_uuid)
        return {"success": True, "data": {"photo": wire.photo(uow, item, _canonical(job_uuid))}}


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
async def upload_photos(job_uuid: JobUuid, request: Request, ctx: Ctx) -> Any:
    """Check the caller and the job, stream the files to staging, then store them all or none."""
    token, ip = authorization_token(request, "Bearer"), client_ip(request)
    principal, limit = await run_in_threadpool(_authorize_upload, ctx, token, ip, job_uuid)
    form = await read_multipart(request, ctx.storage.staging_dir(), limit)
    try:
        details = photos.PhotoDetails(
            photo_type=form.value("photo_type") or "",
            taken_at=parse_client_time(form.value("taken_at"), "taken_at"),
        )
        files = [incoming for _, incoming in form.files]
        return await run_in_threadpool(_upload, ctx, principal, job_uuid, files, details)
    finally:
        form.discard()


@router.delete("/{photo_uuid}", summary="Delete a photo (soft)")
def delete_photo(job_uuid: JobUuid, photo_uuid: PhotoUuid, principal: Caller, ctx: Ctx) -> Any:
    """Soft delete: `deleted_at` is set and the stored file is kept."""
    with ctx.uow() as uow:
        photos.soft_delete(uow, principal, job_uuid, photo_uuid)
    return {"success": True, "data": {"message": "Photo deleted successfully"}}


def _authorize_upload(
    ctx: Context, token: str | None, ip: str | None, job_uuid: str
) -> tuple[Principal, int]:
    """Authenticate and check the job in one short transaction, before any byte is read."""
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, token, ip)
        return principal, photos.upload_limit_for_job(uow, principal, job_uuid)


def _upload(
    ctx: Context,
    principal: Principal,
    job_uuid: str,
    files: list[IncomingFile],
    details: photos.PhotoDetails,
) -> Any:
    with ctx.uow() as uow:
        stored = photos.upload_to_job(uow, principal, job_uuid, files, details)
        canonical = _canonical(job_uuid)
        rendered = [wire.photo(uow, item, canonical) for item in stored]
    return {"success": True, "data": {"photos": rendered}}


def _canonical(job_uuid: str) -> str:
    return str(parse_uuid(job_uuid, "job"))
