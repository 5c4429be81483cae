"""Photos, for every API: receiving, finding, listing, changing and soft-deleting them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError

from jobshots.core import audit, intake, permissions
from jobshots.core.companies import policy
from jobshots.core.errors import Conflict, Invalid, NotFound
from jobshots.core.evidence import held
from jobshots.core.ids import INT_MAX, parse_uuid, storable
from jobshots.core.jobs import service as jobs
from jobshots.core.pagination import Page, PageRequest, StreamedPage, Window
from jobshots.core.photos import changes, client_exif, files, processing, repository
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.photos.views import (
    LINK_COLUMNS,
    PhotoPoint,
    PhotoView,
    UploadTarget,
    photo_view,
)
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import PHOTO_TYPES, Company, Job, Photo, User
from jobshots.db.types import utcnow
from jobshots.media.incoming import IncomingFile
from jobshots.media.sniff import Sniffed
from jobshots.storage import keys

CLIENT_KEY_MAX = 100
# Where `upload_limit` leaves what it read, in the session's info.
_ADMITTED = "photos.admitted"
# The type a direct upload is expected to be, by its display name's suffix.
_TYPES_BY_SUFFIX = {
    "png": ("image/png", "png"),
    "webp": ("image/webp", "webp"),
    "heic": ("image/heic", "heic"),
    "heif": ("image/heif", "heif"),
    "mov": ("video/quicktime", "mov"),
    "mp4": ("video/mp4", "mp4"),
}


@dataclass(frozen=True)
class PhotoRef:
    """How a caller names a photo: its integer id, its UUID, or its public key.

    The public key is the key the client chose when it has one (a Fulcrum access key,
    an offline id), else the UUID.
    """

    id: int | None = None
    uuid: str | None = None
    public_key: str | None = None

    def match(self) -> ColumnElement[bool]:
        """The condition that finds the photo; NotFound for a malformed UUID."""
        if self.id is not None:
            if not storable(self.id):
                raise NotFound("photo not found")
            return repository.by_id(self.id)
        if self.uuid is not None:
            return repository.by_uuid(parse_uuid(self.uuid, "photo"))
        if self.public_key is not None:
            return repository.by_public_key(self.public_key)
        raise ValueError("a PhotoRef names no photo")


@dataclass(frozen=True)
class PhotoDetails:
    """What the uploader says about the files they send through the server."""

    photo_type: str = "other"
    taken_at: datetime | None = None
    client_key: str | None = None
    form_id: str | None = None


@dataclass(frozen=True)
class PhotoFilter:
    """Which photos a list shows (None and empty mean any), and in which order."""

    job: jobs.JobRef | None = None
    photo_type: str | None = None
    include_deleted: bool = False
    form_id: str | None = None
    created_since: datetime | None = None
    updated_since: datetime | None = None
    line_items: dict[str, int] = field(default_factory=dict)
    uploaded: bool | None = None
    stored: bool | None = None
    processed: bool | None = None
    order: repository.Order = "uploaded"


@dataclass(frozen=True)
class NewDirectUpload:
    """A photo whose bytes the client will send straight to storage."""

    changes: PhotoChanges
    exif: dict[str, Any] | None = None
    is_video: bool = False
    offline_id: str | None = None


@dataclass(frozen=True)
class Received:
    """A photo, and whether this request created it (False: a retry of an earlier one)."""

    photo: PhotoView
    created: bool
    upload: UploadTarget | None = None


def upload_limit(uow: UnitOfWork, principal: Principal, job: jobs.JobRef | None = None) -> int:
    """Check the caller may upload photos (to `job`, when given); the byte limit to stream to."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    found = jobs.get(uow, principal, job) if job is not None else None
    uploader = uow.session.get(User, principal.user_id)
    # Held for the rest of the unit of work (the session keeps rows only while referenced),
    # so the transaction that stores the upload finds the company and uploader in the session
    # instead of reading them again. The job it checks again: it may be deleted meanwhile.
    uow.session.info[_ADMITTED] = (company, found, uploader)
    return policy.upload_limit(uow, company)


