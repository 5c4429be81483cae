"""Resumable uploads (tus): create, resume, append under a row lock, finish as one photo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from jobshots.core import intake, permissions
from jobshots.core.companies import policy
from jobshots.core.errors import Conflict, CoreError, Invalid, NotFound
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.uploads import repository
from jobshots.db.models import PHOTO_TYPES, Company, Photo
from jobshots.db.models.web import ResumableUpload
from jobshots.db.types import utcnow
from jobshots.media.incoming import IncomingFile, Spool, clean_filename
from jobshots.storage import keys

EXPIRES_AFTER = timedelta(hours=24)
# How long a PATCH holds its upload; only matters when a server died mid-PATCH.
CLAIM_FOR = timedelta(minutes=10)
SWEEP_BATCH = 50
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class NewUpload:
    """What a client says about the file it is about to send in pieces."""

    length: int
    file_name: str | None = None
    photo_type: str = "other"
    client_key: str | None = None


@dataclass(frozen=True)
class UploadState:
    """How far an upload has come, and the photo it became once complete."""

    uuid: UUID
    length: int
    received: int
    expires_at: datetime
    photo_uuid: UUID | None


@dataclass(frozen=True)
class Claim:
    """The right to append to an upload at `offset`, held by one request."""

    upload_uuid: UUID
    token: str
    offset: int
    room: int


def create(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, new: NewUpload
) -> tuple[UploadState, bool]:
    """Open an upload to the job, checking limits first; the same client key gives the first."""
    company = photos.photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    job = jobs.get(uow, principal, job_ref)
    _check_described(new)
    sweep(uow, company.id)
    if new.client_key is not None:
        existing = repository.by_client_key(uow.session, company.id, new.client_key)
        if existing is not None:
            # A retry answers what it started, even if the quota was spent since.
            return _retried(uow, principal, existing, job.id, new), False
    _check_limits(uow, company, new)
    now = utcnow()
    upload = ResumableUpload(
        company_id=company.id,
        user_id=principal.user_id,
        job_id=job.id,
        client_key=new.client_key,
        length=new.length,
        received=0,
        file_name=clean_filename(new.file_name) or "",
        photo_type=new.photo_type,
        details={"parts": []},
        created_at=now,
        expires_at=now + EXPIRES_AFTER,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(upload)
    except IntegrityError:
        # Another request created the same client key first: answer like a retry of it.
        assert new.client_key is not None
        raced = repository.by_client_key(uow.session, company.id, new.client_key)
        if raced is None:
            raise
        return _retried(uow, principal, raced, job.id, new), False
    return _state(uow, upload), True


def state(uow: UnitOfWork, principal: Principal, upload_ref: str) -> UploadState:
    """How much of the caller's own upload has arrived."""
    company = photos.photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    upload = repository.find(uow.session, company.id, _parse(upload_ref))
    if upload is None or _gone(upload) or not _own(upload, principal):
        raise NotFound("upload not found")
    return _state(uow, upload)


def claim(uow: UnitOfWork, principal: Principal, upload_ref: str, offset: int) -> Claim:
    """Hold the upload for one PATCH at `offset`; Conflict if that is not where it stands."""
    upload = _locked(uow, principal, upload_ref)
    if upload.completed_at is not None or offset != upload.received:
        raise Conflict(f"the upload's offset is {upload.received}, not {offset}")
    held = upload.details.get("claim_until")
    if held is not None and datetime.fromisoformat(held) > utcnow():
        raise Conflict("another request is appending to this upload")
    token = secrets.token_hex(16)
    until = (utcnow() + CLAIM_FOR).isoformat()
    upload.details = {**upload.details, "claim": token, "claim_until": until}
    return Claim(upload.uuid, token, offset, upload.length - offset)


def append(
    uow: UnitOfWork, principal: Principal, held: Claim, part: IncomingFile | None
) -> UploadState:
    """Keep the bytes a PATCH brought (all, or as many as came before it was cut off)."""
    upload = _locked(uow, principal, str(held.upload_uuid))
    if upload.details.get("claim") != held.token or upload.received != held.offset:
        raise Conflict("the upload changed while this request was appending")
    details: dict[str, Any] = {
        k: v for k, v in upload.details.items() if k not in ("claim", "claim_until")
    }
    if part is not None and part.size > 0:
        company = uow.session.get_one(Company, upload.company_id)
        key = keys.upload_part(company.uuid, upload.uuid, held.offset)
        storage = uow.storage
        storage.put_file(key, part.path, "application/octet-stream")
        uow.on_rollback(lambda: storage.delete(key))
        details["parts"] = [*details.get("parts", []), [held.offset, part.size]]
        upload.received = held.offset + part.size
    upload.details = details
    if upload.received == upload.length:
        _complete(uow, principal, upload)
    return _state(uow, upload)


def release(uow: UnitOfWork, principal: Principal, held: Claim) -> None:
    """Give up a claim without appending (the PATCH was refused)."""
    upload = _locked(uow, principal, str(held.upload_uuid))
    if upload.details.get("claim") == held.token:
        upload.details = {
            k: v for k, v in upload.details.items() if k not in ("claim", "claim_until")
        }


