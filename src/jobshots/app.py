"""The ASGI application: every API mounted over one core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from jobshots import __version__
from jobshots.composition import build_context
from jobshots.config import Settings, get_settings
from jobshots.core.context import Context
from jobshots.dialects.crm_photos import routes as crm_photos
from jobshots.dialects.fulcrum import routes as fulcrum_photos
from jobshots.dialects.maintenance import routes as maintenance_jobs
from jobshots.dialects.presigned import routes as presigned_photos
from jobshots.dialects.workphotos import routes as workphotos_jobs
from jobshots.http import direct_upload, files, health, tus
from jobshots.http.apis import Api, mount
from jobshots.http.ratelimit import RateLimits
from jobshots.web import routes as web_pages

APIS: tuple[Api, ...] = (
    crm_photos.API,
    fulcrum_photos.API,
    presigned_photos.API,
    workphotos_jobs.API,
    maintenance_jobs.API,
    web_pages.API,
    direct_upload.API,
    tus.API,
)


class Jobshots(FastAPI):
    """The app, inside its rate limits: outermost, so even a crash's answer carries the headers."""

    def __init__(self, apis: tuple[Api, ...], **options: Any) -> None:
        super().__init__(**options)
        self.apis = apis

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack, wrapped in the rate limits."""
        return RateLimits(super().build_middleware_stack(), self.apis)


def create_app(
    settings: Settings | None = None,
    ctx: Context | None = None,
    *,
    process_media: bool = True,
    apis: tuple[Api, ...] = APIS,
) -> FastAPI:
    """Build the app; `process_media=False` makes an API-only process that leaves work queued.

    With `ctx`, the app uses that context as it is (its task runner included) and leaves
    closing it to the caller.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ctx is not None:
            app.state.ctx = ctx
            yield
            return
        app.state.ctx = build_context(settings, serving=process_media)
        try:
            yield
        finally:
            app.state.ctx.close()

    app = Jobshots(
        apis,
        title="Jobshots",
        version=__version__,
        summary="Job-site photo documentation server",
        lifespan=lifespan,
    )
    mount(app, apis, routers=(health.router, files.router))
    return app
