"""The web app's own static files (styles, scripts, vendored libraries), served from the package."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from jobshots.core.errors import NotFound

router = APIRouter(include_in_schema=False)
ROOT = (Path(__file__).parent / "static").resolve()
TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


@router.get("/static/{path:path}")
def static_file(path: str) -> Response:
    """A file under static/; anything outside it, or missing, is not found."""
    wanted = (ROOT / path).resolve()
    if not wanted.is_relative_to(ROOT) or not wanted.is_file():
        raise NotFound("not found")
    media_type = TYPES.get(wanted.suffix) or mimetypes.guess_type(wanted.name)[0]
    return FileResponse(
        wanted,
        media_type=media_type or "application/octet-stream",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
