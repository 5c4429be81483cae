"""The pages: a job's public report, sign-in, the jobs list, and a job's page in the web app."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from jobshots.core import links
from jobshots.core.jobs import service as jobs
from jobshots.core.reports import service as reports
from jobshots.http.apis import Api
from jobshots.http.auth import authorization
from jobshots.http.caller import Call, RequestUow, api_key
from jobshots.http.sessions import browser_session
from jobshots.web import (
    errors,
    exports,
    job_form,
    job_page,
    jobs_list,
    settings,
    sharing,
    signin,
    static_files,
    uploads,
)
from jobshots.web.rendering import page
from jobshots.web.signed_in import wanted_path

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(jobs_list.router)
router.include_router(exports.router)
router.include_router(job_form.router)
router.include_router(job_page.router)
router.include_router(sharing.router)
router.include_router(uploads.router)
router.include_router(settings.router)
router.include_router(static_files.router)
_key = api_key(authorization("Bearer"))


@router.get(links.REPORT_PATH)
def public_report(token: str, uow: RequestUow) -> Response:
    """The job's report for anyone holding the link; each view is recorded."""
    return page("report.html", report=reports.public_report(uow, token))


@router.get(links.JOB_PAGE_PATH)
def job_page(workspace_id: str, job_id: str, request: Request, uow: RequestUow) -> Response:
    """Until the web app's job page exists: the job's name, for a key or session of its company."""
    principal = _key(request, uow) or browser_session(request, uow)
    if principal is None:
        # A deeplink opened by someone signed out: the sign-in form, then this job.
        return signin.login_page(wanted_path(request), 401, problem="Sign in to see this job.")
    call = Call(principal=principal, uow=uow)
    # The job first: another company's job is not found, whichever workspace the link names.
    job = jobs.view(call.uow, call.principal, job_id)
    call.principal.require_workspace(workspace_id)
    return page("job.html", job=job)


API = Api("web pages", router, ("/r/", "/app", "/login", "/logout", "/static/"), errors.render)
