"""How the CRM API reports errors: `{"success": false, "error": "<message>", "code": ...}`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.http.apis import failures
from jobshots.http.errors import status_for

BODY = {
    "type": "object",
    "required": ["success", "error", "code"],
    "properties": {
        "success": {"const": False},
        "error": {"type": "string"},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array"}},
    },
}
RESPONSES = failures(BODY, 400, 401, 403, 404, 409, 429)


def render(exc: errors.CoreError) -> Response:
    """The vendor's envelope (the message as a string), with a machine-readable code beside it."""
    status = status_for(exc)
    body: dict[str, object] = {"success": False, "error": exc.message, "code": exc.code}
    if isinstance(exc, errors.Invalid) and exc.fields:
        body["fields"] = exc.fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)
