"""The pages: a job's public report, sign-in, the jobs list, and a job's page in the web app."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from jobshots.core import links
from jobshots.core.reports import service as reports
from jobshots.http.apis import Api
from jobshots.http.caller import RequestUow
from jobshots.web import (
    errors,
    exports,
    holds,
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

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(jobs_list.router)
router.include_router(exports.router)
router.include_router(job_form.router)
router.include_router(job_page.router)
router.include_router(holds.router)
router.include_router(sharing.router)
router.include_router(uploads.router)
router.include_router(settings.router)
router.include_router(static_files.router)


@router.get(links.REPORT_PATH)
def public_report(token: str, uow: RequestUow) -> Response:
    """The job's report for anyone holding the link; each view is recorded."""
    return page("report.html", report=reports.public_report(uow, token))


API = Api("web pages", router, ("/r/", "/app", "/login", "/logout", "/static/"), errors.render)
