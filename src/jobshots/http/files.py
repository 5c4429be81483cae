"""Serving stored files: the local backend's signed URLs, and documents as attachments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Query
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from jobshots.core.documents.views import DocumentFile
from jobshots.http.caller import ProcessContext
from jobshots.storage.disposition import content_disposition

router = APIRouter(tags=["files"])
CHUNK = 256 * 1024


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such file, or a signature that is wrong or expired",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
            }
        },
    }
}


@router.get(
    "/files/{key:path}",
    summary="Download a file through a signed, expiring URL",
    responses=NOT_FOUND,
)
def download(
    key: str,
    ctx: ProcessContext,
    ct: Annotated[str, Query()] = "",
    fn: Annotated[str, Query()] = "",
    exp: Annotated[str, Query()] = "",
    sig: Annotated[str, Query()] = "",
) -> Response:
    """Stream the file if the signature and expiry hold; 404 otherwise (no hint why)."""
    served = ctx.storage.file_server()
    if served is None or not served.verify_download(key, ct, fn, exp, sig):
        return _not_found()
    try:
        path = served.path_for(key)
    except ValueError:
        return _not_found()
    if not path.is_file():
        return _not_found()
    return FileResponse(
        path,
        media_type=ct,
        headers={
            "Content-Disposition": content_disposition(fn),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def _not_found() -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def attachment(file: DocumentFile) -> StreamingResponse:
    """A document as a download, in the bytes it was uploaded with."""
    stream = file.open()  # before answering: a missing file is a 404, not a cut-off body
    headers = {
        "Content-Disposition": content_disposition(file.file_name, inline=False),
        "Content-Length": str(file.size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(_chunks(stream), media_type=file.mime_type, headers=headers)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk
