"""How the Fulcrum dialect reports core errors: 422 with field errors, else `{"error": ...}`."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.http.apis import failures
from jobshots.http.errors import status_for

MESSAGES = {"type": "array", "items": {"type": "string"}}
BODY = {
    "anyOf": [
        {
            "type": "object",
            "required": ["photo"],
            "properties": {
                "photo": {
                    "type": "object",
                    "required": ["errors"],
                    "properties": {"errors": {"type": "object", "additionalProperties": MESSAGES}},
                }
            },
        },
        {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    ]
}
RESPONSES = failures(BODY, 400, 401, 403, 404, 409, 422, 429)
CONTENT = {"application/json": {"schema": BODY}}

# Core field names as Fulcrum's clients know them.
FIELD_NAMES = {"client_key": "access_key", "job": "record_id", "body": "base"}


def render(exc: errors.CoreError) -> Response:
    """The status and body a Fulcrum client expects for this error."""
    status = status_for(exc, invalid=422)
    if isinstance(exc, errors.Invalid):
        fields = exc.fields or {"base": [exc.message]}
        named = {FIELD_NAMES.get(name, name): messages for name, messages in fields.items()}
        return JSONResponse({"photo": {"errors": named}}, status_code=status)
    return JSONResponse({"error": exc.message}, status_code=status)
