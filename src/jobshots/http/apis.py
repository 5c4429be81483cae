"""Each API's routes with the prefixes it owns, and its error body on every failure under them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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


def plain_error(exc: CoreError) -> Response:
    """`{"error": "..."}`: the body outside every API's prefixes."""
    return JSONResponse({"error": exc.message}, status_code=status_for(exc))


def mount(app: FastAPI, apis: Sequence[Api], routers: Sequence[APIRouter] = ()) -> None:
    """Include every router, and answer each failure in the body of the API whose path it is."""
    for router in routers:
        app.include_router(router)
    for api in apis:
        for base in api.mounts:
            app.include_router(api.router, prefix=base, include_in_schema=base == api.mounts[0])

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


def _allowed(routers: Sequence[APIRouter], request: Request) -> str:
    methods: set[str] = set()
    for route in (route for router in routers for route in router.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE and isinstance(route, APIRoute | Route):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))
