"""A job's page: details, gallery, comparison, timeline, notes, documents, map and activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from jobshots.core import links, permissions
from jobshots.core.documents import service as documents
from jobshots.core.documents.views import DocumentView
from jobshots.core.jobs import commits
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.views import JobDetail
from jobshots.core.messages import service as messages
from jobshots.core.notes import service as notes
from jobshots.core.pagination import PageRequest, SliceRequest
from jobshots.core.photos import service as photos
from jobshots.core.photos.views import PhotoPoint, PhotoView
from jobshots.db.models import PHOTO_TYPE_NAMES, PHOTO_TYPES
from jobshots.http.auth import authorization
from jobshots.http.caller import Call, RequestUow, api_key
from jobshots.http.files import attachment
from jobshots.http.sessions import browser_session, require_page_write
from jobshots.storage.base import url_origin
from jobshots.web import holds, rendering, sharing, signin
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell, wanted_path

router = APIRouter(include_in_schema=False)
_key = api_key(authorization("Bearer"))

PHOTOS_PER_PAGE = 24
TIMELINE_SHOWN = 40
NOTES_SHOWN = 50
ACTIVITY_SHOWN = 30
GALLERY_PATH = "/app/jobs/{job_uuid}/photos"
MESSAGES_PATH = "/app/jobs/{job_uuid}/messages"
POINTS_PATH = "/app/jobs/{job_uuid}/points"
MARKERS_PATH = "/app/jobs/{job_uuid}/points.json"
NOTES_PATH = "/app/jobs/{job_uuid}/notes"
DOCUMENT_PATH = "/app/jobs/{job_uuid}/documents/{document_uuid}"


@dataclass(frozen=True)
class PhotoGroup:
    """One heading of the gallery: a page of its photos and where the next page is."""

    photo_type: str
    heading: str
    photos: list[PhotoView]
    total: int
    next_page: int | None


@router.get(links.JOB_PAGE_PATH)
def job_page(workspace_id: str, job_id: str, request: Request, uow: RequestUow) -> Response:
    """The job's page for a session of its company; a key gets the job's name only."""
    key_holder = _key(request, uow)
    principal = key_holder or browser_session(request, uow)
    if principal is None:
        # A deeplink opened by someone signed out: the sign-in form, then this job.
        return signin.login_page(wanted_path(request), 401, problem="Sign in to see this job.")
    call = Call(principal=principal, uow=uow)
    # The job first: another company's job is not found, whichever workspace the link names.
    if key_holder is not None:
        named = jobs.view(call.uow, call.principal, job_id)
        call.principal.require_workspace(workspace_id)
        return rendering.page("job_named.html", job=named)
    detail = jobs.detail(call.uow, call.principal, job_id)
    call.principal.require_workspace(workspace_id)
    return _whole_page(call, detail)


@router.get(GALLERY_PATH)
def more_photos(job_uuid: str, call: SignedIn, type: str = "other", page: int = 2) -> Response:
    """The next page of one heading's photos, for the gallery's "Show more"."""
    group = _group(call, job_uuid, type, page)
    workspace_id = str(call.principal.company_uuid)
    return app_page("job/photos.html", group=group, job_uuid=job_uuid, workspace_id=workspace_id)


@router.get(POINTS_PATH)
def photo_points(job_uuid: str, call: SignedIn) -> Response:
    """Where each of the job's located photos was taken, as a list: the map in words."""
    points = photos.located(call.uow, call.principal, job_uuid)
    return app_page("job/points.html", points=points)


@router.get(MARKERS_PATH)
def photo_markers(job_uuid: str, call: SignedIn) -> JSONResponse:
    """The map's markers, fetched once the page is shown: the first screen stays small."""
    points = photos.located(call.uow, call.principal, job_uuid)
    return JSONResponse([_marker(point) for point in points], headers={"Cache-Control": "no-store"})


