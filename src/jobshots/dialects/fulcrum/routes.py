"""Routes of the Fulcrum-compatible photos API; `.json` and bare paths both answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from jobshots.core.apikeys import service as apikeys
from jobshots.core.context import Context
from jobshots.core.errors import Invalid
from jobshots.core.photos import catalogue, files
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.times import parse_client_time
from jobshots.dialects.fulcrum import errors, wire
from jobshots.http.auth import client_ip
from jobshots.http.deps import authenticate, get_ctx
from jobshots.http.multipart import read_multipart
from jobshots.http.routing import error_route_class
from jobshots.media.incoming import IncomingFile

router = APIRouter(
    prefix="/api/v2/photos", tags=["Fulcrum photos"], route_class=error_route_class(errors.render)
)
Ctx = Annotated[Context, Depends(get_ctx)]
AccessKey = Annotated[str, Path(description="The photo's access_key")]
CHUNK = 256 * 1024


class Version(StrEnum):
    """The image versions Fulcrum serves besides the original."""

    thumbnail = "thumbnail"
    large = "large"


class PhotoChanges(BaseModel):
    """Writable fields of a photo: only its record link."""

    model_config = ConfigDict(extra="ignore")
    record_id: str | None = None


class PhotoUpdate(BaseModel):
    """`{"photo": {...}}` as Fulcrum clients send it."""

    photo: PhotoChanges


def caller(request: Request, ctx: Ctx) -> Principal:
    """Authenticate the `X-ApiToken` header."""
    return authenticate(ctx, request.headers.get("x-apitoken"), client_ip(request))


Caller = Annotated[Principal, Depends(caller)]


@router.get("", summary="Fetch the metadata for all photos")
@router.get(".json", summary="Fetch the metadata for all photos (.json)")
def list_photos(
    principal: Caller,
    ctx: Ctx,
    page: Annotated[int, Query()] = 1,
    per_page: Annotated[int, Query()] = 100,
    record_id: Annotated[str | None, Query(description="Only this job's photos")] = None,
    form_id: Annotated[str | None, Query()] = None,
    created_since: Annotated[str | None, Query(description="ISO time or Unix seconds")] = None,
    updated_since: Annotated[str | None, Query(description="ISO time or Unix seconds")] = None,
) -> dict[str, Any]:
    """A page of the company's photos, oldest first."""
    which = catalogue.LibraryFilter(
        job_uuid=record_id,
        form_id=form_id,
        created_since=_since(created_since, "created_since"),
        updated_since=_since(updated_since, "updated_since"),
    )
    with ctx.uow() as uow:
        return wire.photo_page(uow, catalogue.list_page(uow, principal, which, page, per_page))


@router.post("", summary="Upload a single photo", status_code=201)
@router.post(".json", summary="Upload a single photo (.json)", status_code=201)
async def upload_photo(request: Request, ctx: Ctx) -> Response:
    """`photo[access_key]` and `photo[file]`; the same key and bytes again return the first."""
    token, ip = request.headers.get("x-apitoken"), client_ip(request)
    principal, limit = await run_in_threadpool(_authorize_upload, ctx, token, ip)
    form = await read_multipart(request, ctx.storage.staging_dir(), limit)
    try:
        incoming = next((f for name, f in form.files if name == "photo[file]"), None)
        details = photos.PhotoDetails(
            client_key=form.value("photo[access_key]"), form_id=form.value("photo[form_id]") or None
        )
        job = form.value("photo[record_id]") or None
        return await run_in_threadpool(_receive, ctx, principal, incoming, details, job)
    finally:
        form.discard()


@router.get("/{access_key}/{version}.json", summary="Fetch a version's metadata")
def version_metadata(
    access_key: AccessKey, version: Version, principal: Caller, ctx: Ctx
) -> dict[str, Any]:
    """URL, size and dimensions of the thumbnail or large version."""
    with ctx.uow() as uow:
        return wire.version(uow, catalogue.get(uow, principal, access_key), version.value)


@router.get("/{access_key}/{version}.jpg", summary="Fetch a version's image")
def version_image(
    access_key: AccessKey, version: Version, request: Request, principal: Caller, ctx: Ctx
) -> Response:
    """The thumbnail or large JPEG."""
    return _image(ctx, principal, access_key, version.value, request)


@router.get("/{access_key}.jpg", summary="Fetch the image for a single photo")
def original_image(
    access_key: AccessKey, request: Request, principal: Caller, ctx: Ctx
) -> Response:
    """The photo as a JPEG (the original when it is one, else the large version)."""
    return _image(ctx, principal, access_key, "original", request)


# Decorators register bottom-up: the `.json` path must come first, or `{access_key}` takes it.
@router.get("/{access_key}", summary="Fetch the metadata for a single photo")
@router.get("/{access_key}.json", summary="Fetch the metadata for a single photo (.json)")
def get_photo(access_key: AccessKey, principal: Caller, ctx: Ctx) -> dict[str, Any]:
    """`{"photo": {...}}`."""
    with ctx.uow() as uow:
        return {"photo": wire.photo(uow, catalogue.get(uow, principal, access_key))}


@router.put("/{access_key}", summary="Link or unlink a photo's record")
@router.put("/{access_key}.json", summary="Link or unlink a photo's record (.json)")
def update_photo(
    access_key: AccessKey, body: Annotated[PhotoUpdate, Body()], principal: Caller, ctx: Ctx
) -> dict[str, Any]:
    """`{"photo": {"record_id": null}}` unlinks the photo from its job; it is kept."""
    with ctx.uow() as uow:
        if "record_id" in body.photo.model_fields_set:
            item = catalogue.link_to_job(uow, principal, access_key, body.photo.record_id)
        else:
            item = catalogue.get(uow, principal, access_key)
        return {"photo": wire.photo(uow, item)}


@router.delete("/{access_key}", summary="Not supported: photos cannot be deleted")
@router.delete("/{access_key}.json", summary="Not supported: photos cannot be deleted (.json)")
def delete_photo(access_key: AccessKey) -> Response:
    """There is no DELETE for photos; unlink them from their record instead."""
    return JSONResponse(
        {"error": "photos cannot be deleted; unlink them from their record instead"},
        status_code=405,
        headers={"Allow": "GET, PUT"},
    )


def _authorize_upload(ctx: Context, token: str | None, ip: str | None) -> tuple[Principal, int]:
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, token, ip)
        return principal, photos.upload_limit_for_company(uow, principal)


def _receive(
    ctx: Context,
    principal: Principal,
    incoming: IncomingFile | None,
    details: photos.PhotoDetails,
    job: str | None,
) -> Response:
    with ctx.uow() as uow:
        received = catalogue.receive(uow, principal, incoming, details, job)
        body = {"photo": wire.photo(uow, received.photo)}
    return JSONResponse(body, status_code=201 if received.created else 200)


def _image(
    ctx: Context, principal: Principal, access_key: str, version: str, request: Request
) -> Response:
    with ctx.uow() as uow:
        media = files.jpeg_file(uow, catalogue.get(uow, principal, access_key), version)
    headers = {"ETag": media.etag, "Cache-Control": "private, max-age=86400"}
    if request.headers.get("if-none-match") == media.etag:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(media.size)
    return StreamingResponse(_chunks(media), media_type=media.mime_type, headers=headers)


def _chunks(media: files.MediaFile) -> Iterator[bytes]:
    with media.open() as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _since(value: str | None, field: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    if value.strip().isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    parsed = parse_client_time(value, field)
    if parsed is None:
        raise Invalid.field(field, "must be an ISO 8601 time or Unix seconds")
    return parsed
