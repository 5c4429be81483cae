"""The orphan sweep: stored files no committed row owns, removed once older than the grace."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobshots.core import audit
from jobshots.core.cleanup import repository
from jobshots.core.context import Context
from jobshots.core.photos import processing
from jobshots.core.uow import UnitOfWork
from jobshots.db.types import utcnow
from jobshots.storage import keys
from jobshots.storage.base import STAGING_PREFIX, StoredFile

log = logging.getLogger(__name__)

REMOVED = "storage.orphan_removed"
# Keys checked against the database per transaction.
BATCH = 500


@dataclass(frozen=True)
class Swept:
    """What one sweep removed: stored objects no row owns, and staged uploads and work folders
    left by killed processes."""

    orphans: int
    staged: int


def sweep(ctx: Context, now: datetime | None = None) -> Swept:
    """Remove the store's orphans, and the staged uploads and work folders of killed processes,
    older than the grace."""
    cutoff = (now or utcnow()) - timedelta(seconds=ctx.settings.orphan_grace_seconds)
    old = (f for f in ctx.storage.list_objects("companies/") if f.modified <= cutoff)
    orphans = 0
    for batch in _batches(old):
        with ctx.uow() as uow:
            orphans += _remove_unowned(uow, batch)
    temporary = Path(tempfile.gettempdir())
    leftovers = {
        *ctx.storage.staging_dir().iterdir(),
        *temporary.glob(f"{processing.WORK_FOLDER_PREFIX}*"),
        # Files only: a live process's staging folder must stay for its next upload.
        *(p for p in temporary.glob(f"{STAGING_PREFIX}*/*") if not p.is_dir()),
    }
    return Swept(orphans=orphans, staged=_remove_leftovers(sorted(leftovers), cutoff))


def _remove_unowned(uow: UnitOfWork, files: list[StoredFile]) -> int:
    """Record and (once recorded) delete each file of `files` whose row does not exist."""
    # A key no builder could have made is not ours to judge: it is left alone.
    named = [(f, parsed) for f in files if (parsed := keys.parse(f.key)) is not None]
    owned: set[tuple[object, object]] = set()
    for kind, group in itertools.groupby(
        sorted(named, key=lambda n: n[1].kind), lambda n: n[1].kind
    ):
        owned |= repository.owning(uow.session, kind, {parsed.entity for _, parsed in group})
    unowned = [(f, parsed) for f, parsed in named if (parsed.company, parsed.entity) not in owned]
    companies = repository.company_ids(uow.session, {parsed.company for _, parsed in unowned})
    storage = uow.storage
    for stored, parsed in unowned:
        data = {"key": stored.key, "size": stored.size, "stored_at": stored.modified.isoformat()}
        company_id = companies.get(parsed.company)
        if company_id is not None:
            audit.record(
                uow, None, REMOVED, parsed.kind, parsed.entity, company_id=company_id, data=data
            )
        log.info(
            "removing %s (%d bytes, stored %s): no row owns it",
            stored.key,
            stored.size,
            data["stored_at"],
        )
        uow.after_commit(lambda key=stored.key: storage.delete(key))  # type: ignore[misc]
    return len(unowned)


def _remove_leftovers(paths: list[Path], cutoff: datetime) -> int:
    """Delete staged uploads and work folders last written before `cutoff`: whatever made them
    died with its process (a live upload or task keeps writing, so stays younger)."""
    removed = 0
    for path in paths:
        try:
            written = _last_written(path)
            if written > cutoff:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue  # finished, or removed by another sweep, meanwhile
        log.info("removed %s, last written %s: what wrote it never finished", path, written)
        removed += 1
    return removed


def _last_written(path: Path) -> datetime:
    """When the file, or anything in the folder, was last written."""
    latest = path.lstat().st_mtime
    if path.is_dir():
        for folder, _, files in os.walk(path):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                with contextlib.suppress(FileNotFoundError):
                    latest = max(latest, os.lstat(name).st_mtime)
    return datetime.fromtimestamp(latest, tz=UTC)


def _batches(files: Iterable[StoredFile]) -> Iterator[list[StoredFile]]:
    iterator = iter(files)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch
