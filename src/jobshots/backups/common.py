"""What a backup and a restore both read from the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from jobshots.backups import postgres, sqlite
from jobshots.backups.snapshot import Snapshot
from jobshots.config import Settings
from jobshots.db.sealed import KeyRing
from jobshots.storage.base import Storage
from jobshots.storage.factory import open_storage


class DatabaseTool(Protocol):
    """What `sqlite` and `postgres` each do for their kind of database."""

    FILE_NAME: str

    def take(self, database_url: str, out: Path) -> Snapshot: ...

    def holds_data(self, database_url: str) -> bool: ...

    def restore(self, dump: Path, database_url: str) -> None: ...

    def counts(self, database_url: str) -> dict[str, int]: ...


def database_kind(settings: Settings) -> str:
    """`postgresql` or `sqlite`."""
    return "postgresql" if settings.uses_postgresql else "sqlite"


def database_tool(kind: str) -> DatabaseTool:
    """The module that snapshots and restores that kind of database."""
    return postgres if kind == "postgresql" else sqlite


def storage_kind(settings: Settings) -> str:
    """`file` or `s3`."""
    return urlsplit(settings.storage_url).scheme


def open_media(settings: Settings) -> Storage:
    """The configured storage, as the server opens it."""
    return open_storage(
        settings.storage_url,
        base_url=settings.base_url,
        signing_key=settings.derived_key("file-urls"),
    )


def encryption_key_ids(settings: Settings) -> list[str]:
    """The ids (as sealed values carry them) of the current key, then the previous ones."""
    keys = [settings.encryption_key_bytes, *settings.previous_encryption_key_bytes]
    return [KeyRing(key).current_id.hex() for key in keys]
