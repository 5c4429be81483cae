"""Failures as HTTP sees them: the status each error means, and the errors only HTTP has."""

from __future__ import annotations

import json

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from jobshots.core import errors


class HttpError(errors.CoreError):
    """A failure of the HTTP exchange itself (no route, wrong method, a crash), not of the core."""

    code = "http_error"

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class MethodNotAllowed(HttpError):
    """The path exists, but not for this method."""

    code = "method_not_allowed"

    def __init__(self, method: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(405, f"method {method} is not allowed here", headers)
        self.method = method


class InternalError(HttpError):
    """Something broke on the server; the log has the details, the caller only this."""

    code = "internal_error"

    def __init__(self) -> None:
        super().__init__(500, "internal server error")


_STATUS: list[tuple[type[errors.CoreError], int]] = [
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
]


def status_for(exc: errors.CoreError, *, invalid: int = 400) -> int:
    """The status of an error; `invalid` lets an API answer validation with e.g. 422."""
    if isinstance(exc, HttpError):
        return exc.status
    if isinstance(exc, errors.Invalid):
        return invalid
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)


def from_http(exc: HTTPException, method: str) -> errors.CoreError:
    """Starlette's routing failures as errors every API renders its own way."""
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        return errors.NotFound("not found")
    if exc.status_code == 405:
        return MethodNotAllowed(method, headers)
    return HttpError(exc.status_code, str(exc.detail), headers)


class MalformedBody(errors.Invalid):
    """A request body that is not the JSON it claims to be."""

    code = "malformed_body"


def from_validation(exc: RequestValidationError) -> errors.Invalid:
    """FastAPI's parameter errors as a core Invalid, one entry per bad field."""
    broken = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if broken is not None:
        return _malformed(broken, exc.body)
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error.get("loc", ["", "?"])[-1])
        fields.setdefault(name, []).append(str(error.get("msg", "is invalid")))
    message = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in fields.items())
    return errors.Invalid(message or "invalid request", fields)


def _malformed(error: dict[str, object], document: object) -> MalformedBody:
    """Django REST framework's words for it, which its clients show: the decoder's own message."""
    loc = error.get("loc")
    position = loc[-1] if isinstance(loc, tuple) and isinstance(loc[-1], int) else 0
    context = error.get("ctx")
    reason = str(context.get("error", "invalid JSON")) if isinstance(context, dict) else "invalid"
    if isinstance(document, str | bytes):
        text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
        reason = str(json.JSONDecodeError(reason, text, position))
    message = f"JSON parse error - {reason}"
    return MalformedBody(message, {"body": [message]})
