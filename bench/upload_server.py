"""The Jobshots app plus one bare streaming PUT route: the baseline on the same server stack."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from jobshots.app import create_app
from jobshots.http.multipart import read_multipart


def create() -> FastAPI:
    """Jobshots without background processing (so it does not compete), plus PUT /bench/raw."""
    app = create_app(process_media=False)

    def staging(request: Request) -> Path:
        # The context exists once the lifespan has started, not when the app is built.
        directory: Path = request.app.state.ctx.storage.staging_dir()
        return directory

    @app.put("/bench/raw", include_in_schema=False)
    async def raw_put(request: Request) -> JSONResponse:
        """Stream the body to a file and fsync it: durable, like a stored original."""
        fd, name = tempfile.mkstemp(dir=staging(request), prefix="raw-")
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.unlink(name)
        return JSONResponse({"size": size})

    @app.post("/bench/receive", include_in_schema=False)
    async def receive_only(request: Request) -> JSONResponse:
        """Jobshots' own streaming multipart receive (hash, spool, fsync), without the core."""
        form = await read_multipart(request, staging(request), 10**10)
        form.discard()
        return JSONResponse({"files": len(form.files)})

    return app