@router.post(MESSAGES_PATH)
def post_message(
    job_uuid: str,
    request: Request,
    call: SignedIn,
    message: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a message to the timeline: the timeline again for htmx, else back to the page."""
    require_page_write(request, call, csrf_token)
    messages.post(call.uow, call.principal, job_uuid, message)
    if "hx-request" not in request.headers:
        return _back_to(call, job_uuid, "timeline")
    return app_page(
        "job/timeline.html", **_timeline(call, job_uuid), job_uuid=job_uuid, may_post=True,
        **shell(call),
    )  # fmt: skip


@router.post(NOTES_PATH)
def add_note(
    job_uuid: str,
    request: Request,
    call: SignedIn,
    note_text: Annotated[str, Form()] = "",
    send_email: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a case note: the notes again for htmx, else back to the page."""
    require_page_write(request, call, csrf_token)
    notes.create(call.uow, call.principal, job_uuid, note_text, send_email=send_email)
    if "hx-request" not in request.headers:
        return _back_to(call, job_uuid, "notes")
    return app_page("job/notes.html", **_notes(call, job_uuid), job_uuid=job_uuid, **shell(call))


@router.get(DOCUMENT_PATH)
def download_document(job_uuid: str, document_uuid: str, call: SignedIn) -> Response:
    """One of the job's documents, as it was uploaded."""
    ref = documents.DocumentRef(uuid=document_uuid)
    return attachment(documents.download(call.uow, call.principal, ref, job_ref=job_uuid))


def _whole_page(call: Call, detail: JobDetail) -> Response:
    job_uuid = str(detail.uuid)
    may = call.principal.permissions
    groups = [_group(call, job_uuid, kind, 1) for kind in PHOTO_TYPES]
    values: dict[str, Any] = {
        "job": detail,
        "job_uuid": job_uuid,
        "workspace_id": str(call.principal.company_uuid),
        "groups": groups,
        "comparable": {group.photo_type: _comparable(group) for group in groups},
        "located": photos.located_count(call.uow, call.principal, job_uuid),
        "documents": _documents(call, job_uuid),
        "activity": _activity(call, job_uuid),
        "may_post": permissions.PHOTOS_MANAGE in may,
        "may_upload": permissions.PHOTOS_MANAGE in may,
        "may_note": permissions.CASE_NOTES in may,
        "may_edit": permissions.JOBS_MANAGE in may,
        "map": {
            "tiles": call.uow.settings.map_tiles_url,
            "attribution": call.uow.settings.map_attribution,
        },
        "share": sharing.share_panel(call, detail),
        **holds.panel(call, job_uuid),
        **_timeline(call, job_uuid),
    }
    if permissions.CASE_NOTES in may:
        values.update(_notes(call, job_uuid))
    storage, tiles = call.uow.storage.origin(), url_origin(call.uow.settings.map_tiles_url)
    allow = {"img-src": [storage, tiles], "media-src": [storage]}
    return app_page("job/page.html", allow=allow, **values, **shell(call))


def _comparable(group: PhotoGroup) -> list[PhotoView]:
    """The group's photos (not videos) whose large rendition is made."""
    return [photo for photo in group.photos if not photo.is_video and photo.url_of("large")]


def _marker(point: PhotoPoint) -> dict[str, Any]:
    label = f"{PHOTO_TYPE_NAMES[point.photo_type]} photo {point.name}".strip()
    return {"lat": round(point.latitude, 6), "lng": round(point.longitude, 6), "label": label}


def _group(call: Call, job_uuid: str, photo_type: str, page: int) -> PhotoGroup:
    which = photos.PhotoFilter(photo_type=photo_type)
    paging = PageRequest(page, PHOTOS_PER_PAGE, PHOTOS_PER_PAGE)
    found = photos.page_of_job(call.uow, call.principal, job_uuid, which, paging)
    more = page * PHOTOS_PER_PAGE < found.total
    return PhotoGroup(
        photo_type=photo_type,
        heading=PHOTO_TYPE_NAMES[photo_type],
        photos=found.items,
        total=found.total,
        next_page=page + 1 if more else None,
    )


def _timeline(call: Call, job_uuid: str) -> dict[str, Any]:
    entries, total = messages.latest(call.uow, call.principal, job_uuid, TIMELINE_SHOWN)
    return {"entries": entries, "entries_total": total}


def _notes(call: Call, job_uuid: str) -> dict[str, Any]:
    found, total = notes.of_job(
        call.uow, call.principal, job_uuid, SliceRequest(0, NOTES_SHOWN, NOTES_SHOWN)
    )
    return {"notes": found, "notes_total": total}


def _documents(call: Call, job_uuid: str) -> list[DocumentView] | None:
    if permissions.ATTACHMENTS not in call.principal.permissions:
        return None
    return documents.of_job(call.uow, call.principal, job_uuid)


def _activity(call: Call, job_uuid: str) -> list[commits.Commit]:
    paging = SliceRequest(0, ACTIVITY_SHOWN, ACTIVITY_SHOWN)
    return commits.of_job(call.uow, call.principal, job_uuid, paging)[0]


def _back_to(call: Call, job_uuid: str, section: str) -> Response:
    page = links.JOB_PAGE_PATH.format(workspace_id=call.principal.company_uuid, job_id=job_uuid)
    return RedirectResponse(f"{page}#{section}", status_code=303)
