"""How the presigned API reports errors, as Django REST Framework does."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.http.apis import failures
from jobshots.http.errors import MalformedBody, MethodNotAllowed, status_for

# DRF's two bodies: `{"detail": "..."}`, or each field with its messages.
BODY = {
    "anyOf": [
        {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ]
}
RESPONSES = failures(BODY, 400, 401, 403, 404, 409, 429)

# Core field names as this API's clients know them.
FIELD_NAMES = {
    "inspection_line_item": "job_inspection_line_item",
    "client_key": "offline_id",
    "body": "non_field_errors",
}


class InvalidPage(errors.NotFound):
    """A page number that is not a page of the list, as DRF's pagination answers it."""

    def __init__(self) -> None:
        super().__init__("Invalid page.")


def render(exc: errors.CoreError) -> Response:
    """`{"field": ["message"]}` for validation errors, `{"detail": "..."}` for the rest."""
    status = status_for(exc)
    if isinstance(exc, errors.Invalid) and not isinstance(exc, MalformedBody):
        fields = exc.fields or {"non_field_errors": [exc.message]}
        body = {FIELD_NAMES.get(name, name): messages for name, messages in fields.items()}
        return JSONResponse(body, status_code=status)
    headers = {"WWW-Authenticate": "Token"} if status == 401 else None
    return JSONResponse({"detail": _detail(exc, status)}, status_code=status, headers=headers)


def _detail(exc: errors.CoreError, status: int) -> str:
    if isinstance(exc, InvalidPage | MalformedBody):
        return exc.message
    if status == 404:
        return "Not found."
    if isinstance(exc, MethodNotAllowed):
        return f'Method "{exc.method}" not allowed.'
    if status == 500:
        return "A server error occurred."
    return exc.message
