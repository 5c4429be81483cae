"""A photo's files as callers fetch them: the original and its renditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from jobshots.core.errors import NotFound
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Photo, Rendition


@dataclass(frozen=True)
class MediaFile:
    """Bytes to send, with what a response needs to describe them."""

    open: Callable[[], BinaryIO]
    size: int
    mime_type: str
    etag: str


def rendition(photo: Photo, version: str) -> Rendition:
    """A made rendition, or NotFound saying why it is not there (yet)."""
    made = photo.rendition(version)
    if made is not None:
        return made
    if photo.state == "failed":
        raise NotFound(f"the {version} could not be made: {photo.failure_reason}")
    raise NotFound(f"the {version} is not generated yet; the photo is still being processed")


def jpeg_file(uow: UnitOfWork, photo: Photo, version: str) -> MediaFile:
    """The JPEG of a version: the original when it is a JPEG already, else a rendition."""
    storage = uow.storage
    if version == "original" and photo.mime_type == "image/jpeg" and photo.file_size is not None:
        key = photo.storage_key
        return MediaFile(
            open=lambda: storage.open(key),
            size=photo.file_size,
            mime_type="image/jpeg",
            etag=f'"{photo.checksum_sha256}"',
        )
    made = rendition(photo, "large" if version == "original" else version)
    key = made.storage_key
    return MediaFile(
        open=lambda: storage.open(key),
        size=made.file_size,
        mime_type=made.mime_type,
        etag=f'"{made.uuid}-{made.file_size}"',
    )


def original_url(uow: UnitOfWork, photo: Photo) -> str:
    """An expiring URL that serves the original as it was uploaded."""
    return uow.storage.download_url(
        photo.storage_key,
        content_type=photo.mime_type or "application/octet-stream",
        filename=photo.file_name or f"{photo.uuid}",
        expires_in=uow.settings.file_url_ttl_seconds,
    )


def rendition_url(uow: UnitOfWork, photo: Photo, made: Rendition) -> str:
    """An expiring URL of a rendition."""
    extension = "mp4" if made.mime_type == "video/mp4" else "jpg"
    return uow.storage.download_url(
        made.storage_key,
        content_type=made.mime_type,
        filename=f"{photo.uuid}-{made.kind}.{extension}",
        expires_in=uow.settings.file_url_ttl_seconds,
    )
