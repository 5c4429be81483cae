"""The tus 1.0.0 resumable-upload API (core, creation, expiration, termination) under `/tus/`."""

from __future__ import annotations

import base64
import binascii
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.core.errors import TooLarge
from jobshots.core.uploads import resumable
from jobshots.http.apis import Api, failures
from jobshots.http.auth import authorization
from jobshots.http.caller import Call, ProcessContext, api_key, caller
from jobshots.http.errors import HttpError, status_for
from jobshots.http.sessions import browser_session, require_page_write
from jobshots.media.incoming import IncomingFile, Spool
from jobshots.media.incoming import TooLarge as SpoolFull

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,expiration,termination"
PATCH_TYPE = "application/offset+octet-stream"

router = APIRouter(prefix="/tus", tags=["Resumable uploads (tus)"])

BEARER = authorization("Bearer")
# API clients send their key; the web app's pages send the signed-in browser's session.
Caller = Annotated[Call, Depends(caller(api_key(BEARER), browser_session))]
JobUuid = Annotated[str, Path(description="The job's UUID")]
UploadUuid = Annotated[str, Path(description="The upload's id, from the Location of its creation")]


def _tus_request(request: Request) -> None:
    """Refuse a request that does not speak the one version of tus served here."""
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HttpError(412, f"Tus-Resumable must be {TUS_VERSION}", {"Tus-Version": TUS_VERSION})


Tus = Depends(_tus_request)


@router.options("/jobs/{job_uuid}/photos", summary="What this tus server supports", status_code=204)
@router.options("/uploads/{upload_uuid}", summary="What this tus server supports", status_code=204)
def options(ctx: ProcessContext) -> Response:
    """The version, extensions and largest file (the server's; a company's may be lower)."""
    headers = {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": EXTENSIONS,
        "Tus-Max-Size": str(ctx.settings.max_upload_bytes),
    }
    return _answer(204, headers)


@router.post(
    "/jobs/{job_uuid}/photos",
    summary="Create an upload of one photo",
    dependencies=[Tus],
    status_code=201,
)
def create(job_uuid: JobUuid, request: Request, call: Caller) -> Response:
    """Open an upload; `Upload-Metadata` may carry filename, photo_type and client_key."""
    _browser_write(request, call)
    metadata = _metadata(request.headers.get("upload-metadata", ""))
    new = resumable.NewUpload(
        length=_number(request.headers.get("upload-length"), "Upload-Length"),
        file_name=metadata.get("filename"),
        photo_type=metadata.get("photo_type") or "other",
        client_key=metadata.get("client_key") or None,
    )
    state, _ = resumable.create(call.uow, call.principal, job_uuid, new)
    location = f"{call.base_url}/tus/uploads/{state.uuid}"
    return _answer(201, {"Location": location, **_progress(state)})


@router.head("/uploads/{upload_uuid}", summary="How far an upload has come", dependencies=[Tus])
def head(upload_uuid: UploadUuid, call: Caller) -> Response:
    """`Upload-Offset` is where the next PATCH starts."""
    state = resumable.state(call.uow, call.principal, upload_uuid)
    headers = {**_progress(state), "Upload-Length": str(state.length), "Cache-Control": "no-store"}
    return _answer(200, headers)


@router.patch(
    "/uploads/{upload_uuid}",
    summary="Append bytes at the offset",
    dependencies=[Tus],
    status_code=204,
)
async def patch(upload_uuid: UploadUuid, request: Request, call: Caller) -> Response:
    """Append the body at `Upload-Offset`; bytes of a cut-off body are kept for the resume."""
    await run_in_threadpool(_browser_write, request, call)
    if request.headers.get("content-type", "").split(";")[0].strip() != PATCH_TYPE:
        raise HttpError(415, f"Content-Type must be {PATCH_TYPE}")
    offset = _number(request.headers.get("upload-offset"), "Upload-Offset")
    held = await run_in_threadpool(resumable.claim, call.uow, call.principal, upload_uuid, offset)
    # The claim is committed before the body streams in: no row lock (nor SQLite's write lock)
    # is held while a phone on a slow line sends its bytes.
    await run_in_threadpool(call.uow.commit)
    part = await _receive(request, call, held)
    try:
        state = await run_in_threadpool(resumable.append, call.uow, call.principal, held, part)
    finally:
        part.discard()
    return _answer(204, _progress(state))


@router.delete(
    "/uploads/{upload_uuid}", summary="Terminate an upload", dependencies=[Tus], status_code=204
)
def delete(upload_uuid: UploadUuid, request: Request, call: Caller) -> Response:
    """Remove the upload and the bytes received; a finished upload's photo is kept."""
    _browser_write(request, call)
    resumable.terminate(call.uow, call.principal, upload_uuid)
    return _answer(204, {})


def _browser_write(request: Request, call: Call) -> None:
    """A write by a signed-in browser (no API key): from this site, with its CSRF token."""
    if BEARER(request) is None:
        require_page_write(request, call, None)


async def _receive(request: Request, call: Call, held: resumable.Claim) -> IncomingFile:
    spool = Spool(call.uow.storage.staging_dir(), held.room, None)
    try:
        async for chunk in request.stream():
            spool.write(chunk)
    except ClientDisconnect:
        pass  # what arrived is kept: the client resumes from the offset HEAD reports
    except SpoolFull:
        await run_in_threadpool(_release, call, held)
        raise TooLarge(
            f"the body runs past the upload's length of {held.offset + held.room}"
        ) from None
    except BaseException:
        spool.abort()
        await run_in_threadpool(_release, call, held)
        raise
    return spool.finish()


def _release(call: Call, held: resumable.Claim) -> None:
    resumable.release(call.uow, call.principal, held)
    call.uow.commit()


def _metadata(header: str) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64value` pairs (a value may be absent)."""
    values: dict[str, str] = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.Invalid.field("Upload-Metadata", f"{key} is not base64 UTF-8") from None
    return values


def _number(value: str | None, name: str) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise errors.Invalid.field(name, "must be a non-negative whole number of bytes")
    return int(value)


def _progress(state: resumable.UploadState) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(state.received),
        "Upload-Expires": format_datetime(state.expires_at, usegmt=True),
    }
    if state.photo_uuid is not None:
        headers["Jobshots-Photo"] = str(state.photo_uuid)
    return headers


def _answer(status: int, headers: dict[str, str]) -> Response:
    return Response(status_code=status, headers={"Tus-Resumable": TUS_VERSION, **headers})


def render_error(exc: errors.CoreError) -> Response:
    """`{"error": "..."}` with the tus version header, as every tus answer carries."""
    status = 413 if isinstance(exc, TooLarge) else status_for(exc)
    body: dict[str, object] = {"error": exc.message}
    if isinstance(exc, errors.Invalid) and exc.fields:
        body["fields"] = exc.fields
    return JSONResponse(body, status_code=status, headers={"Tus-Resumable": TUS_VERSION})


ERROR_BODY = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "fields": {"type": "object"}},
}
API = Api(
    "tus resumable uploads",
    router,
    ("/tus/",),
    render_error,
    errors=failures(ERROR_BODY, 400, 401, 403, 404, 409, 412, 413, 415, 429),
)
