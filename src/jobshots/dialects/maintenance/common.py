"""What every route of the maintenance API shares: its caller, the CSRF rule, its parameters."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core import csrf
from jobshots.core.errors import Invalid
from jobshots.core.jobs.service import JobRef
from jobshots.http.auth import authorization
from jobshots.http.caller import Call, bearer, caller
from jobshots.http.csrf import FIELD, HEADER, presented_token
from jobshots.http.multipart import ReceivedForm
from jobshots.http.uploads import receive_form

# Files this API takes, as the vendor's pages state it (a company's own limit may be lower).
MAX_FILE_BYTES = 20 * 1024 * 1024

Caller = Annotated[Call, Depends(caller(bearer(authorization("Bearer"))))]


def checked_write(call: Caller, token: Annotated[str | None, Depends(presented_token)]) -> Call:
    """The caller of a write, once its CSRF token is shown to be the caller's own."""
    csrf.verify(call.uow, call.principal, token)
    return call


# A write with a JSON or URL-encoded body (or the header): checked before the route runs.
Writer = Annotated[Call, Depends(checked_write)]


async def checked_form(request: Request, call: Call, limit: Callable[[], int]) -> ReceivedForm:
    """A multipart write: checked by `limit`, read, then its CSRF token (header or field)
    checked before anything is stored; a refused form's files are discarded."""

    def capped() -> int:
        return min(limit(), MAX_FILE_BYTES)

    form = await receive_form(request, call, capped)
    try:
        token = request.headers.get(HEADER) or form.value(FIELD)
        await run_in_threadpool(csrf.verify, call.uow, call.principal, token)
    except BaseException:
        form.discard()
        raise
    return form


def required(value: str | None, name: str) -> str:
    """A parameter that must be sent; Invalid naming it when it is missing or blank."""
    if value is None or not value.strip():
        raise Invalid.field(name, "is required")
    return value


def whole_number(value: str | int | None, name: str) -> int | None:
    """An optional integer parameter, sent as a number or as text; Invalid naming it if not."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    # ASCII only: "¹" is a digit to str.isdigit() but not to int().
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    raise Invalid.field(name, "must be a whole number")


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def flag(value: Any, name: str) -> bool | None:
    """An optional yes/no parameter: a JSON boolean, 1 or 0, or true/false, yes/no, on/off as
    text; Invalid naming it if it is anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    said = str(value).strip().lower() if isinstance(value, int | str) else None
    if said in _TRUE | _FALSE:
        return said in _TRUE
    raise Invalid.field(name, "must be true or false (or 1 or 0)")


def job_named(job_id: str | None, job_uuid: str | None) -> JobRef | None:
    """The job a request names by `job_id` or `job_uuid` (the vendor's pages use both)."""
    number = whole_number(job_id, "job_id")
    if number is not None:
        return number
    if job_uuid is None or not job_uuid.strip():
        return None
    return job_uuid


def required_job(job_id: str | None, job_uuid: str | None) -> JobRef:
    """The job a request must name; Invalid naming `job_id` when it names none."""
    job = job_named(job_id, job_uuid)
    if job is None:
        raise Invalid.field("job_id", "or job_uuid is required")
    return job


async def body_values(request: Request) -> dict[str, Any]:
    """The fields of a JSON or URL-encoded body; none for an empty one."""
    if content_type(request) == "application/x-www-form-urlencoded":
        return dict((await request.form()).items())
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Invalid.field("body", "must be JSON, URL-encoded or multipart") from exc
    if not isinstance(data, dict):
        raise Invalid.field("body", "must be a JSON object")
    return data


def text(value: Any) -> str | None:
    """A text value; a number sent in JSON is taken as its text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def content_type(request: Request) -> str:
    """The request body's media type, without parameters."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()
