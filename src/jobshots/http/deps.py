"""FastAPI dependencies every dialect uses."""

from __future__ import annotations

from starlette.requests import Request

from jobshots.core.apikeys import service as apikeys
from jobshots.core.context import Context
from jobshots.core.principal import Principal


def get_ctx(request: Request) -> Context:
    """The process context the app was built with."""
    ctx: Context = request.app.state.ctx
    return ctx


def authenticate(ctx: Context, secret: str | None, ip: str | None) -> Principal:
    """The caller behind an API key, in a short unit of work of its own."""
    with ctx.uow() as uow:
        return apikeys.authenticate(uow, secret, ip)
