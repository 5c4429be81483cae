"""Incoming files spooled to the staging directory while they stream in."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

HEAD_BYTES = 256 * 1024


class TooLarge(Exception):
    """The stream went past the spool's limit; what was written is already discarded."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"file is larger than the {limit} byte limit")
        self.limit = limit


@dataclass(frozen=True)
class IncomingFile:
    """A received file: where it is spooled, its size, its SHA-256 and its first bytes."""

    path: Path
    size: int
    sha256: str
    head: bytes
    filename: str | None

    def discard(self) -> None:
        """Remove the spooled bytes (after they were stored, or on refusal)."""
        self.path.unlink(missing_ok=True)


class Spool:
    """Writes a stream to a staging file, hashing it and cutting it off at `limit` bytes.

    Not fsynced here: the storage put that keeps the file makes it durable (a rename and an
    fsync on local disk), and a file staged for S3 is deleted once sent.
    """

    def __init__(self, staging_dir: Path, limit: int, filename: str | None) -> None:
        fd, name = tempfile.mkstemp(dir=staging_dir, prefix="upload-")
        self._file = os.fdopen(fd, "wb")
        self._path = Path(name)
        self._limit = limit
        self._size = 0
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._filename = clean_filename(filename)

    def write(self, chunk: bytes | memoryview) -> None:
        """Append a chunk; raises TooLarge (and discards everything) past the limit."""
        self._size += len(chunk)
        if self._size > self._limit:
            self.abort()
            raise TooLarge(self._limit)
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> IncomingFile:
        """Close and describe the file."""
        self._file.close()
        return IncomingFile(
            path=self._path,
            size=self._size,
            sha256=self._hash.hexdigest(),
            head=bytes(self._head),
            filename=self._filename,
        )

    def abort(self) -> None:
        """Close and delete the partial file."""
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)


def clean_filename(name: str | None) -> str | None:
    """The base name a client gave, without any path, controls, or excess length."""
    if not name:
        return None
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or None
