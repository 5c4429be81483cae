"""Liveness of the server and what it depends on."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from jobshots.core.context import Context
from jobshots.http.caller import context_of

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="200 when the database and storage are reachable")
async def healthz(ctx: Annotated[Context, Depends(context_of)]) -> JSONResponse:
    """Check the database and the storage backend."""
    try:
        await run_in_threadpool(ctx.check)
    except Exception as exc:
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
