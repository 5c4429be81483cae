"""The pages: a job's public report, and its (placeholder) page in the web app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core.context import Context
from jobshots.core.errors import NotFound
from jobshots.core.jobs import service as jobs
from jobshots.core.reports import service as reports
from jobshots.http.auth import authorization_token, client_ip
from jobshots.http.deps import authenticate, get_ctx
from jobshots.http.routing import error_route_class
from jobshots.web import errors, links
from jobshots.web.rendering import page

router = APIRouter(route_class=error_route_class(errors.render), include_in_schema=False)
Ctx = Annotated[Context, Depends(get_ctx)]


@router.get(links.REPORT_PATH)
def public_report(token: str, ctx: Ctx) -> Response:
    """The job's report for anyone holding the link; each view is recorded."""
    with ctx.uow() as uow:
        report = reports.public_report(uow, token)
    return page("report.html", report=report)


@router.get(links.JOB_PAGE_PATH)
def job_page(workspace_id: str, job_id: str, request: Request, ctx: Ctx) -> Response:
    """Until the web app exists: the job's name, for a caller with a key of its company."""
    principal = authenticate(ctx, authorization_token(request, "Bearer"), client_ip(request))
    if not principal.works_in(workspace_id):
        raise NotFound("job not found")
    with ctx.uow() as uow:
        job = jobs.get(uow, principal, job_id)
    return page("job.html", job=job)
