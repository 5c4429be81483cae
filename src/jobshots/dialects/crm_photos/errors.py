"""How the CRM API reports errors: `{"success": false, "error": {...}}`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.http.errors import status_for


def render(exc: errors.CoreError) -> Response:
    """The CRM error envelope with the status the seed's table gives."""
    status = status_for(exc)
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, errors.Invalid) and exc.fields:
        body["fields"] = exc.fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"success": False, "error": body}, status_code=status, headers=headers)
