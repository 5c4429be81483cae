"""Photos: receiving them into a job, finding, listing and soft-deleting them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from jobshots.core import audit, permissions
from jobshots.core.companies import policy
from jobshots.core.errors import Invalid, NotFound, TooLarge
from jobshots.core.ids import parse_uuid
from jobshots.core.jobs import service as jobs
from jobshots.core.pagination import Page
from jobshots.core.photos import repository
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import PHOTO_TYPES, Company, Job, Photo
from jobshots.db.types import utcnow
from jobshots.media import sniff
from jobshots.media.incoming import IncomingFile
from jobshots.storage import keys

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PhotoDetails:
    """What the uploader says about photos they send."""

    photo_type: str = "other"
    taken_at: datetime | None = None
    client_key: str | None = None
    form_id: str | None = None


def upload_limit_for_job(uow: UnitOfWork, principal: Principal, job_uuid: str) -> int:
    """Check the caller may upload to the job, and give the byte limit to stream against."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    jobs.get(uow, principal, job_uuid)
    return policy.upload_limit(uow, company)


def upload_limit_for_company(uow: UnitOfWork, principal: Principal) -> int:
    """Check the caller may upload photos at all, and give the byte limit to stream against."""
    return policy.upload_limit(uow, photo_company(uow, principal, permissions.PHOTOS_MANAGE))


def upload_to_job(
    uow: UnitOfWork,
    principal: Principal,
    job_uuid: str,
    files: list[IncomingFile],
    details: PhotoDetails,
) -> list[Photo]:
    """Store each file as a photo of the job; all or nothing."""
    company = photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    job = jobs.get(uow, principal, job_uuid)
    if details.photo_type not in PHOTO_TYPES:
        raise Invalid.field("photo_type", f"must be one of {', '.join(PHOTO_TYPES)}")
    if not files:
        raise Invalid.field("file", "at least one file must be provided")
    kinds = accept_files(uow, company, files)
    return [
        store(uow, principal, company, job, incoming, kind, details)
        for incoming, kind in zip(files, kinds, strict=True)
    ]


def get_for_job(uow: UnitOfWork, principal: Principal, job_uuid: str, photo_uuid: str) -> Photo:
    """One photo of one of the caller's jobs."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_uuid)
    photo = repository.for_job(
        uow.session, principal.company_id, job.id, parse_uuid(photo_uuid, "photo")
    )
    if photo is None:
        raise NotFound("photo not found")
    return photo


def list_for_job(
    uow: UnitOfWork,
    principal: Principal,
    job_uuid: str,
    *,
    photo_type: str | None,
    include_deleted: bool,
    page: int,
    per_page: int,
) -> Page[Photo]:
    """A page of a job's photos, oldest upload first."""
    photo_company(uow, principal, permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_uuid)
    if photo_type is not None and photo_type not in PHOTO_TYPES:
        raise Invalid.field("photo_type", f"must be one of {', '.join(PHOTO_TYPES)}")
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    if per_page < 1:
        raise Invalid.field("limit", "must be 1 or more")
    per_page = min(per_page, MAX_PER_PAGE)
    items, total = repository.page_for_job(
        uow.session,
        principal.company_id,
        job.id,
        photo_type=photo_type,
        include_deleted=include_deleted,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


def soft_delete(uow: UnitOfWork, principal: Principal, job_uuid: str, photo_uuid: str) -> Photo:
    """Mark a photo deleted; its file stays in storage as evidence."""
    principal.require(permissions.PHOTOS_MANAGE)
    photo = get_for_job(uow, principal, job_uuid, photo_uuid)
    if photo.deleted_at is None:
        photo.deleted_at = utcnow()
        photo.updated_by_id = principal.user_id
        audit.record(uow, principal, "photo.deleted", "photo", photo.uuid, job_id=photo.job_id)
    return photo


def photo_company(uow: UnitOfWork, principal: Principal, permission: str) -> Company:
    """The caller's company, once it is sure the caller may use photos this way."""
    principal.require(permission)
    company = uow.session.get_one(Company, principal.company_id)
    policy.require_addon(company, "photos")
    return company


def accept_files(
    uow: UnitOfWork, company: Company, files: list[IncomingFile]
) -> list[sniff.Sniffed]:
    """Check every file's size and type, and the quotas, before any is stored."""
    limit = policy.upload_limit(uow, company)
    kinds = [_accepted(f, limit) for f in files]
    policy.check_upload_quota(uow, company, len(files), sum(f.size for f in files))
    return kinds


def _accepted(incoming: IncomingFile, limit: int) -> sniff.Sniffed:
    if incoming.size > limit:
        raise TooLarge(
            f"file is larger than the {limit} byte limit",
            {"file": [f"must be at most {limit} bytes"]},
        )
    if incoming.size == 0:
        raise Invalid.field("file", "is empty")
    return sniff.require_accepted(incoming.head)


def store(
    uow: UnitOfWork,
    principal: Principal,
    company: Company,
    job: Job | None,
    incoming: IncomingFile,
    kind: sniff.Sniffed,
    details: PhotoDetails,
) -> Photo:
    """Move an accepted file into storage and record it; undone if the transaction fails."""
    photo_uuid = uuid.uuid4()
    key = keys.photo_original(company.uuid, photo_uuid, kind.extension)
    storage = uow.ctx.storage
    storage.put_file(key, incoming.path, kind.mime_type)
    uow.on_rollback(lambda: storage.delete(key))
    now = utcnow()
    photo = Photo(
        uuid=photo_uuid,
        company_id=company.id,
        job_id=job.id if job else None,
        uploaded_by_id=principal.user_id,
        created_by_id=principal.user_id,
        updated_by_id=principal.user_id,
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
        storage.delete(key)
        raise
    audit.record(
        uow, principal, "photo.uploaded", "photo", photo.uuid, job_id=job.id if job else None
    )
    photo_id = photo.id
    uow.after_commit(lambda: uow.ctx.tasks.enqueue_photo(photo_id))
    return photo
