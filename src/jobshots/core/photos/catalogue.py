"""The company's whole photo library, addressed by the keys clients chose (Fulcrum-style)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.jobs import service as jobs
from jobshots.core.pagination import Page
from jobshots.core.photos import repository
from jobshots.core.photos.service import PhotoDetails, accept_files, photo_company, store
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job, Photo
from jobshots.db.types import utcnow
from jobshots.media.incoming import IncomingFile

CLIENT_KEY_MAX = 100
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Received:
    """A photo, and whether this request created it (False: a retry of an earlier upload)."""

    photo: Photo
    created: bool


@dataclass(frozen=True)
class LibraryFilter:
    """Which of the company's photos to list."""

    job_uuid: str | None = None
    form_id: str | None = None
    created_since: datetime | None = None
    updated_since: datetime | None = None


def receive(
    uow: UnitOfWork,
    principal: Principal,
    incoming: IncomingFile | None,
    details: PhotoDetails,
    job_uuid: str | None = None,
) -> Received:
    """Store a photo under the client's key; the same key and bytes again return the first."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    errors = _check_key(details.client_key)
    if incoming is None:
        errors["file"] = ["must be provided"]
    if errors:
        raise Invalid("photo is invalid", errors)
    assert incoming is not None
    assert details.client_key is not None
    existing = repository.by_client_key(uow.session, company.id, details.client_key)
    if existing is not None:
        return Received(_same_upload(existing, incoming), created=False)
    job = _job_or_invalid(uow, principal, job_uuid)
    [kind] = accept_files(uow, company, [incoming])
    try:
        with uow.session.begin_nested():
            photo = store(uow, principal, company, job, incoming, kind, details)
    except IntegrityError:
        # Another request stored the same key first (store() has removed this one's file):
        # answer like a retry of that upload.
        raced = repository.by_client_key(uow.session, company.id, details.client_key)
        if raced is None:
            raise
        return Received(_same_upload(raced, incoming), created=False)
    return Received(photo, created=True)


def get(uow: UnitOfWork, principal: Principal, key: str) -> Photo:
    """One of the company's photos by its client key (or UUID)."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    photo = repository.by_public_key(uow.session, principal.company_id, key)
    if photo is None:
        raise NotFound("photo not found")
    return photo


def list_page(
    uow: UnitOfWork, principal: Principal, which: LibraryFilter, page: int, per_page: int
) -> Page[Photo]:
    """A page of the company's photos, oldest first."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    if per_page < 1:
        raise Invalid.field("per_page", "must be 1 or more")
    per_page = min(per_page, MAX_PER_PAGE)
    job_id = None
    if which.job_uuid is not None:
        try:
            job_id = jobs.get(uow, principal, which.job_uuid).id
        except NotFound:
            return Page(items=[], page=page, per_page=per_page, total=0)
    items, total = repository.page_for_company(
        uow.session,
        principal.company_id,
        job_id=job_id,
        form_id=which.form_id,
        created_since=which.created_since,
        updated_since=which.updated_since,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


def link_to_job(uow: UnitOfWork, principal: Principal, key: str, job_uuid: str | None) -> Photo:
    """Attach the photo to a job, or detach it (None): it stays kept, just unlinked."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = get(uow, principal, key)
    job = _job_or_invalid(uow, principal, job_uuid)
    if photo.job_id != (job.id if job else None):
        previous = photo.job_id
        photo.job_id = job.id if job else None
        photo.job = job
        photo.updated_by_id = principal.user_id
        photo.updated_at = utcnow()
        audit.record(
            uow, principal, "photo.relinked", "photo", photo.uuid,
            job_id=job.id if job else previous,
            data={"job": str(job.uuid) if job else None},
        )  # fmt: skip
    return photo


def _check_key(key: str | None) -> dict[str, list[str]]:
    if key is None or not key.strip():
        return {"client_key": ["must be provided"]}
    if len(key) > CLIENT_KEY_MAX or not key.isprintable():
        return {"client_key": [f"must be at most {CLIENT_KEY_MAX} printable characters"]}
    return {}


def _same_upload(existing: Photo, incoming: IncomingFile) -> Photo:
    if existing.checksum_sha256 != incoming.sha256:
        raise Invalid.field("client_key", "is already used by a different file")
    return existing


def _job_or_invalid(uow: UnitOfWork, principal: Principal, job_uuid: str | None) -> Job | None:
    if job_uuid is None:
        return None
    try:
        return jobs.get(uow, principal, job_uuid)
    except NotFound as exc:
        raise Invalid.field("job", "does not exist") from exc