def terminate(uow: UnitOfWork, principal: Principal, upload_ref: str) -> None:
    """Remove an upload and the bytes received so far; a finished upload's photo stays."""
    _discard(uow, _locked(uow, principal, upload_ref))


def sweep(uow: UnitOfWork, company_id: int | None, now: datetime | None = None) -> int:
    """Remove unfinished uploads past their expiry (one company's, or with None every
    company's), and their parts."""
    stale = repository.expired(uow.session, company_id, now or utcnow(), SWEEP_BATCH)
    for upload in stale:
        _discard(uow, upload)
    return len(stale)


def _check_described(new: NewUpload) -> None:
    if new.photo_type not in PHOTO_TYPES:
        raise Invalid.field("photo_type", f"must be one of {', '.join(PHOTO_TYPES)}")
    if new.client_key is not None:
        key = new.client_key
        if not key.strip() or len(key) > photos.CLIENT_KEY_MAX or not key.isprintable():
            limit = photos.CLIENT_KEY_MAX
            raise Invalid.field("client_key", f"must be 1 to {limit} printable characters")
    if new.length <= 0:
        raise Invalid.field("file", "is empty")


def _check_limits(uow: UnitOfWork, company: Company, new: NewUpload) -> None:
    limit = policy.upload_limit(uow, company)
    if new.length > limit:
        raise intake.too_large(limit)
    policy.check_upload_quota(uow, company, 1, new.length)


def _retried(
    uow: UnitOfWork, principal: Principal, existing: ResumableUpload, job_id: int, new: NewUpload
) -> UploadState:
    if not _own(existing, principal):
        raise Invalid.field("client_key", "is already used")
    if existing.job_id != job_id or existing.length != new.length:
        raise Invalid.field("client_key", "is already used by a different file")
    return _state(uow, existing)


def _locked(uow: UnitOfWork, principal: Principal, upload_ref: str) -> ResumableUpload:
    company = photos.photo_company(uow, principal, permissions.PHOTOS_MANAGE)
    upload = repository.locked(uow.session, company.id, _parse(upload_ref))
    if upload is None or _gone(upload) or not _own(upload, principal):
        raise NotFound("upload not found")
    return upload


def _own(upload: ResumableUpload, principal: Principal) -> bool:
    """An upload on its way is its uploader's alone, as a direct upload's pending photo is."""
    return upload.user_id == principal.user_id


def _complete(uow: UnitOfWork, principal: Principal, upload: ResumableUpload) -> None:
    """Join the parts and take the file through intake as one photo of the job."""
    incoming = _joined(uow, upload)
    details = photos.PhotoDetails(photo_type=upload.photo_type, client_key=upload.client_key)
    try:
        if upload.client_key is not None:
            received = photos.receive_with_key(uow, principal, incoming, details, upload.job_id)
            photo_id = received.photo.id
        else:
            [view] = photos.upload_to_job(uow, principal, upload.job_id, [incoming], details)
            photo_id = view.id
    except CoreError:
        # A refused file is not kept for another try: the upload and its parts go, and that
        # must be committed although the request answers with the refusal.
        _discard(uow, upload)
        uow.commit()
        raise
    finally:
        incoming.discard()
    upload.photo_id, upload.completed_at = photo_id, utcnow()
    _delete_parts_after_commit(uow, upload)
    upload.details = {"parts": []}


def _joined(uow: UnitOfWork, upload: ResumableUpload) -> IncomingFile:
    spool = Spool(uow.storage.staging_dir(), upload.length, upload.file_name or None)
    company = uow.session.get_one(Company, upload.company_id)
    try:
        for offset, _size in upload.details.get("parts", []):
            with uow.storage.open(keys.upload_part(company.uuid, upload.uuid, offset)) as part:
                while chunk := part.read(_COPY_CHUNK):
                    spool.write(chunk)
    except BaseException:
        spool.abort()
        raise
    return spool.finish()


def _discard(uow: UnitOfWork, upload: ResumableUpload) -> None:
    _delete_parts_after_commit(uow, upload)
    uow.session.delete(upload)
    uow.session.flush()


def _delete_parts_after_commit(uow: UnitOfWork, upload: ResumableUpload) -> None:
    company = uow.session.get_one(Company, upload.company_id)
    found = [
        keys.upload_part(company.uuid, upload.uuid, o) for o, _ in upload.details.get("parts", [])
    ]
    storage = uow.storage

    def delete_parts() -> None:
        for key in found:
            storage.delete(key)

    uow.after_commit(delete_parts)


def _gone(upload: ResumableUpload) -> bool:
    return upload.completed_at is None and upload.expires_at <= utcnow()


def _parse(upload_ref: str) -> UUID:
    try:
        return UUID(upload_ref)
    except ValueError:
        raise NotFound("upload not found") from None


def _state(uow: UnitOfWork, upload: ResumableUpload) -> UploadState:
    uow.session.flush()
    photo_uuid = None
    if upload.photo_id is not None:
        photo_uuid = uow.session.get_one(Photo, upload.photo_id).uuid
    return UploadState(upload.uuid, upload.length, upload.received, upload.expires_at, photo_uuid)
