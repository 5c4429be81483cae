"""`jobshots restore`: check the whole backup, then load it into an empty database and storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from jobshots.backups import common, media
from jobshots.backups.errors import BackupCorrupt, RestoreRefused
from jobshots.backups.manifest import MEDIA_DIR, Manifest, file_digest, read
from jobshots.config import Settings
from jobshots.core.evidence import signing
from jobshots.db.migrate import alembic_config
from jobshots.storage.base import Storage, StorageError


@dataclass
class Restored:
    """What a restore loaded, and what the operator should know about it."""

    manifest: Manifest
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def run(
    settings: Settings,
    directory: Path,
    *,
    force: bool = False,
    on_file: Callable[[], None] = lambda: None,
) -> Restored:
    """Restore the backup in `directory` into the configured database and storage."""
    manifest = read(directory)
    kind = common.database_kind(settings)
    if manifest.database_kind != kind:
        raise RestoreRefused(
            f"the backup is of a {manifest.database_kind} database; "
            f"JOBSHOTS_DATABASE_URL points at {kind}"
        )
    _check_files(directory, manifest)
    tool = common.database_tool(kind)
    storage = common.open_media(settings)
    _check_keys(settings, manifest, force)
    _check_empty(settings, storage, tool.holds_data(settings.database_url), force)
    # Files before rows, as the server itself stores them: a restore that stops half-way
    # leaves files no row names (removed by the orphan cleanup), never a row without its file.
    try:
        media.put_back(storage, directory / MEDIA_DIR, manifest.media, on_file)
    except (StorageError, OSError) as exc:
        raise RestoreRefused(f"copying the media into storage failed: {exc}") from exc
    tool.restore(directory / manifest.database_file.key, settings.database_url)
    counts = tool.counts(settings.database_url)
    differing = [
        f"{table}: {counts.get(table)} restored, {expected} in the backup"
        for table, expected in manifest.counts.items()
        if counts.get(table) != expected
    ]
    if differing:
        raise RestoreRefused(
            "the restored database differs from the backup: " + "; ".join(differing)
        )
    return Restored(manifest, counts, _warnings(settings, manifest))


def _check_files(directory: Path, manifest: Manifest) -> None:
    problems = media.problems(directory / MEDIA_DIR, manifest.media)
    dump = manifest.database_file
    try:
        size, sha256 = file_digest(directory / dump.key)
    except FileNotFoundError:
        problems.insert(0, f"{dump.key}: missing from the backup")
    else:
        if (size, sha256) != (dump.size, dump.sha256):
            problems.insert(0, f"{dump.key}: size or SHA-256 does not match the manifest")
    if problems:
        raise BackupCorrupt(problems)


def _check_keys(settings: Settings, manifest: Manifest, force: bool) -> None:
    if manifest.encryption_key_id in common.encryption_key_ids(settings) or force:
        return
    raise RestoreRefused(
        f"the backup's encrypted fields are sealed with key {manifest.encryption_key_id}, which "
        "is neither JOBSHOTS_ENCRYPTION_KEY nor in JOBSHOTS_PREVIOUS_ENCRYPTION_KEYS: set the "
        "key kept with the backup (or --force to restore with those fields unreadable)"
    )


def _check_empty(settings: Settings, storage: Storage, holds_data: bool, force: bool) -> None:
    if force:
        return
    if holds_data:
        raise RestoreRefused(
            "the target database already holds companies: restore into a new, empty database "
            "(or --force to replace its content)"
        )
    try:
        empty = media.is_empty(storage)
    except StorageError as exc:
        raise RestoreRefused(f"the target storage cannot be read: {exc}") from exc
    if not empty:
        raise RestoreRefused(
            f"the target storage ({settings.storage_url.split('?')[0]}) already holds files: "
            "restore into a new, empty one (or --force to write over it)"
        )


def _warnings(settings: Settings, manifest: Manifest) -> list[str]:
    found = _schema_warnings(manifest.schema_revision)
    if signing.signer(settings.signing_key_bytes).public_key != manifest.signing_public_key:
        found.append(
            "JOBSHOTS_SIGNING_KEY differs from the backed-up server's: its history and exports "
            f"verify with {manifest.signing_public_key} (`jobshots audit verify --public-key`)"
        )
    if manifest.missing:
        found.append(
            f"{len(manifest.missing)} file(s) rows point at were already gone from storage "
            "when the backup was taken (listed in the manifest's `missing`)"
        )
    return found


def _schema_warnings(revision: str | None) -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = scripts.get_current_head()
    if revision == head:
        return []
    try:
        known = revision is not None and scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        return [f"the backup's schema revision {revision} is unknown to this version (at {head})"]
    return [f"the backup's schema is at revision {revision}: run `jobshots db upgrade` (to {head})"]