def upload_to_job(
    uow: UnitOfWork,
    principal: Principal,
    job_ref: jobs.JobRef,
    incoming: list[IncomingFile],
    details: PhotoDetails,
) -> list[PhotoView]:
    """Store each file as a photo of the job; all or nothing."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    job = jobs.get(uow, principal, job_ref)
    if details.photo_type not in PHOTO_TYPES:
        raise Invalid.field("photo_type", f"must be one of {', '.join(PHOTO_TYPES)}")
    if not incoming:
        raise Invalid.field("file", "at least one file must be provided")
    kinds = intake.accept(uow, company, incoming, intake.PHOTOS)
    stored = [
        _store(uow, principal, company, job, item, kind, details)
        for item, kind in zip(incoming, kinds, strict=True)
    ]
    return [photo_view(uow, photo) for photo in stored]


def receive_with_key(
    uow: UnitOfWork,
    principal: Principal,
    incoming: IncomingFile | None,
    details: PhotoDetails,
    job_ref: jobs.JobRef | None = None,
) -> Received:
    """Store a photo under the client's key; the same key and bytes again give the first."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    errors = _check_key(details.client_key)
    if incoming is None:
        errors["file"] = ["must be provided"]
    if errors:
        raise Invalid("photo is invalid", errors)
    assert incoming is not None
    assert details.client_key is not None
    existing = _retried(uow, principal, company, details.client_key)
    if existing is not None:
        return Received(photo_view(uow, _same_upload(existing, incoming)), created=False)
    job = _job_or_invalid(uow, principal, job_ref)
    [kind] = intake.accept(uow, company, [incoming], intake.PHOTOS)
    try:
        with uow.session.begin_nested():
            photo = _store(uow, principal, company, job, incoming, kind, details)
    except IntegrityError:
        # Another request stored the same key first (its file is removed already):
        # answer like a retry of that upload.
        raced = repository.by_client_key(uow.session, company.id, details.client_key)
        if raced is None:
            raise
        return Received(photo_view(uow, _same_upload(raced, incoming)), created=False)
    return Received(photo_view(uow, photo), created=True)


def start_direct_upload(uow: UnitOfWork, principal: Principal, new: NewDirectUpload) -> Received:
    """Record a photo and hand back a form for its bytes; the same offline id gives it again."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    if new.offline_id:
        existing = _retried(uow, principal, company, new.offline_id)
        if existing is not None:
            form = _form_if_pending(uow, company, existing)
            return Received(photo_view(uow, existing), created=False, upload=form)
    photo = Photo(
        uuid=uuid.uuid4(), company_id=company.id, created_by_id=principal.user_id, state="pending"
    )
    errors: changes.Errors = {}
    named = replace(new.changes, given=new.changes.given | {"name"})
    changes.apply(uow, principal, photo, named, errors)
    if new.exif is not None:
        photo.client_exif = new.exif
        reading = client_exif.read(new.exif)
        client_exif.apply(photo, reading)
        errors.update(reading.errors)
    changes.invalid_unless_empty(errors)
    if photo.job_id is None and photo.latitude is not None and photo.longitude is not None:
        nearest = jobs.nearest_to(uow, principal, photo.latitude, photo.longitude)
        photo.job_id, photo.job = (nearest.id, nearest) if nearest else (None, None)
    content_type, extension = _expected_type(photo.name, new.is_video)
    photo.storage_key = keys.photo_original(company.uuid, photo.uuid, extension)
    photo.mime_type, photo.is_video = content_type, new.is_video
    photo.client_key = new.offline_id or None
    photo.uploaded_by_id = photo.updated_by_id = principal.user_id
    uow.session.add(photo)
    uow.session.flush()
    audit.record(uow, principal, "photo.created", "photo", photo.uuid, job_id=photo.job_id)
    form = _form_if_pending(uow, company, photo)
    return Received(photo_view(uow, photo), created=True, upload=form)


def finish_direct_upload(uow: UnitOfWork, principal: Principal, ref: PhotoRef) -> PhotoView:
    """Check the uploaded object and show the photo to everyone; finishing twice is harmless."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    # Locked: two finishes at once would both see `pending` and record the upload twice.
    photo = _find(uow, principal, ref, for_update=True)
    if photo.state != "pending":
        return photo_view(uow, photo)
    stored = intake.accept_stored(uow, company, photo.storage_key, intake.PHOTOS)
    now = utcnow()
    kind = stored.kind
    photo.mime_type, photo.is_video, photo.file_size = kind.mime_type, kind.is_video, stored.size
    photo.width, photo.height = kind.width, kind.height
    photo.state, photo.stored_at, photo.updated_by_id = "stored", now, principal.user_id
    if photo.taken_at is None:
        photo.taken_at, photo.taken_at_source = now, "upload"
    audit.record(
        uow, principal, "photo.uploaded", "photo", photo.uuid,
        job_id=photo.job_id, data={"size": stored.size},
    )  # fmt: skip
    uow.enqueue(processing.task_for(photo.id))
    return photo_view(uow, photo)


