"""How the CRM dialect reports core errors: `{"success": false, "error": {...}}`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors

STATUS: list[tuple[type[errors.CoreError], int]] = [
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
]


def render(exc: errors.CoreError) -> Response:
    """The CRM error envelope with the status the seed's table gives."""
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, errors.Invalid) and exc.fields:
        body["fields"] = exc.fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"success": False, "error": body}, status_code=status, headers=headers)
