"""Each API's routes with the prefixes it owns, and its error body on every failure under them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

from jobshots.core.errors import CoreError
from jobshots.http.errors import HttpError, InternalError, from_http, from_validation, status_for

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[CoreError], Response]
# OpenAPI responses by status: the failures an API answers, documented on each operation.
Responses = Mapping[int | str, dict[str, Any]]
# What each failure status means, for every API; each documents the ones it answers.
FAILURES = {
    400: "The request is malformed or a field is invalid; nothing was changed",
    401: "No credentials, or credentials that are not valid",
    403: "The caller may not do this",
    404: "No such record, or one of another company",
    409: "The record's state does not allow this",
    412: "A precondition the protocol sets is not met (e.g. its version header)",
    413: "A file or body is over the size allowed",
    415: "The body's Content-Type is not one this operation takes",
    422: "A field is invalid; nothing was changed",
    429: "Too many requests: see Retry-After",
}


@dataclass(frozen=True)
class Api:
    """One API (or the web pages): its routes, the path prefixes it owns, its error body."""

    name: str
    router: APIRouter
    prefixes: tuple[str, ...]
    render_error: ErrorRenderer
    # Where the router is mounted: "" is its own paths; others serve it again under a base
    # path a vendor's clients are configured with (left out of the OpenAPI document).
    mounts: tuple[str, ...] = ("",)
    # The failures its operations answer, with its error body, for the OpenAPI document.
    errors: Responses = field(default_factory=dict)


def failures(
    schema: dict[str, Any], *statuses: int, media_type: str = "application/json"
) -> Responses:
    """The OpenAPI responses of an API's failure statuses, each with its error body."""
    content = {media_type: {"schema": schema}}
    return {status: {"description": FAILURES[status], "content": content} for status in statuses}


def plain_error(exc: CoreError) -> Response:
    """`{"error": "..."}`: the body outside every API's prefixes."""
    return JSONResponse({"error": exc.message}, status_code=status_for(exc))


def mount(app: FastAPI, apis: Sequence[Api], routers: Sequence[APIRouter] = ()) -> None:
    """Include every router, and answer each failure in the body of the API whose path it is."""
    for router in routers:
        app.include_router(router)
    for api in apis:
        for base in api.mounts:
            app.include_router(
                api.router,
                prefix=base,
                include_in_schema=base == api.mounts[0],
                responses=dict(api.errors),
            )
    _document_failures_as_answered(app)

    def render(request: Request, exc: CoreError) -> Response:
        path = request.url.path
        owner = next((a for a in apis if path.startswith(a.prefixes)), None)
        response = (owner.render_error if owner else plain_error)(exc)
        if isinstance(exc, HttpError):
            response.headers.update(exc.headers)
        return response

    async def core_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CoreError)
        return render(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path; name them all.
            allowed = _allowed([*routers, *(api.router for api in apis)], request)
            exc.headers = {**(exc.headers or {}), "Allow": allowed}
        return render(request, from_http(exc, request.method))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, from_validation(exc))

    async def crash(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return render(request, InternalError())

    app.add_exception_handler(CoreError, core_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, crash)


def _document_failures_as_answered(app: FastAPI) -> None:
    """Leave FastAPI's default 422 out of the OpenAPI document: no API answers its body, each
    renders validation failures in its own (documented with its other failures)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        spec = generate()  # FastAPI's, cached until the routes change; cleaning it is idempotent
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                answered = operation.get("responses", {})
                if _is_fastapi_validation(answered.get("422")):
                    del answered["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            spec.get("components", {}).get("schemas", {}).pop(name, None)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _is_fastapi_validation(response: dict[str, Any] | None) -> bool:
    schema = (response or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def _allowed(routers: Sequence[APIRouter], request: Request) -> str:
    methods: set[str] = set()
    for route in (route for router in routers for route in router.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE and isinstance(route, APIRoute | Route):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))
