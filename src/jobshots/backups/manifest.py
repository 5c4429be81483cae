"""A backup's manifest: when, what schema, how many rows, and each file's size and SHA-256."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from jobshots.storage.digest import measured

MANIFEST_NAME = "manifest.json"
MEDIA_DIR = "media"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupUnreadable(Exception):
    """The directory holds no finished backup this version can read."""


@dataclass(frozen=True)
class BackedUpFile:
    """One file of the backup, as it was copied."""

    key: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """Everything a restore checks before it changes anything."""

    started_at: str
    finished_at: str
    database_kind: str
    database_file: BackedUpFile
    schema_revision: str | None
    counts: dict[str, int]
    encryption_key_id: str
    signing_public_key: str
    storage_kind: str
    media: list[BackedUpFile] = field(default_factory=list)
    # Files the snapshot's rows point at that storage no longer held when they were copied.
    missing: list[str] = field(default_factory=list)

    @property
    def media_bytes(self) -> int:
        """The media's total size."""
        return sum(item.size for item in self.media)

    def write(self, directory: Path) -> None:
        """Write the manifest last and atomically: its presence marks a finished backup."""
        partial = directory / f".{MANIFEST_NAME}.partial"
        data = {"format": FORMAT, **asdict(self)}
        with partial.open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        partial.replace(directory / MANIFEST_NAME)


def read(directory: Path) -> Manifest:
    """The manifest of the backup in `directory`; BackupUnreadable when there is none."""
    path = directory / MANIFEST_NAME
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupUnreadable(
            f"{path} is missing: not a backup, or the backup did not finish"
        ) from exc
    except (OSError, ValueError) as exc:
        raise BackupUnreadable(f"{path} cannot be read: {exc}") from exc
    if data.get("format") != FORMAT:
        raise BackupUnreadable(f"{path} has format {data.get('format')!r}; this reads {FORMAT}")
    try:
        data.pop("format")
        data["database_file"] = BackedUpFile(**data["database_file"])
        data["media"] = [BackedUpFile(**item) for item in data["media"]]
        return Manifest(**data)
    except (KeyError, TypeError) as exc:
        raise BackupUnreadable(f"{path} is not a backup manifest: {exc}") from exc


def copy_hashing(source: BinaryIO, dest: Path) -> tuple[int, str]:
    """Copy a stream to a new file, fsynced; its size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    with dest.open("xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256."""
    with path.open("rb") as f:
        return measured(f)
