"""Turning a stored original into a described, rendered photo; safe to run any number of times."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jobshots.core import audit, intake
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import NotFound
from jobshots.core.evidence import duplicates, flags
from jobshots.core.ids import parse_uuid
from jobshots.core.photos import client_exif
from jobshots.core.tasks import Task
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, Photo, Rendition
from jobshots.db.types import utcnow
from jobshots.media import credentials, exif, sniff
from jobshots.media.pipeline import DecodeJob, DecodeResult, UnprocessableMedia, decode
from jobshots.storage import keys

log = logging.getLogger(__name__)

PROCESS_PHOTO = "process_photo"
MAX_ATTEMPTS = 3
# Each processing copies the original into a folder of this name, in the system's temporary
# directory; one left by a killed process is removed by core/cleanup/orphans.py.
WORK_FOLDER_PREFIX = "jobshots-media-"
Decoder = Callable[[DecodeJob], DecodeResult]
READY_STATES = ("stored",)
REPROCESS_STATES = ("stored", "processed", "failed")


def task_for(photo_id: int) -> Task:
    """The background task that processes one photo."""
    return Task(PROCESS_PHOTO, {"photo_id": photo_id})


def process_photo(ctx: Context, photo_id: int, decoder: Decoder, *, force: bool = False) -> str:
    """Process one photo and return its resulting state; a finished photo is left alone."""
    with ctx.uow() as uow:
        photo = uow.session.get(Photo, photo_id)
        if photo is None or photo.state not in (REPROCESS_STATES if force else READY_STATES):
            return photo.state if photo else "missing"
        company_uuid = uow.session.get_one(Company, photo.company_id).uuid
        photo_uuid, key = photo.uuid, photo.storage_key
    with tempfile.TemporaryDirectory(prefix=WORK_FOLDER_PREFIX) as work:
        try:
            source, sniffed, checksum = _fetch(ctx, key, Path(work))
            result = decoder(
                DecodeJob(source=source, kind=sniffed.kind, out_dir=Path(work) / "out")
            )
            stored = _store_renditions(ctx, company_uuid, photo_uuid, result)
            found = result.credentials or credentials.read(source, sniffed.mime_type)
        except UnprocessableMedia as exc:
            return _record_failure(ctx, photo_id, str(exc), permanent=True)
        except Exception as exc:
            log.exception("processing photo %s failed", photo_id)
            return _record_failure(ctx, photo_id, f"{type(exc).__name__}: {exc}", permanent=False)
    with ctx.uow() as uow:
        return _record_success(uow, photo_id, result, stored, checksum, found, force=force)


def awaiting_processing(
    ctx: Context, stored_before: datetime | None, limit: int = 500
) -> list[int]:
    """Photos stored but not processed (a crash or a lost enqueue left them), oldest first."""
    query = select(Photo.id).where(
        Photo.state == "stored", Photo.processing_attempts < MAX_ATTEMPTS
    )
    if stored_before is not None:
        query = query.where(Photo.stored_at <= stored_before)
    with ctx.uow() as uow:
        return list(uow.session.scalars(query.order_by(Photo.stored_at, Photo.id).limit(limit)))


def grace_cutoff(ctx: Context) -> datetime:
    """Photos stored before this have waited long enough to be picked up again."""
    return utcnow() - timedelta(seconds=ctx.settings.recovery_grace_seconds)


def _fetch(ctx: Context, key: str, work: Path) -> tuple[Path, sniff.Sniffed, str]:
    """Copy the original to local disk, hashing it, and decide its kind from its bytes again."""
    source = work / "original"
    digest = hashlib.sha256()
    with ctx.storage.open(key) as stream, source.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            out.write(chunk)
    (work / "out").mkdir()
    with source.open("rb") as head:
        sniffed = sniff.sniff(head.read(sniff.HEAD_BYTES))
    if not intake.PHOTOS.allows(sniffed):
        raise UnprocessableMedia(f"stored original is {sniffed.kind}, not an accepted type")
    return source, sniffed, digest.hexdigest()


def _store_renditions(
    ctx: Context, company_uuid: object, photo_uuid: object, result: DecodeResult
) -> list[Rendition]:
    """Put each rendition at its fixed key, so running twice overwrites, never duplicates."""
    made = []
    for rendered in result.renditions:
        extension = "mp4" if rendered.mime_type == "video/mp4" else "jpg"
        key = keys.rendition(company_uuid, photo_uuid, rendered.kind, extension)  # type: ignore[arg-type]
        ctx.storage.put_file(key, rendered.path, rendered.mime_type)
        made.append(
            Rendition(
                kind=rendered.kind,
                storage_key=key,
                mime_type=rendered.mime_type,
                width=rendered.width,
                height=rendered.height,
                file_size=rendered.size,
                created_at=utcnow(),
            )
        )
    return made


def _record_success(
    uow: UnitOfWork,
    photo_id: int,
    result: DecodeResult,
    renditions: list[Rendition],
    checksum: str,
    found: credentials.Credentials,
    *,
    force: bool,
) -> str:
    photo = uow.session.scalars(
        select(Photo).where(Photo.id == photo_id).with_for_update(of=Photo)
    ).one()
    if not force and photo.state not in READY_STATES:
        # Another run finished it meanwhile (a worker taken for dead, the sweep): it is done once.
        return photo.state
    photo.renditions.clear()
    uow.session.flush()
    photo.renditions.extend(renditions)
    if result.facts is not None:
        _describe(photo, result.facts)
    if result.video is not None:
        photo.width, photo.height = result.video.width, result.video.height
        photo.duration_seconds = result.video.duration_seconds
        photo.orientation = None
    # Direct uploads never streamed through the server: their hash is first known here.
    photo.checksum_sha256 = photo.checksum_sha256 or checksum
    photo.credentials = found.as_dict()
    duplicates.place(photo, result.perceptual_hash)
    photo.flags = _flags(uow, photo, result)
    photo.state = "processed"
    photo.processed_at = utcnow()
    photo.failure_reason = None
    audit.record(
        uow, None, "photo.processed", "photo", photo.uuid,
        company_id=photo.company_id, job_id=photo.job_id, data=_described(photo, checksum),
    )  # fmt: skip
    return photo.state


def _described(photo: Photo, checksum: str) -> dict[str, Any]:
    """What processing found, as the history keeps it: the bytes read, when, where, the flags."""
    return {
        "sha256": checksum,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "taken_at_source": photo.taken_at_source,
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "flags": [flag["code"] for flag in photo.flags or []],
    }


def _flags(uow: UnitOfWork, photo: Photo, result: DecodeResult) -> list[dict[str, Any]]:
    """The photo's dispute flags from what it now says and what its file stated."""
    facts = result.facts
    reading = flags.FileReading(
        is_video=result.video is not None,
        stated_time=facts.taken_at if facts is not None else None,
        stated_time_zoned=facts.taken_at_has_offset if facts is not None else True,
        credentials=photo.credentials,
    )
    company = uow.session.get_one(Company, photo.company_id)
    return flags.for_photo(
        photo, photo.job, company, reading, duplicates.matches(uow.session, photo)
    )


