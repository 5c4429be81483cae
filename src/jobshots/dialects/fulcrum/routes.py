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

from jobshots.core.errors import Invalid
from jobshots.core.pagination import PageRequest
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.photos.files import MediaFile
from jobshots.core.times import parse_client_time
from jobshots.dialects.fulcrum import errors, wire
from jobshots.http.apis import Api
from jobshots.http.auth import header, query
from jobshots.http.caller import Call, api_key, caller, streaming_caller
from jobshots.http.streaming import buffered
from jobshots.http.uploads import receive_form

router = APIRouter(prefix=wire.API_PATH, tags=["Fulcrum photos"])
# Fulcrum's clients send `X-ApiToken`; links and scripts carry `?token=` instead.
CREDENTIALS = api_key(header("x-apitoken"), query("token"))
Caller = Annotated[Call, Depends(caller(CREDENTIALS))]
StreamingCaller = Annotated[Call, Depends(streaming_caller(CREDENTIALS))]
AccessKey = Annotated[str, Path(description="The photo's access_key")]
CHUNK = 256 * 1024
# The vendor's page: 20,000 by default and at most; its own client reads one page, unpaged.
MAX_PER_PAGE = 20_000


class Version(StrEnum):
    """The image versions Fulcrum serves besides the original."""

    thumbnail = "thumbnail"
    large = "large"


class PhotoChangesBody(BaseModel):
    """Writable fields of a photo: only its record link."""

    model_config = ConfigDict(extra="ignore")
    record_id: str | None = None


class PhotoUpdate(BaseModel):
    """`{"photo": {...}}` as Fulcrum clients send it."""

    photo: PhotoChangesBody


@router.get("", summary="Fetch the metadata for all photos")
@router.get(".json", summary="Fetch the metadata for all photos (.json)")
def list_photos(
    call: StreamingCaller,
    page: Annotated[int, Query()] = 1,
    per_page: Annotated[int, Query(description="At most 20,000, the default")] = MAX_PER_PAGE,
    record_id: Annotated[str | None, Query(description="Only this record's (job's)")] = None,
    form_id: Annotated[str | None, Query()] = None,
    processed: Annotated[bool | None, Query(description="Renditions made, or not")] = None,
    stored: Annotated[bool | None, Query(description="Original downloadable, or not")] = None,
    uploaded: Annotated[bool | None, Query(description="Bytes received, or not")] = None,
    newest_first: Annotated[bool, Query(description="Latest update first")] = False,
    created_since: Annotated[str | None, Query(description="ISO time or Unix seconds")] = None,
    updated_since: Annotated[str | None, Query(description="ISO time or Unix seconds")] = None,
) -> Response:
    """A page of the company's photos, oldest first; all of them unless there are over 20,000."""
    which = photos.PhotoFilter(
        job=record_id,
        form_id=form_id,
        processed=processed,
        stored=stored,
        uploaded=uploaded,
        created_since=_since(created_since, "created_since"),
        updated_since=_since(updated_since, "updated_since"),
        order="recently_updated" if newest_first else "uploaded",
    )
    paging = PageRequest(page, per_page, MAX_PER_PAGE)
    listed = photos.stream(call.uow, call.principal, which, paging)
    body = buffered(wire.photo_page(listed, call.base_url))
    return StreamingResponse(body, media_type="application/json")


AGAIN: dict[int | str, dict[str, Any]] = {
    200: {"description": "The photo this access_key and these bytes already made"}
}
NO_DELETE: dict[int | str, dict[str, Any]] = {
    405: {"description": "Photos cannot be deleted", "content": errors.CONTENT}
}


@router.post("", summary="Upload a single photo", status_code=201, responses=AGAIN)
@router.post(".json", summary="Upload a single photo (.json)", status_code=201, responses=AGAIN)
async def upload_photo(request: Request, call: Caller) -> Response:
    """`photo[access_key]` and `photo[file]`; the same key and bytes again return the first."""
    form = await receive_form(request, call, lambda: photos.upload_limit(call.uow, call.principal))
    try:
        incoming = next((f for name, f in form.files if name == "photo[file]"), None)
        details = photos.PhotoDetails(
            client_key=form.value("photo[access_key]"), form_id=form.value("photo[form_id]") or None
        )
        job = form.value("photo[record_id]") or None
        received = await run_in_threadpool(
            photos.receive_with_key, call.uow, call.principal, incoming, details, job
        )
    finally:
        form.discard()
    body = wire.one_photo(received.photo, call.base_url)
    return JSONResponse(body, status_code=201 if received.created else 200)


