"""How the maintenance API reports errors: `{"success": false, "error": "<message>"}`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.dialects.maintenance.wire.jobs import FIELD_NAMES
from jobshots.http.apis import failures
from jobshots.http.errors import status_for

BODY = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"const": False},
        "error": {"type": "string"},
        "permission": {"type": "string", "description": "The permission the caller lacks"},
    },
}
RESPONSES = failures(BODY, 400, 401, 403, 404, 409, 413, 429)
# Every success is the vendor's envelope; what `data` holds varies by operation.
SUCCESS = {
    "type": "object",
    "required": ["success", "message"],
    "properties": {"success": {"const": True}, "message": {"type": "string"}},
}

NO_PERMISSION = "You do not have permission to perform this action"


def render(exc: errors.CoreError) -> Response:
    """The vendor's error body; a 403 for a permission names the permission missing."""
    status = 413 if isinstance(exc, errors.TooLarge) else status_for(exc)
    body: dict[str, object] = {"success": False, "error": _message(exc)}
    if isinstance(exc, errors.MissingPermission):
        body.update(error=NO_PERMISSION, permission=exc.permission)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _message(exc: errors.CoreError) -> str:
    """The error, naming fields as the vendor does (`job_title`, not the core's `title`)."""
    if not isinstance(exc, errors.Invalid) or not exc.fields.keys() & FIELD_NAMES.keys():
        return exc.message
    named = {FIELD_NAMES.get(name, name): messages for name, messages in exc.fields.items()}
    return "; ".join(
        f"{name} {message}" for name, messages in named.items() for message in messages
    )
