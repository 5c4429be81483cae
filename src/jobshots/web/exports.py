"""A job's downloads in the web app: the ZIP of its originals, and its PDF report (drawn by a
worker: asked for, watched until ready, then downloaded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from jobshots.core.exports import reports, zip
from jobshots.http.files import attachment
from jobshots.http.sessions import require_page_write
from jobshots.storage.disposition import content_disposition
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell

router = APIRouter(include_in_schema=False)
ZIP_PATH = "/app/jobs/{job_uuid}/export.zip"
ASK_PATH = "/app/jobs/{job_uuid}/reports"
REPORT_PATH = "/app/reports/{report_uuid}"
DOWNLOAD_PATH = "/app/reports/{report_uuid}/report.pdf"


@router.get(ZIP_PATH)
def job_zip(job_uuid: str, call: SignedIn) -> StreamingResponse:
    """The job's originals byte for byte with their manifests, its length known up front."""
    made = zip.job_zip(call.uow, call.principal, job_uuid)
    headers = {
        "Content-Length": str(made.length),
        "Content-Disposition": content_disposition(made.filename, inline=False),
    }
    return StreamingResponse(made.chunks, media_type="application/zip", headers=headers)


@router.post(ASK_PATH)
def ask_for_report(
    job_uuid: str,
    request: Request,
    call: SignedIn,
    locations: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Ask for the job's PDF report: its progress in place for htmx, else its own page."""
    require_page_write(request, call, csrf_token)
    asked = reports.ask(call.uow, call.principal, job_uuid, include_locations=locations)
    if "hx-request" in request.headers:
        return app_page("job/report.html", report=asked)
    return RedirectResponse(REPORT_PATH.format(report_uuid=asked.uuid), status_code=303)


@router.get(REPORT_PATH)
def report_progress(report_uuid: str, request: Request, call: SignedIn) -> Response:
    """Where the report stands: htmx asks again each second until it is ready or failed."""
    found = reports.state(call.uow, call.principal, report_uuid)
    if "hx-request" in request.headers:
        return app_page("job/report.html", report=found)
    return app_page("job/report_page.html", report=found, **shell(call))


@router.get(DOWNLOAD_PATH)
def download_report(report_uuid: str, call: SignedIn) -> Response:
    """The ready report's PDF."""
    return attachment(reports.download(call.uow, call.principal, report_uuid))
