"""The new-job form and editing a job."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from jobshots.core import links
from jobshots.core.errors import Invalid
from jobshots.core.jobs import form
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import JobDetail
from jobshots.http.sessions import require_page_write
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell

router = APIRouter(include_in_schema=False)
NEW_PATH = "/app/jobs/new"
EDIT_PATH = "/app/jobs/{job_uuid}/edit"


class JobFields(BaseModel):
    """The form as posted: every field text, as typed."""

    csrf_token: str = ""
    title: str = ""
    description: str = ""
    address_id: str = ""
    address_line_1: str = ""
    city: str = ""
    postcode: str = ""
    status_id: str = ""
    priority_id: str = ""
    contractor_id: str = ""
    start_date: str = ""
    completion_date: str = ""

    def typed(self) -> dict[str, str]:
        """The job's fields, without the token."""
        return self.model_dump(exclude={"csrf_token"})


Posted = Annotated[JobFields, Form()]


@router.get(NEW_PATH)
def new_job(call: SignedIn) -> Response:
    """A blank form for a new job."""
    return _form(call, None, {})


@router.post(NEW_PATH)
def open_job(request: Request, call: SignedIn, fields: Posted) -> Response:
    """Open the job and go to its page; the form again, with what is wrong, if it is not valid."""
    require_page_write(request, call, fields.csrf_token)
    try:
        made = form.open_typed(call.uow, call.principal, fields.typed())
    except Invalid as exc:
        return _form(call, None, fields.typed(), exc.fields, 422)
    return _to_job_page(call, made)


@router.get(EDIT_PATH)
def edit_job(job_uuid: str, call: SignedIn) -> Response:
    """The job's form, filled in with its values."""
    job = form.editing(call.uow, call.principal, job_uuid)
    return _form(call, job, form.typed_from(job))


@router.post(EDIT_PATH)
def change_job(job_uuid: str, request: Request, call: SignedIn, fields: Posted) -> Response:
    """Save the job's changes and go back to its page; the form again if they are not valid."""
    require_page_write(request, call, fields.csrf_token)
    try:
        changed = form.change_typed(call.uow, call.principal, job_uuid, fields.typed())
    except Invalid as exc:
        job = jobs.detail(call.uow, call.principal, job_uuid)
        return _form(call, job, fields.typed(), exc.fields, 422)
    return _to_job_page(call, changed)


def _form(
    call: SignedIn,
    job: JobDetail | None,
    typed: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    values: dict[str, Any] = {
        "job": job,
        "typed": typed,
        "errors": errors or {},
        "choices": form.choices(call.uow, call.principal, job),
        "new_address": form.NEW_ADDRESS,
        "action": EDIT_PATH.format(job_uuid=job.uuid) if job else NEW_PATH,
        "job_link": links.job_page_url(call.base_url, call.principal.company_uuid, job.uuid)
        if job
        else None,
    }
    return app_page("jobs/form.html", status_code, **values, **shell(call))


def _to_job_page(call: SignedIn, job: JobDetail) -> Response:
    page = links.job_page_url(call.base_url, call.principal.company_uuid, job.uuid)
    return RedirectResponse(page, status_code=303)
