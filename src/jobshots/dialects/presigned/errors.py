"""How this dialect reports core errors, as Django REST Framework does."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from jobshots.core import errors
from jobshots.http.errors import status_for

# Core field names as this API's clients know them.
FIELD_NAMES = {"inspection_line_item": "job_inspection_line_item", "body": "non_field_errors"}


def render(exc: errors.CoreError) -> Response:
    """`{"field": ["message"]}` for validation errors, `{"detail": "..."}` for the rest."""
    status = status_for(exc)
    if isinstance(exc, errors.Invalid):
        fields = exc.fields or {"non_field_errors": [exc.message]}
        body = {FIELD_NAMES.get(name, name): messages for name, messages in fields.items()}
        return JSONResponse(body, status_code=status)
    headers = {"WWW-Authenticate": "Token"} if status == 401 else None
    detail = "Not found." if status == 404 else exc.message
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)
