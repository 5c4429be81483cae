"""Finding work that a crash or a lost enqueue left behind, at start and then periodically."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from jobshots.core.cleanup import orphans
from jobshots.core.context import Context
from jobshots.core.evidence import retention
from jobshots.core.exports import reports
from jobshots.core.tasks import Task
from jobshots.core.uploads import resumable
from jobshots.tasks.registry import waiting

log = logging.getLogger(__name__)


class Sweeper:
    """A daemon thread that enqueues again the work the database says is unfinished."""

    def __init__(
        self,
        ctx: Context,
        enqueue: Callable[[Task], None],
        *,
        immediate_first_sweep: bool,
        also: Callable[[], object] | None = None,
    ) -> None:
        self._ctx = ctx
        self._enqueue = enqueue
        self._also = also
        # With in-process workers nothing can be in flight at start, so the first sweep
        # takes everything; shared workers wait out the grace period like later sweeps.
        self._immediate = immediate_first_sweep
        self._stop = threading.Event()
        self._next_cleanup = 0.0
        self._thread = threading.Thread(target=self._loop, name="jobshots-sweeper", daemon=True)

    def start(self) -> None:
        """Begin sweeping."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current sweep."""
        self._stop.set()

    def sweep(self, *, everything: bool = False) -> int:
        """Enqueue what is waiting; return how many tasks were enqueued."""
        found = waiting(self._ctx, everything=everything)
        if self._also is not None:
            self._also()
        with self._ctx.uow() as uow:
            abandoned = resumable.sweep(uow, None)
            outdated = reports.sweep(uow)
            purged = retention.sweep(uow)
        if abandoned:
            log.info("removed %d expired unfinished upload(s)", abandoned)
        if outdated:
            log.info("removed %d expired job report(s)", outdated)
        if purged:
            log.info("purged the files of %d photo(s) deleted before the retention period", purged)
        for task in found:
            self._enqueue(task)
        if found:
            log.info("recovery sweep re-enqueued %d task(s)", len(found))
        self._clean_up()
        return len(found)

    def _clean_up(self) -> None:
        """Remove files a crash left without a row, listing the store at most once per interval."""
        if time.monotonic() < self._next_cleanup:
            return
        self._next_cleanup = time.monotonic() + self._ctx.settings.orphan_sweep_interval_seconds
        swept = orphans.sweep(self._ctx)
        if swept.orphans or swept.staged:
            log.info(
                "removed %d stored file(s) no row owns and %d stale staged upload(s)",
                swept.orphans,
                swept.staged,
            )

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.sweep(everything=first and self._immediate)
            except Exception:
                log.exception("recovery sweep failed; will try again")
            first = False
            self._stop.wait(self._ctx.settings.recovery_interval_seconds)