@router.get("/{access_key}/{version}.json", summary="Fetch a version's metadata")
def version_metadata(access_key: AccessKey, version: Version, call: Caller) -> dict[str, Any]:
    """URL, size and dimensions of the thumbnail or large version."""
    item = photos.with_version(call.uow, call.principal, _ref(access_key), version.value)
    return wire.version(item, version.value)


@router.get("/{access_key}/{version}.jpg", summary="Fetch a version's image")
def version_image(
    access_key: AccessKey, version: Version, request: Request, call: Caller
) -> Response:
    """The thumbnail or large JPEG."""
    return _image(call, access_key, version.value, request)


@router.get("/{access_key}.jpg", summary="Fetch the image for a single photo")
def original_image(access_key: AccessKey, request: Request, call: Caller) -> Response:
    """The photo as a JPEG (the original when it is one, else the large version)."""
    return _image(call, access_key, "original", request)


# Decorators register bottom-up: the `.json` path must come first, or `{access_key}` takes it.
@router.get("/{access_key}", summary="Fetch the metadata for a single photo")
@router.get("/{access_key}.json", summary="Fetch the metadata for a single photo (.json)")
def get_photo(access_key: AccessKey, call: Caller) -> dict[str, Any]:
    """`{"photo": {...}}`."""
    item = photos.get(call.uow, call.principal, _ref(access_key))
    return wire.one_photo(item, call.base_url)


@router.put("/{access_key}", summary="Link or unlink a photo's record")
@router.put("/{access_key}.json", summary="Link or unlink a photo's record (.json)")
def update_photo(
    access_key: AccessKey, body: Annotated[PhotoUpdate, Body()], call: Caller
) -> dict[str, Any]:
    """`{"photo": {"record_id": null}}` unlinks the photo from its job; it is kept."""
    given = frozenset({"job"}) if "record_id" in body.photo.model_fields_set else frozenset()
    change = PhotoChanges(job=body.photo.record_id, given=given)
    item = photos.update(call.uow, call.principal, _ref(access_key), change)
    return wire.one_photo(item, call.base_url)


@router.delete(
    "/{access_key}", summary="Not supported: photos cannot be deleted", responses=NO_DELETE
)
@router.delete(
    "/{access_key}.json",
    summary="Not supported: photos cannot be deleted (.json)",
    responses=NO_DELETE,
)
def delete_photo(access_key: AccessKey) -> Response:
    """There is no DELETE for photos; unlink them from their record instead."""
    return JSONResponse(
        {"error": "photos cannot be deleted; unlink them from their record instead"},
        status_code=405,
        headers={"Allow": "GET, PUT"},
    )


def _ref(access_key: str) -> photos.PhotoRef:
    return photos.PhotoRef(public_key=access_key)


def _image(call: Call, access_key: str, version: str, request: Request) -> Response:
    media = photos.image(call.uow, call.principal, _ref(access_key), version)
    headers = {"ETag": media.etag, "Cache-Control": "private, max-age=86400"}
    if request.headers.get("if-none-match") == media.etag:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(media.size)
    return StreamingResponse(_chunks(media), media_type=media.mime_type, headers=headers)


def _chunks(media: MediaFile) -> Iterator[bytes]:
    with media.open() as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _since(value: str | None, field: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    seconds = value.strip()
    if seconds.isascii() and seconds.isdigit():
        try:
            return datetime.fromtimestamp(int(seconds), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise Invalid.field(field, "is not a time a calendar can hold") from None
    parsed = parse_client_time(value, field)
    if parsed is None:
        raise Invalid.field(field, "must be an ISO 8601 time or Unix seconds")
    return parsed


API = Api("Fulcrum photos", router, ("/api/v2/",), errors.render, errors=errors.RESPONSES)
