"""The embedded runner: worker threads for I/O, limited worker processes (one per core) for
decoding."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from jobshots.core.context import Context
from jobshots.core.tasks import Task
from jobshots.tasks.decoding import decoding_pool
from jobshots.tasks.registry import handlers
from jobshots.tasks.sweeper import Sweeper

log = logging.getLogger(__name__)


class LocalRunner:
    """Runs tasks inside `jobshots serve`; the database is the queue's durable record."""

    def __init__(self, ctx: Context) -> None:
        workers = ctx.settings.media_workers
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="jobshots-task")
        # A file that goes past a limit kills only its own worker, which is replaced.
        self._decoders = decoding_pool(ctx.settings, workers)
        self._handlers = handlers(ctx, self._decoders)
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._sweeper = Sweeper(ctx, self.enqueue, immediate_first_sweep=True)

    def start(self) -> LocalRunner:
        """Start the recovery sweep (which first picks up anything left from a crash)."""
        self._sweeper.start()
        return self

    def enqueue(self, task: Task) -> None:
        """Queue a task unless the same one is already queued or running here."""
        with self._lock:
            if task.key in self._in_flight:
                return
            self._in_flight.add(task.key)
        self._threads.submit(self._run, task)

    def close(self) -> None:
        """Stop sweeping and drop queued work (the sweep finds it again on the next start)."""
        self._sweeper.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._decoders.close()

    def _run(self, task: Task) -> None:
        try:
            outcome = self._handlers[task.name](task.payload)
            log.info("%s: %s", task.key, outcome)
        except Exception:
            log.exception("%s: crashed", task.key)
        finally:
            with self._lock:
                self._in_flight.discard(task.key)
