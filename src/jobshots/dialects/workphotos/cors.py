"""CORS as the seed states it: POST and OPTIONS from any origin, on this dialect's routes only."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

ALLOW_ORIGIN = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_MAX_AGE = 86400


def preflight(request: Request) -> Response:
    """Answer a preflight: any origin may POST, with whichever headers it asks to send."""
    requested = request.headers.get("access-control-request-headers", "content-type")
    return Response(
        status_code=204,
        headers={
            **ALLOW_ORIGIN,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": requested,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
            "Allow": "POST, OPTIONS",
            "Vary": "Access-Control-Request-Headers",
        },
    )


def cors_route_class(base: type[APIRoute]) -> type[APIRoute]:
    """`base`, with every response (errors too) readable by a page of any origin."""

    class CorsRoute(base):  # type: ignore[valid-type,misc]
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def with_cors(request: Request) -> Response:
                response: Response = await handler(request)
                response.headers.update(ALLOW_ORIGIN)
                return response

            return with_cors

    return CorsRoute
