"""The media: copied out of storage into the backup, checked, and put back into storage."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from jobshots.backups.manifest import BackedUpFile, copy_hashing, file_digest
from jobshots.storage.base import Storage


def copy_out(storage: Storage, media_dir: Path) -> list[BackedUpFile]:
    """Copy every object in storage, renditions and documents included, hashing as it goes."""
    copied: list[BackedUpFile] = []
    for item in storage.list_objects():
        dest = media_dir / item.key
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(item.key) as source:
                size, sha256 = copy_hashing(source, dest)
        except FileNotFoundError:
            continue  # deleted since it was listed: no row of the snapshot can need it
        copied.append(BackedUpFile(key=item.key, size=size, sha256=sha256))
    return copied


def is_empty(storage: Storage) -> bool:
    """True when the store holds no object at all."""
    return next(iter(storage.list_objects()), None) is None


def problems(media_dir: Path, files: Iterable[BackedUpFile]) -> list[str]:
    """One line for each file of the backup that is missing or differs from its manifest entry."""
    found: list[str] = []
    for item in files:
        path = media_dir / item.key
        try:
            size, sha256 = file_digest(path)
        except FileNotFoundError:
            found.append(f"{item.key}: missing from the backup")
            continue
        if size != item.size:
            found.append(f"{item.key}: {size} bytes, the manifest says {item.size}")
        elif sha256 != item.sha256:
            found.append(
                f"{item.key}: SHA-256 {sha256} does not match the manifest's {item.sha256}"
            )
    return found


def put_back(
    storage: Storage, media_dir: Path, files: Iterable[BackedUpFile], on_file: Callable[[], None]
) -> None:
    """Write each file into storage through its own durable put (a temporary copy is moved)."""
    staging = storage.staging_dir()
    for item in files:
        fd, name = tempfile.mkstemp(dir=staging, prefix="restore-")
        temporary = Path(name)
        try:
            with os.fdopen(fd, "wb") as out, (media_dir / item.key).open("rb") as source:
                shutil.copyfileobj(source, out)
            content_type = mimetypes.guess_type(item.key)[0] or "application/octet-stream"
            storage.put_file(item.key, temporary, content_type)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        on_file()
