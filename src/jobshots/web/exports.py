"""A job's downloads in the web app: the ZIP of its originals and its PDF report."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi import APIRouter
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from jobshots.core.exports import pdf, zip
from jobshots.storage.disposition import content_disposition
from jobshots.web.signed_in import SignedIn

router = APIRouter(include_in_schema=False)
ZIP_PATH = "/app/jobs/{job_uuid}/export.zip"
PDF_PATH = "/app/jobs/{job_uuid}/report.pdf"
CHUNK = 256 * 1024


@router.get(ZIP_PATH)
def job_zip(job_uuid: str, call: SignedIn) -> StreamingResponse:
    """The job's originals byte for byte with their manifests, its length known up front."""
    made = zip.job_zip(call.uow, call.principal, job_uuid)
    headers = {
        "Content-Length": str(made.length),
        "Content-Disposition": content_disposition(made.filename, inline=False),
    }
    return StreamingResponse(made.chunks, media_type="application/zip", headers=headers)


@router.get(PDF_PATH)
async def job_report(job_uuid: str, call: SignedIn, locations: bool = False) -> StreamingResponse:
    """The job's PDF report; locations only when asked for."""
    export = await run_in_threadpool(
        pdf.job_pdf, call.uow, call.principal, job_uuid, include_locations=locations
    )
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed once sent)
    await run_in_threadpool(export.write, spool)
    length = spool.tell()
    spool.seek(0)
    name = f"{export.report.reference}-report.pdf"
    headers = {
        "Content-Length": str(length),
        "Content-Disposition": content_disposition(name, inline=False),
    }
    return StreamingResponse(
        _read(spool), media_type="application/pdf", headers=headers,
        background=BackgroundTask(spool.close),
    )  # fmt: skip


def _read(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(CHUNK):
        yield chunk