def get(
    uow: UnitOfWork,
    principal: Principal,
    ref: PhotoRef,
    *,
    job: jobs.JobRef | None = None,
    include_deleted: bool = False,
) -> PhotoView:
    """One photo the caller may see, optionally only within one of its jobs."""
    return photo_view(uow, _find(uow, principal, ref, job=job, include_deleted=include_deleted))


def with_version(uow: UnitOfWork, principal: Principal, ref: PhotoRef, version: str) -> PhotoView:
    """A photo whose `version` rendition is made; NotFound saying why when it is not."""
    photo = _find(uow, principal, ref)
    files.rendition(photo, version)
    return photo_view(uow, photo)


def image(uow: UnitOfWork, principal: Principal, ref: PhotoRef, version: str) -> files.MediaFile:
    """The JPEG of a photo's version (`original`, `large` or `thumbnail`) to stream."""
    return files.jpeg_file(uow, _find(uow, principal, ref), version)


def page(
    uow: UnitOfWork, principal: Principal, which: PhotoFilter, paging: PageRequest
) -> Page[PhotoView]:
    """A page of the company's photos; a job that is not the caller's simply matches none."""
    return stream(uow, principal, which, paging).held()


def stream(
    uow: UnitOfWork, principal: Principal, which: PhotoFilter, paging: PageRequest
) -> StreamedPage[PhotoView]:
    """Like `page`, but each photo is read as it is rendered: for pages of thousands."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    window = paging.window()
    return _listed(uow, principal, _company_criteria(uow, principal, which), which, window)


def page_of_job(
    uow: UnitOfWork,
    principal: Principal,
    job_ref: jobs.JobRef,
    which: PhotoFilter,
    paging: PageRequest,
) -> Page[PhotoView]:
    """A page of one job's photos; NotFound when the job is not the caller's."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    criteria = _criteria(job.id, which)
    return _listed(uow, principal, criteria, which, paging.window()).held()


def of_job(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> list[PhotoView]:
    """A job's shown, undeleted photos, oldest upload first; NotFound if not the caller's job."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    rows, _ = repository.stream(
        uow.session, jobs.reach_of(principal), _criteria(job.id, PhotoFilter()), "uploaded",
        0, INT_MAX,
    )  # fmt: skip
    return [photo_view(uow, photo) for photo in rows]


def located(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> list[PhotoPoint]:
    """Where each of a job's located photos was taken, for its map; NotFound if not the
    caller's job."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    return [
        PhotoPoint(
            uuid=photo.uuid, name=photo.name, photo_type=photo.photo_type,
            latitude=float(photo.latitude), longitude=float(photo.longitude),
            taken_at=photo.taken_at,
        )
        for photo in repository.located_for_job(uow.session, job.company_id, job.id)
        if photo.latitude is not None and photo.longitude is not None
    ]  # fmt: skip


