"""Sharing a job: its public report link, and e-mailing chosen photos to the customer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from jobshots.core import csrf, links
from jobshots.core.errors import Invalid
from jobshots.core.photos import customer_mail
from jobshots.core.photos.customer_mail import CustomerEmail
from jobshots.core.principal import Principal
from jobshots.core.reports import sharing
from jobshots.core.reports.sharing import Sharing
from jobshots.core.uow import UnitOfWork
from jobshots.http.caller import Call
from jobshots.http.sessions import require_page_write
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell

router = APIRouter(include_in_schema=False)
PANEL_PATH = "/app/jobs/{job_uuid}/share"
EMAIL_PATH = "/app/jobs/{job_uuid}/email"
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
Change = Callable[[UnitOfWork, Principal, str], Sharing]


class _Job(Protocol):
    @property
    def uuid(self) -> UUID: ...


def share_panel(call: Call, job: _Job) -> dict[str, Any]:
    """What the job page's sharing panel shows (the template's `share`)."""
    return _values(call, sharing.sharing(call.uow, call.principal, str(job.uuid)))


@router.get(PANEL_PATH)
def panel(job_uuid: str, call: SignedIn) -> Response:
    """The sharing panel alone, for the job page to fetch and swap."""
    return _panel(call, sharing.sharing(call.uow, call.principal, job_uuid))


@router.post(PANEL_PATH + "/create")
def create_link(
    job_uuid: str, request: Request, call: SignedIn, csrf_token: FormText = ""
) -> Response:
    """Give the job a report link."""
    return _changed(request, call, job_uuid, csrf_token, sharing.create_link)


@router.post(PANEL_PATH + "/revoke")
def revoke_link(
    job_uuid: str, request: Request, call: SignedIn, csrf_token: FormText = ""
) -> Response:
    """End the job's report link."""
    return _changed(request, call, job_uuid, csrf_token, sharing.revoke_link)


@router.post(PANEL_PATH + "/reissue")
def reissue_link(
    job_uuid: str, request: Request, call: SignedIn, csrf_token: FormText = ""
) -> Response:
    """Replace the job's report link with a new one."""
    return _changed(request, call, job_uuid, csrf_token, sharing.reissue_link)


@router.get(EMAIL_PATH)
def email_form(job_uuid: str, call: SignedIn, sent: int = 0) -> Response:
    """The job's photos to tick, the customer's address and a message."""
    draft = customer_mail.draft(call.uow, call.principal, job_uuid)
    typed = {"to": draft.job.private_contact_email or "", "message": "", "photos": []}
    return _email_page(call, draft, typed, {}, sent=max(sent, 0))


@router.post(EMAIL_PATH)
def email_photos(
    job_uuid: str,
    request: Request,
    call: SignedIn,
    csrf_token: FormText = "",
    to: FormText = "",
    message: FormText = "",
    photos: FormList = [],  # noqa: B006  (FastAPI copies a default)
) -> Response:
    """Send the ticked photos; the form again, with what is wrong, if it is not valid."""
    require_page_write(request, call, csrf_token)
    email = CustomerEmail(photo_uuids=photos, to=to, message=message)
    try:
        count = customer_mail.send(call.uow, call.principal, job_uuid, email)
    except Invalid as exc:
        draft = customer_mail.draft(call.uow, call.principal, job_uuid)
        typed = {"to": to, "message": message, "photos": [p.strip().lower() for p in photos]}
        return _email_page(call, draft, typed, exc.fields, 422)
    path = EMAIL_PATH.format(job_uuid=job_uuid)
    return RedirectResponse(f"{path}?sent={count}", status_code=303)


def _email_page(
    call: Call,
    draft: customer_mail.Draft,
    typed: dict[str, Any],
    errors: dict[str, list[str]],
    status_code: int = 200,
    *,
    sent: int = 0,
) -> Response:
    job_link = links.job_page_url(call.base_url, call.principal.company_uuid, draft.job.uuid)
    return app_page(
        "job/email.html",
        status_code,
        allow={"img-src": [call.uow.storage.origin()]},
        draft=draft,
        typed=typed,
        errors=errors,
        sent=sent,
        job_link=job_link,
        action=EMAIL_PATH.format(job_uuid=draft.job.uuid),
        **shell(call),
    )


def _changed(request: Request, call: Call, job_uuid: str, token: str, change: Change) -> Response:
    require_page_write(request, call, token)
    state = change(call.uow, call.principal, job_uuid)
    if request.headers.get("hx-request"):
        return _panel(call, state)
    # Without script the buttons are plain forms: back to the job's page.
    page = links.job_page_url(call.base_url, call.principal.company_uuid, state.job_uuid)
    return RedirectResponse(page, status_code=303)


def _panel(call: Call, state: Sharing) -> Response:
    return app_page("job/sharing.html", share=_values(call, state))


def _values(call: Call, state: Sharing) -> dict[str, Any]:
    path = PANEL_PATH.format(job_uuid=state.job_uuid)
    return {
        **asdict(state),
        "csrf_token": csrf.issue(call.uow, call.principal),
        "create_path": f"{path}/create",
        "revoke_path": f"{path}/revoke",
        "reissue_path": f"{path}/reissue",
        "email_path": EMAIL_PATH.format(job_uuid=state.job_uuid),
    }
