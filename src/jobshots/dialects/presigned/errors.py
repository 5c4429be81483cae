"""How this dialect reports core errors, as Django REST Framework does."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors

# Core field names as this API's clients know them.
FIELD_NAMES = {"inspection_line_item": "job_inspection_line_item", "body": "non_field_errors"}
STATUS: list[tuple[type[errors.CoreError], int]] = [
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
]


def render(exc: errors.CoreError) -> Response:
    """`{"field": ["message"]}` for validation errors, `{"detail": "..."}` for the rest."""
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
    if isinstance(exc, errors.Invalid):
        fields = exc.fields or {"non_field_errors": [exc.message]}
        body = {FIELD_NAMES.get(name, name): messages for name, messages in fields.items()}
        return JSONResponse(body, status_code=status)
    headers = {"WWW-Authenticate": "Token"} if status == 401 else None
    detail = "Not found." if status == 404 else exc.message
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
