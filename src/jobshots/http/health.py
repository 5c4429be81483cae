"""Liveness of the server and what it depends on."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from jobshots.http.caller import ProcessContext

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="200 when the database and storage are reachable")
async def healthz(ctx: ProcessContext) -> JSONResponse:
    """Check the database and the storage backend."""
    try:
        await run_in_threadpool(ctx.check)
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
