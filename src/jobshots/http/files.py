"""Serving stored files from the local backend through the URLs it signed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import FileResponse, JSONResponse, Response

from jobshots.http.caller import ProcessContext
from jobshots.storage.disposition import content_disposition

router = APIRouter(tags=["files"])


@router.get("/files/{key:path}", summary="Download a file through a signed, expiring URL")
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
