"""Routes that turn core errors into their dialect's own error responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core.errors import CoreError, Invalid

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[CoreError], Response]


def validation_error(exc: RequestValidationError) -> Invalid:
    """FastAPI's parameter errors as a core Invalid, one entry per bad field."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error.get("loc", ["", "?"])[-1])
        fields.setdefault(name, []).append(str(error.get("msg", "is invalid")))
    message = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in fields.items())
    return Invalid(message or "invalid request", fields)


def error_route_class(render: ErrorRenderer) -> type[APIRoute]:
    """An APIRoute subclass whose handlers answer core errors with `render`."""

    class DialectRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    return await handler(request)
                except CoreError as exc:
                    return render(exc)
                except RequestValidationError as exc:
                    return render(validation_error(exc))
                except HTTPException:
                    raise

            return guarded

    return DialectRoute
