"""SQLite: a snapshot through the online backup API, and a restore the same way back."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from jobshots.backups import snapshot_facts
from jobshots.backups.errors import BackupFailed, RestoreRefused
from jobshots.backups.snapshot import Snapshot

FILE_NAME = "database.sqlite3"


def database_path(database_url: str) -> Path:
    """The database file a `sqlite:///...` URL names."""
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupFailed(f"the SQLite database URL names no file: {database_url}")
    return Path(path)


def take(database_url: str, out: Path) -> Snapshot:
    """Copy the live database to `out` in one step of the backup API: one consistent read."""
    source = database_path(database_url)
    if not source.is_file():
        raise BackupFailed(f"no SQLite database at {source}")
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as live,
            contextlib.closing(sqlite3.connect(out)) as copy,
        ):
            # pages=-1: every page in one step, so writers committing meanwhile are not seen.
            live.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            snapshot = _facts(copy)
    except sqlite3.Error as exc:
        raise BackupFailed(f"the SQLite backup of {source} failed: {exc}") from exc
    _fsync(out)
    return snapshot


def holds_data(database_url: str) -> bool:
    """True when the target database has any company in it."""
    path = database_path(database_url)
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'companies'"
            ).fetchone()
            return bool(exists) and bool(conn.execute("SELECT 1 FROM companies LIMIT 1").fetchone())
    except sqlite3.Error as exc:
        raise RestoreRefused(f"cannot read the target database {path}: {exc}") from exc


def restore(dump: Path, database_url: str) -> None:
    """Replace the target database's whole content with the backup's, page for page."""
    target = database_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as saved,
            contextlib.closing(sqlite3.connect(target, timeout=30)) as live,
        ):
            saved.backup(live, pages=-1)
            live.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise RestoreRefused(f"restoring the SQLite database into {target} failed: {exc}") from exc


def counts(database_url: str) -> dict[str, int]:
    """The restored database's row counts."""
    with contextlib.closing(sqlite3.connect(database_path(database_url), timeout=30)) as conn:
        return snapshot_facts.counts(conn)


def _facts(conn: sqlite3.Connection) -> Snapshot:
    return Snapshot(
        counts=snapshot_facts.counts(conn),
        schema_revision=snapshot_facts.schema_revision(conn),
        referenced_keys=snapshot_facts.referenced_keys(conn),
    )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
