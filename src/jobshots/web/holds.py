"""The job page's legal hold (place, release) and its deleted photos (restore)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from jobshots.core import links, permissions
from jobshots.core.errors import Conflict, Invalid
from jobshots.core.evidence import holds
from jobshots.core.photos import service as photos
from jobshots.http.caller import Call
from jobshots.http.sessions import require_page_write
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell

router = APIRouter(include_in_schema=False)
HOLD_PATH = "/app/jobs/{job_uuid}/hold"
RESTORE_PATH = "/app/jobs/{job_uuid}/deleted-photos/{photo_uuid}/restore"
FormText = Annotated[str, Form()]


def panel(call: Call, job_uuid: str) -> dict[str, Any]:
    """What the job page shows of the hold and, to those who may restore, deleted photos."""
    may = call.principal.permissions
    managing = permissions.JOBS_HOLD in may and permissions.PHOTOS_MANAGE in may
    return {
        "hold": holds.of_job(call.uow, call.principal, job_uuid),
        "may_hold": permissions.JOBS_HOLD in may,
        "hold_reason_max": holds.REASON_MAX,
        "deleted_photos": photos.deleted_of_job(call.uow, call.principal, job_uuid)
        if managing
        else None,
    }


@router.post(HOLD_PATH)
def place_hold(
    job_uuid: str,
    request: Request,
    call: SignedIn,
    reason: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Put the job on legal hold, with the reason given."""
    require_page_write(request, call, csrf_token)
    try:
        holds.place(call.uow, call.principal, job_uuid, reason)
    except (Invalid, Conflict) as exc:
        return _refused(call, job_uuid, "Not held", exc)
    return _back_to(call, job_uuid, "legal-hold")


@router.post(HOLD_PATH + "/release")
def release_hold(
    job_uuid: str, request: Request, call: SignedIn, csrf_token: FormText = ""
) -> Response:
    """Lift the job's legal hold."""
    require_page_write(request, call, csrf_token)
    try:
        holds.lift(call.uow, call.principal, job_uuid)
    except Conflict as exc:
        return _refused(call, job_uuid, "Not released", exc)
    return _back_to(call, job_uuid, "legal-hold")


@router.post(RESTORE_PATH)
def restore_photo(
    job_uuid: str, photo_uuid: str, request: Request, call: SignedIn, csrf_token: FormText = ""
) -> Response:
    """Bring one of the job's deleted photos back."""
    require_page_write(request, call, csrf_token)
    try:
        photos.restore(call.uow, call.principal, photos.PhotoRef(uuid=photo_uuid), job=job_uuid)
    except Conflict as exc:
        return _refused(call, job_uuid, "Not restored", exc)
    return _back_to(call, job_uuid, "deleted-photos")


def _refused(call: Call, job_uuid: str, title: str, exc: Invalid | Conflict) -> Response:
    """The reason a form was refused, with the way back to the job."""
    status = 409 if isinstance(exc, Conflict) else 400
    return app_page(
        "job/refused.html", status,
        title=title, explanation=exc.message, back=_page(call, job_uuid), **shell(call),
    )  # fmt: skip


def _back_to(call: Call, job_uuid: str, section: str) -> Response:
    return RedirectResponse(f"{_page(call, job_uuid)}#{section}", status_code=303)


def _page(call: Call, job_uuid: str) -> str:
    return links.JOB_PAGE_PATH.format(workspace_id=call.principal.company_uuid, job_id=job_uuid)
