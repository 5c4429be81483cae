"""A job as a ZIP: every live photo's original, byte for byte, and the signed manifests.

Store-only and streamed: the length is known before the first byte, and memory holds one
chunk of one original at a time, whatever the job's size.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from zipstream import ZIP_STORED, ZipStream  # type: ignore[import-untyped]

from jobshots.core import audit, permissions
from jobshots.core.evidence import chain
from jobshots.core.evidence.signing import Signer
from jobshots.core.exports import manifest, repository
from jobshots.core.exports.manifest import ExportedFile, JobHeading, Seal
from jobshots.core.exports.repository import Original
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Job
from jobshots.db.types import utcnow
from jobshots.storage.base import Storage
from jobshots.storage.digest import measured

CHUNK = 1024 * 1024


class OriginalChanged(Exception):
    """An original read back differs from what its photo records (size or SHA-256)."""


@dataclass(frozen=True)
class Download:
    """A file to stream: its name, its exact length, and its bytes as they are read."""

    filename: str
    length: int
    chunks: Iterator[bytes]


def job_zip(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, *, now: datetime | None = None
) -> Download:
    """The job's ZIP, to stream after this unit of work commits (which records the export)."""
    principal.require(permissions.PHOTOS_VIEW)
    job = jobs.get(uow, principal, job_ref)
    heading = JobHeading(str(job.uuid), job.reference, job.title, now or utcnow())
    originals = repository.live_originals(uow.session, job.company_id, job.id)
    files = [_exported(uow.storage, photo, n) for n, photo in enumerate(originals, 1)]
    archive = _archive(uow.storage, heading, files, _seal(uow, job.company_id), uow.signer)
    length = len(archive)
    audit.record(
        uow,
        principal,
        "job.exported",
        "job",
        job.uuid,
        job_id=job.id,
        data={"format": "zip", "photos": len(files), "bytes": length},
    )
    return Download(_filename(job), length, iter(archive))


def _exported(storage: Storage, photo: Original, number: int) -> ExportedFile:
    extension = photo.storage_key.rsplit(".", 1)[-1]
    size, sha256 = photo.file_size, photo.checksum_sha256
    if size is None or sha256 is None:
        # Recorded by every upload path today; photos from before that are measured once here.
        size, sha256 = _measured(storage, photo.storage_key)
    return ExportedFile(
        path=manifest.path_in_export(
            photo.photo_type, number, photo.file_name or photo.name, extension
        ),
        storage_key=photo.storage_key,
        size=size,
        sha256=sha256,
        photo_uuid=str(photo.uuid),
        photo_type=photo.photo_type,
        original_name=photo.file_name or photo.name,
        mime_type=photo.mime_type,
        taken_at=photo.taken_at,
        latitude=photo.latitude,
        longitude=photo.longitude,
        uploaded_by=photo.uploaded_by,
        flags=photo.flags or [],
    )


def _seal(uow: UnitOfWork, company_id: int) -> Seal:
    head = chain.head(uow.session, company_id)
    return Seal(
        company_id=company_id,
        head_seq=head.seq if head else None,
        head_hash=head.hash if head else None,
        head_signature=head.signature if head else None,
        public_key=uow.signer.public_key,
    )


def _archive(
    storage: Storage, heading: JobHeading, files: list[ExportedFile], seal: Seal, signer: Signer
) -> ZipStream:
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for item in files:
        archive.add(_VerifiedOriginal(storage, item), item.path, size=item.size)
    listing = manifest.as_csv(heading, files)
    signed = manifest.as_json(heading, files, seal, listing)
    archive.add(signed, manifest.JSON_NAME)
    archive.add(listing, manifest.CSV_NAME)
    archive.add(f"{signer.sign(signed)}\n".encode(), manifest.SIGNATURE_NAME)
    return archive


class _VerifiedOriginal:
    """An original's bytes read from storage as the archive asks for them, checked at the end
    against the size and SHA-256 the manifest declares: a changed original stops the stream."""

    def __init__(self, storage: Storage, item: ExportedFile) -> None:
        self._storage = storage
        self._item = item

    def __iter__(self) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        with self._storage.open(self._item.storage_key) as original:
            while chunk := original.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        if size != self._item.size or digest.hexdigest() != self._item.sha256:
            raise OriginalChanged(f"{self._item.path}: the stored original no longer matches")


def _measured(storage: Storage, key: str) -> tuple[int, str]:
    with storage.open(key) as original:
        return measured(original)


def _filename(job: Job) -> str:
    """`J-0001-boiler-service.zip`: ASCII, safe in any header or file system."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{job.reference} {job.title}").strip("-")
    return f"{stem[:80].rstrip('-') or 'job'}.zip"
