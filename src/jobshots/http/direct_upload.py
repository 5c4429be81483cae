"""The local backend's answer to presigned POST uploads: `/uploads/direct`, as S3 would."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core import errors
from jobshots.core.errors import Invalid, TooLarge
from jobshots.http.apis import Api, failures
from jobshots.http.caller import ProcessContext
from jobshots.http.errors import status_for
from jobshots.http.multipart import read_multipart
from jobshots.storage.base import UploadRefused

router = APIRouter(tags=["files"])


@router.post("/uploads/direct", summary="Receive a presigned-form upload (local storage only)")
async def direct_upload(request: Request, ctx: ProcessContext) -> Response:
    """Store the form's file at its key if the signed policy allows it; else store nothing."""
    storage = ctx.storage.file_server()
    if storage is None:
        return _s3_error(404, "NoSuchUpload", "uploads go straight to the object store")
    try:
        form = await read_multipart(request, storage.staging_dir(), ctx.settings.max_upload_bytes)
    except TooLarge:
        return _s3_error(400, "EntityTooLarge", "the file is larger than the policy allows")
    except Invalid as exc:
        return _s3_error(400, "MalformedPOSTRequest", exc.message)
    try:
        upload = next((f for name, f in form.files if name == "file"), None)
        if upload is None:
            return _s3_error(400, "MalformedPOSTRequest", "the form has no file field")
        fields = {name: values[-1] for name, values in form.fields.items()}
        try:
            key = storage.accept_upload(fields, upload.size)
        except UploadRefused as exc:
            if exc.too_large:
                return _s3_error(400, "EntityTooLarge", exc.reason)
            return _s3_error(403, "AccessDenied", exc.reason)
        except (ValueError, KeyError):
            return _s3_error(403, "AccessDenied", "the policy is malformed")
        await run_in_threadpool(storage.put_file, key, upload.path, fields["Content-Type"])
    finally:
        form.discard()
    return Response(status_code=204)


def render_error(exc: errors.CoreError) -> Response:
    """Any other failure here, in the XML an S3 client reads."""
    status = status_for(exc)
    code = {404: "NoSuchKey", 405: "MethodNotAllowed", 500: "InternalError"}.get(status, "Error")
    return _s3_error(status, code, exc.message)


# S3's `<Error><Code>..</Code><Message>..</Message></Error>`.
XML_ERROR = {"type": "string"}
API = Api(
    "direct uploads",
    router,
    ("/uploads/",),
    render_error,
    errors=failures(XML_ERROR, 400, 403, 404, 429, media_type="application/xml"),
)


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
    return Response(body, status_code=status, media_type="application/xml")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