def _describe(photo: Photo, facts: exif.PhotoFacts) -> None:
    """Take what the file says, except where the client's own EXIF reading already said it."""
    photo.exif = facts.exif
    photo.orientation = facts.orientation
    photo.width, photo.height = facts.width, facts.height
    photo.latitude, photo.longitude, photo.altitude = (
        facts.latitude,
        facts.longitude,
        facts.altitude,
    )
    photo.location_source = "exif" if facts.latitude is not None else None
    client_time = photo.taken_at if photo.taken_at_source == "client" else None
    photo.taken_at, photo.taken_at_source = exif.choose_taken_at(
        facts.taken_at, client_time, photo.created_at
    )
    # Read again from what was stored, so processing twice gives the same answer.
    client_exif.apply(photo, client_exif.read(photo.client_exif))


def _record_failure(ctx: Context, photo_id: int, reason: str, *, permanent: bool) -> str:
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, photo_id)
        photo.processing_attempts += 1
        photo.failure_reason = reason[:2000]
        if permanent or photo.processing_attempts >= MAX_ATTEMPTS:
            photo.state = "failed"
        return photo.state


def photos_to_reprocess(
    ctx: Context, *, job_uuid: str | None = None, company_ref: str | None = None
) -> list[int]:
    """Ids of the photos an operator asked to process again (one job, one company, or all)."""
    query = select(Photo.id).where(Photo.state.in_(REPROCESS_STATES))
    with ctx.uow() as uow:
        if job_uuid is not None:
            job_id = uow.session.scalar(
                select(Job.id).where(Job.uuid == parse_uuid(job_uuid, "job"))
            )
            if job_id is None:
                raise NotFound("job not found")
            query = query.where(Photo.job_id == job_id)
        if company_ref is not None:
            query = query.where(Photo.company_id == companies.get(uow, company_ref).id)
        return list(uow.session.scalars(query.order_by(Photo.id)))


def reprocess(ctx: Context, photo_id: int, decoder: Decoder = decode) -> str:
    """Process a photo again here and now, whatever state it reached."""
    return process_photo(ctx, photo_id, decoder, force=True)
