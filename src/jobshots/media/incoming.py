"""Incoming files spooled to the staging directory while they stream in."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path, PurePath

from jobshots.core.errors import TooLarge

HEAD_BYTES = 256 * 1024
BACKLOG_BYTES = 1024 * 1024
_WRITERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="jobshots-spool")


@dataclass(frozen=True)
class IncomingFile:
    """A received file: where it is spooled, its size, its SHA-256 and its first bytes."""

    path: Path
    size: int
    sha256: str
    head: bytes
    filename: str | None
    declared_type: str | None

    def discard(self) -> None:
        """Remove the spooled bytes (after they were stored, or on refusal)."""
        self.path.unlink(missing_ok=True)


class Spool:
    """Writes a stream to a staging file, hashing it and cutting it off at `limit` bytes.

    Hashing and writing happen on a writer thread (both release the GIL), so an event loop
    feeding `write` keeps receiving while the previous chunks go to disk.
    """

    def __init__(
        self, staging_dir: Path, limit: int, filename: str | None, declared_type: str | None
    ) -> None:
        fd, name = tempfile.mkstemp(dir=staging_dir, prefix="upload-")
        self._file = os.fdopen(fd, "wb")
        self._path = Path(name)
        self._limit = limit
        self._size = 0
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._filename = clean_filename(filename)
        self._declared_type = declared_type
        self._lock = threading.Lock()
        self._pending: deque[bytes] = deque()
        self._backlog = 0
        self._drain: Future[None] | None = None

    def write(self, chunk: bytes) -> None:
        """Queue a chunk; raises TooLarge (and discards everything) past the limit."""
        self._size += len(chunk)
        if self._size > self._limit:
            self.abort()
            raise TooLarge(
                f"file is larger than the {self._limit} byte limit",
                {"file": [f"must be at most {self._limit} bytes"]},
            )
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
        with self._lock:
            self._pending.append(chunk)
            self._backlog += len(chunk)
            if self._drain is None or self._drain.done():
                self._surface_error()
                self._drain = _WRITERS.submit(self._write_pending)

    async def drained(self, high_water: int = BACKLOG_BYTES) -> None:
        """Wait for the writer when more than `high_water` bytes are queued (bounded memory)."""
        drain = self._drain
        if drain is not None and self._backlog > high_water:
            await asyncio.wrap_future(drain)

    async def finish_async(self) -> IncomingFile:
        """`finish` without blocking the event loop."""
        if self._drain is not None:
            await asyncio.wrap_future(self._drain)
        return await asyncio.to_thread(self.finish)

    def finish(self) -> IncomingFile:
        """Wait for the writer, flush to disk and describe the file."""
        if self._drain is not None:
            self._drain.result()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return IncomingFile(
            path=self._path,
            size=self._size,
            sha256=self._hash.hexdigest(),
            head=bytes(self._head),
            filename=self._filename,
            declared_type=self._declared_type,
        )

    def abort(self) -> None:
        """Stop writing, close and delete the partial file."""
        with self._lock:
            self._pending.clear()
        if self._drain is not None:
            wait([self._drain])
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)

    def _write_pending(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                chunk = self._pending.popleft()
            self._hash.update(chunk)
            self._file.write(chunk)
            with self._lock:
                self._backlog -= len(chunk)

    def _surface_error(self) -> None:
        if self._drain is not None and self._drain.exception() is not None:
            raise OSError("writing the upload to staging failed") from self._drain.exception()


def clean_filename(name: str | None) -> str | None:
    """The base name a client gave, without any path, controls, or excess length."""
    if not name:
        return None
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or None
