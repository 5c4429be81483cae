"""The ASGI application: every dialect mounted over one core."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from jobshots import __version__
from jobshots.config import Settings, get_settings
from jobshots.core.context import Context, build_context
from jobshots.dialects.crm_photos.routes import router as crm_photos
from jobshots.dialects.fulcrum.routes import router as fulcrum_photos
from jobshots.dialects.presigned.routes import router as presigned_photos
from jobshots.dialects.workphotos.routes import router as workphotos_jobs
from jobshots.http import direct_upload, files, health
from jobshots.tasks.factory import runner_for
from jobshots.web.routes import router as web_pages

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, ctx: Context | None = None, *, process_media: bool = True
) -> FastAPI:
    """Build the app; `process_media=False` makes an API-only process that leaves work queued."""
    settings = settings or get_settings()
    context = ctx or build_context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.tasks = runner_for(context, serving=process_media)
        yield
        context.close()

    app = FastAPI(
        title="Jobshots",
        version=__version__,
        summary="Job-site photo documentation server",
        lifespan=lifespan,
    )
    app.state.ctx = context
    app.include_router(health.router)
    app.include_router(files.router)
    app.include_router(direct_upload.router)
    app.include_router(crm_photos)
    app.include_router(fulcrum_photos)
    app.include_router(presigned_photos)
    app.include_router(workphotos_jobs)
    app.include_router(web_pages)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal server error"}, status_code=500)

    return app