def located_count(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> int:
    """How many of a job's photos have a location; NotFound if not the caller's job."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    return repository.count_located_for_job(uow.session, job.company_id, job.id)


def update(uow: UnitOfWork, principal: Principal, ref: PhotoRef, change: PhotoChanges) -> PhotoView:
    """Change the given fields; a change that changes nothing is not recorded."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = _find(uow, principal, ref, for_update=True)  # its history shows the true before
    was_of = photo.job
    before = changes.described(photo)
    errors: changes.Errors = {}
    changes.apply(uow, principal, photo, change, errors)
    changes.invalid_unless_empty(errors)
    if was_of is not None and photo.job_id != was_of.id:
        # Moved or unlinked, the photo would leave its job's hold and could then be deleted.
        held.refuse_deletion(was_of)
    changed = changes.differences(before, changes.described(photo))
    if changed:
        photo.updated_by_id = principal.user_id
        photo.updated_at = utcnow()
        audit.record(
            uow, principal, "photo.updated", "photo", photo.uuid,
            job_id=photo.job_id, data={"changes": changed},
        )  # fmt: skip
    return photo_view(uow, photo)


def delete(
    uow: UnitOfWork,
    principal: Principal,
    ref: PhotoRef,
    *,
    job: jobs.JobRef | None = None,
    include_deleted: bool = False,
) -> None:
    """Soft delete: gone from lists, its file kept as evidence; deleting again changes nothing.

    `include_deleted` says whether the caller's API can still see deleted photos: where it
    can, a second delete finds the photo and succeeds; where it cannot, the photo is not found.
    """
    principal.require(permissions.PHOTOS_MANAGE)
    photo = _find(uow, principal, ref, job=job, include_deleted=include_deleted)
    if photo.deleted_at is None:
        held.refuse_deletion(photo.job)
        photo.deleted_at = utcnow()
        photo.updated_by_id = principal.user_id
        audit.record(uow, principal, "photo.deleted", "photo", photo.uuid, job_id=photo.job_id)


def restore(
    uow: UnitOfWork, principal: Principal, ref: PhotoRef, *, job: jobs.JobRef | None = None
) -> PhotoView:
    """Undo a soft delete; refused once the retention period has purged its files."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = _find(uow, principal, ref, job=job, include_deleted=True)
    if photo.purged_at is not None:
        raise Conflict("photo cannot be restored: its files were purged after the retention period")
    if photo.deleted_at is not None:
        photo.deleted_at = None
        photo.updated_by_id, photo.updated_at = principal.user_id, utcnow()
        audit.record(uow, principal, "photo.restored", "photo", photo.uuid, job_id=photo.job_id)
    return photo_view(uow, photo)


def deleted_of_job(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, limit: int = 50
) -> list[PhotoView]:
    """A job's deleted photos, most recently deleted first; NotFound if not the caller's job."""
    photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    job = jobs.get(uow, principal, job_ref)
    rows = repository.deleted_of_job(uow.session, job.company_id, job.id, limit)
    return [photo_view(uow, photo) for photo in rows]


def photo_company(uow: UnitOfWork, principal: Principal, permission: str) -> Company:
    """The caller's company, once it is sure the caller may use photos this way."""
    principal.require(permission)
    company = uow.session.get_one(Company, principal.company_id)
    policy.require_addon(company, "photos")
    return company


def _find(
    uow: UnitOfWork,
    principal: Principal,
    ref: PhotoRef,
    *,
    job: jobs.JobRef | None = None,
    include_deleted: bool = False,
    for_update: bool = False,
) -> Photo:
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job_id = jobs.get(uow, principal, job).id if job is not None else None
    photo = repository.find(
        uow.session, jobs.reach_of(principal), principal.user_id, ref.match(),
        job_id=job_id, include_deleted=include_deleted, for_update=for_update,
    )  # fmt: skip
    if photo is None:
        raise NotFound("photo not found")
    return photo


def _listed(
    uow: UnitOfWork,
    principal: Principal,
    criteria: repository.Criteria | None,
    which: PhotoFilter,
    window: Window,
) -> StreamedPage[PhotoView]:
    """The one list query, every list's: nothing when the criteria name nothing."""
    if criteria is None:
        return window.stream_of(iter([]), 0)
    rows, total = repository.stream(
        uow.session, jobs.reach_of(principal), criteria, which.order, window.offset, window.limit
    )
    return window.stream_of((photo_view(uow, photo) for photo in rows), total)


def _company_criteria(
    uow: UnitOfWork, principal: Principal, which: PhotoFilter
) -> repository.Criteria | None:
    """The criteria of a company-wide list; None when its job or line items name nothing."""
    job_id = None
    if which.job is not None:
        job = jobs.find(uow, principal, which.job)
        if job is None:
            return None
        job_id = job.id
    if not all(storable(item) for item in which.line_items.values()):
        return None
    return _criteria(job_id, which)


def _criteria(job_id: int | None, which: PhotoFilter) -> repository.Criteria:
    if which.photo_type is not None and which.photo_type not in PHOTO_TYPES:
        raise Invalid.field("photo_type", f"must be one of {', '.join(PHOTO_TYPES)}")
    return repository.Criteria(
        job_id=job_id,
        photo_type=which.photo_type,
        include_deleted=which.include_deleted,
        form_id=which.form_id,
        created_since=which.created_since,
        updated_since=which.updated_since,
        links={LINK_COLUMNS[kind]: item for kind, item in which.line_items.items()},
        uploaded=which.uploaded,
        stored=which.stored,
        processed=which.processed,
    )


def _store(
    uow: UnitOfWork,
    principal: Principal,
    company: Company,
    job: Job | None,
    incoming: IncomingFile,
    kind: Sniffed,
    details: PhotoDetails,
) -> Photo:
    """Move an accepted file into storage and record it; undone if the transaction fails."""
    photo_uuid = uuid.uuid4()
    key = keys.photo_original(company.uuid, photo_uuid, kind.extension)
    intake.put(uow, key, incoming, kind)
    now = utcnow()
    uploader = uow.session.get(User, principal.user_id)
    # Every field and relation the view shows is set here, so it is built without a reload.
    photo = Photo(
        uuid=photo_uuid,
        company_id=company.id,
        job_id=job.id if job else None,
        job=job,
        uploaded_by_id=principal.user_id,
        created_by_id=principal.user_id,
        updated_by_id=principal.user_id,
        uploaded_by=uploader,
        created_by=uploader,
        updated_by=uploader,
        renditions=[],
        name=incoming.filename or "",
        photo_type=details.photo_type,
        is_video=kind.is_video,
        file_name=incoming.filename,
        file_size=incoming.size,
        mime_type=kind.mime_type,
        checksum_sha256=incoming.sha256,
        storage_key=key,
        width=kind.width,
        height=kind.height,
        taken_at=details.taken_at or now,
        taken_at_source="client" if details.taken_at else "upload",
        client_key=details.client_key,
        form_id=details.form_id,
        state="stored",
        stored_at=now,
    )
    uow.session.add(photo)
    try:
        uow.session.flush()
    except IntegrityError:
        # A savepoint may absorb this and the transaction still commit: remove the file now.
        intake.withdraw(uow, key)
        raise
    audit.record(
        uow, principal, "photo.uploaded", "photo", photo.uuid,
        job_id=job.id if job else None, data={"sha256": incoming.sha256, "size": incoming.size},
    )  # fmt: skip
    uow.enqueue(processing.task_for(photo.id))
    return photo


def _check_key(key: str | None) -> dict[str, list[str]]:
    if key is None or not key.strip():
        return {"client_key": ["must be provided"]}
    if len(key) > CLIENT_KEY_MAX or not key.isprintable():
        return {"client_key": [f"must be at most {CLIENT_KEY_MAX} printable characters"]}
    return {}


def _retried(
    uow: UnitOfWork, principal: Principal, company: Company, client_key: str
) -> Photo | None:
    """The photo an earlier try made with this key; a deleted one is never handed back as live,
    nor one the caller may not see (another's upload on its way, a job out of their reach)."""
    existing = repository.by_client_key(uow.session, company.id, client_key)
    if existing is None:
        return None
    seen = repository.shown(company.id, principal.user_id, jobs.reach_of(principal))
    if uow.session.scalar(select(Photo.id).where(Photo.id == existing.id, seen)) is None:
        # Keys are unique in a company, so the key cannot be taken again; say no more.
        raise Invalid.field("client_key", "is already used")
    if existing.deleted_at is not None:
        raise Invalid.field("client_key", "belongs to a photo that was deleted")
    return existing


def _same_upload(existing: Photo, incoming: IncomingFile) -> Photo:
    if existing.checksum_sha256 != incoming.sha256:
        raise Invalid.field("client_key", "is already used by a different file")
    return existing


def _job_or_invalid(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef | None
) -> Job | None:
    if job_ref is None:
        return None
    job = jobs.find(uow, principal, job_ref)
    if job is None:
        raise Invalid.field("job", "does not exist")
    return job


def _expected_type(name: str, is_video: bool) -> tuple[str, str]:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in _TYPES_BY_SUFFIX:
        return _TYPES_BY_SUFFIX[suffix]
    return ("video/mp4", "mp4") if is_video else ("image/jpeg", "jpg")


def _form_if_pending(uow: UnitOfWork, company: Company, photo: Photo) -> UploadTarget | None:
    if photo.state != "pending":
        return None
    form = uow.storage.upload_form(
        photo.storage_key,
        content_type=photo.mime_type or "application/octet-stream",
        max_bytes=policy.upload_limit(uow, company),
        expires_in=uow.settings.upload_form_ttl_seconds,
    )
    return UploadTarget(url=form.url, fields=form.fields)
