"""The embedded runner: worker threads for I/O, worker processes (one per core) for decoding."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from jobshots.core.context import Context
from jobshots.core.photos import processing
from jobshots.media.pipeline import DecodeJob, DecodeResult, configure_worker_process, decode
from jobshots.tasks.sweeper import Sweeper

log = logging.getLogger(__name__)


class LocalRunner:
    """Processes photos inside `jobshots serve`; the database is the queue's durable record."""

    def __init__(self, ctx: Context) -> None:
        workers = ctx.settings.media_workers
        self._ctx = ctx
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="jobshots-media")
        # forkserver: never fork a process that already runs threads and an event loop.
        context = multiprocessing.get_context("forkserver")
        self._decoders = ProcessPoolExecutor(
            workers, mp_context=context, initializer=configure_worker_process
        )
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._sweeper = Sweeper(ctx, self.enqueue_photo, immediate_first_sweep=True)

    def start(self) -> LocalRunner:
        """Start the recovery sweep (which first picks up anything left from a crash)."""
        self._sweeper.start()
        return self

    def enqueue_photo(self, photo_id: int) -> None:
        """Queue a photo unless it is already queued or running here."""
        with self._lock:
            if photo_id in self._in_flight:
                return
            self._in_flight.add(photo_id)
        self._threads.submit(self._run, photo_id)

    def close(self) -> None:
        """Stop sweeping and drop queued work (the sweep finds it again on the next start)."""
        self._sweeper.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._decoders.shutdown(wait=False, cancel_futures=True)

    def _decode(self, job: DecodeJob) -> DecodeResult:
        return self._decoders.submit(decode, job).result()

    def _run(self, photo_id: int) -> None:
        try:
            state = processing.process_photo(self._ctx, photo_id, self._decode)
            log.info("photo %s: %s", photo_id, state)
        except Exception:
            log.exception("photo %s: processing crashed", photo_id)
        finally:
            with self._lock:
                self._in_flight.discard(photo_id)
