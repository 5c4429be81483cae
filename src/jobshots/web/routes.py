"""The pages: a job's public report, and its (placeholder) page in the web app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from jobshots.core import links
from jobshots.core.jobs import service as jobs
from jobshots.core.reports import service as reports
from jobshots.http.apis import Api
from jobshots.http.auth import authorization
from jobshots.http.caller import Call, RequestUow, api_key, caller
from jobshots.web import errors
from jobshots.web.rendering import page

router = APIRouter(include_in_schema=False)
Caller = Annotated[Call, Depends(caller(api_key(authorization("Bearer"))))]


@router.get(links.REPORT_PATH)
def public_report(token: str, uow: RequestUow) -> Response:
    """The job's report for anyone holding the link; each view is recorded."""
    return page("report.html", report=reports.public_report(uow, token))


@router.get(links.JOB_PAGE_PATH)
def job_page(workspace_id: str, job_id: str, call: Caller) -> Response:
    """Until the web app exists: the job's name, for a caller with a key of its company."""
    # The job first: another company's job is not found, whichever workspace the link names.
    job = jobs.view(call.uow, call.principal, job_id)
    call.principal.require_workspace(workspace_id)
    return page("job.html", job=job)


API = Api("web pages", router, ("/r/", "/app/"), errors.render)
