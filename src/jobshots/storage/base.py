"""The one interface every storage backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

# A store without a local root (S3) stages uploads in a folder of this name in the system's
# temporary directory, one per process.
STAGING_PREFIX = "jobshots-staging-"


class StorageError(Exception):
    """The store could not do what was asked (unreachable, refused, ...)."""


class UploadRefused(Exception):
    """A browser-style upload form was used against its policy; `too_large` says which way."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: send `fields` plus the file (last) as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]


class FileServer(Protocol):
    """A store whose download URLs and upload forms the Jobshots server answers itself."""

    def verify_download(self, key: str, ct: str, fn: str, exp: str, sig: str) -> bool:
        """True when a download URL's signature and expiry hold."""
        ...

    def path_for(self, key: str) -> Path:
        """The local file behind `key`; ValueError for an unsafe key."""
        ...

    def accept_upload(self, fields: dict[str, str], size: int) -> str:
        """The key an upload form's fields sign for; UploadRefused when the policy fails."""
        ...

    def staging_dir(self) -> Path:
        """Where incoming uploads are spooled."""
        ...

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Move a staged file to `key`."""
        ...


@dataclass(frozen=True)
class StoredFile:
    """One object as a listing finds it: its key, size and when it was last written (UTC)."""

    key: str
    size: int
    modified: datetime


def url_origin(url: str) -> str:
    """`scheme://host[:port]` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Storage(Protocol):
    """Where originals, renditions and documents live, addressed by key."""

    def file_server(self) -> FileServer | None:
        """The store as the server must serve it itself (local disk), or None (S3 serves itself)."""
        ...

    def staging_dir(self) -> Path:
        """A local directory where incoming uploads are spooled before `put_file`."""
        ...

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Move or upload a staged file to `key`; durable when this returns."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object; raises FileNotFoundError if absent."""
        ...

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes (fewer if the object is shorter)."""
        ...

    def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when there is no such object."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""
        ...

    def list_objects(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every object whose key starts with `prefix` (staging left out), read as it goes."""
        ...

    def download_url(self, key: str, *, content_type: str, filename: str, expires_in: int) -> str:
        """A URL that serves the object as-is to anyone holding it, until it expires."""
        ...

    def origin(self) -> str:
        """The scheme and host of its download URLs: what a page's policy must allow."""
        ...

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> UploadForm:
        """A form that lets its holder upload one object to exactly `key`, and nothing else."""
        ...

    def check(self) -> None:
        """Raise StorageError unless the store is reachable and writable."""
        ...
