"""`jobshots backup`: the database snapshot first, then the media, then the manifest."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from jobshots.backups import common, media
from jobshots.backups.errors import BackupFailed
from jobshots.backups.manifest import MEDIA_DIR, BackedUpFile, Manifest, file_digest
from jobshots.backups.snapshot import Snapshot
from jobshots.config import Settings
from jobshots.core.evidence import signing
from jobshots.storage.base import StorageError


def take(settings: Settings, directory: Path) -> Manifest:
    """Back up a running server into `directory` (new or empty) without stopping it.

    The snapshot comes first: every row in it has its file, since an original is durable
    before its row commits; an object stored after the snapshot is copied with no row, harmless.
    """
    _prepare(directory)
    try:
        return _take(settings, directory)
    except OSError as exc:
        _clear(directory)
        raise BackupFailed(f"writing the backup into {directory} failed: {exc}") from exc
    except BaseException:
        _clear(directory)  # it was empty: a failed backup leaves nothing half-written
        raise


def _take(settings: Settings, directory: Path) -> Manifest:
    started = _now()
    kind = common.database_kind(settings)
    tool = common.database_tool(kind)
    dump = directory / tool.FILE_NAME
    snapshot: Snapshot = tool.take(settings.database_url, dump)
    try:
        files = media.copy_out(common.open_media(settings), directory / MEDIA_DIR)
    except StorageError as exc:
        raise BackupFailed(f"copying the media failed: {exc}") from exc
    size, sha256 = file_digest(dump)
    manifest = Manifest(
        started_at=started,
        finished_at=_now(),
        database_kind=kind,
        database_file=BackedUpFile(key=dump.name, size=size, sha256=sha256),
        schema_revision=snapshot.schema_revision,
        counts=snapshot.counts,
        encryption_key_id=common.encryption_key_ids(settings)[0],
        signing_public_key=signing.signer(settings.signing_key_bytes).public_key,
        storage_kind=common.storage_kind(settings),
        media=files,
        missing=sorted(snapshot.referenced_keys - {item.key for item in files}),
    )
    manifest.write(directory)
    return manifest


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BackupFailed(f"{directory} is not a directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise BackupFailed(f"{directory} is not empty: back up into a new or empty directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupFailed(f"cannot create {directory}: {exc}") from exc


def _clear(directory: Path) -> None:
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
