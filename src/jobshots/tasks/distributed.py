"""The scaled-out runner: Procrastinate jobs in PostgreSQL, run by `jobshots worker` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

from jobshots.core.context import Context
from jobshots.core.tasks import Payload, Task
from jobshots.media.pipeline import configure_worker_process
from jobshots.tasks.decoding import decoding_pool
from jobshots.tasks.registry import TASK_NAMES, Handler, handlers
from jobshots.tasks.sweeper import Sweeper

log = logging.getLogger(__name__)

QUEUE = "media"
# A worker silent for this many heartbeats is taken to be dead.
STALLED_AFTER_BEATS = 3
_worker_handlers: dict[str, Handler] | None = None


def libpq_url(database_url: str) -> str:
    """The URL without SQLAlchemy's driver suffix, as psycopg expects it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def job_name(task_name: str) -> str:
    """The Procrastinate task that runs one of the core's tasks."""
    return f"jobshots.{task_name}"


def _job(task_name: str) -> Callable[..., None]:
    def run(**payload: int | str) -> None:
        if _worker_handlers is None:
            raise RuntimeError(f"{task_name} runs only inside `jobshots worker`")
        outcome = _worker_handlers[task_name](dict(payload))
        log.info("%s: %s", Task(task_name, Payload(payload)).key, outcome)

    run.__name__ = task_name
    return run


def make_app(database_url: str) -> procrastinate.App:
    """A Procrastinate app on the same PostgreSQL database as everything else."""
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(database_url))
    app = procrastinate.App(connector=connector)
    for name in TASK_NAMES:
        app.task(name=job_name(name), queue=QUEUE)(_job(name))
    return app


def ensure_schema(database_url: str) -> None:
    """Create Procrastinate's tables once; its schema lives beside ours, outside Alembic."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone() != (None,):
            return
    app = make_app(database_url)
    with app.open():
        app.schema_manager.apply_schema()


class ProcrastinateRunner:
    """Defers a job per task: at most one waiting and one running per task key."""

    def __init__(self, database_url: str) -> None:
        self._app = make_app(database_url).open()

    def enqueue(self, task: Task) -> None:
        """Defer the task; a job already waiting for the same task is enough."""
        # queueing_lock: one waiting job per key; lock: never two running at once, so a
        # duplicate waits, then finds its work done.
        deferrer = self._app.configure_task(
            job_name(task.name), queueing_lock=task.key, lock=task.key
        )
        with contextlib.suppress(AlreadyEnqueued):
            deferrer.defer(**task.payload)

    def close(self) -> None:
        """Close the connection pool."""
        self._app.close()


def close_abandoned_jobs(database_url: str, silent_for: float) -> int:
    """Mark failed the jobs of workers that stopped sending heartbeats (killed mid-job)."""
    # Their photos are still `stored`, so the recovery sweep queues the work again.

    async def close() -> int:
        app = make_app(database_url)
        async with app.open_async():
            abandoned = list(
                await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=silent_for)
            )
            for job in abandoned:
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        return len(abandoned)

    closed = asyncio.run(close())
    if closed:
        log.info("closed %d job(s) abandoned by stopped workers", closed)
    return closed


def run_worker(ctx: Context, concurrency: int) -> None:
    """Run jobs until stopped, sweeping for lost work alongside."""
    global _worker_handlers
    # Decoding in limited child processes: a hostile file never takes this worker down.
    decoders = decoding_pool(ctx.settings, concurrency)
    _worker_handlers = handlers(ctx, decoders)
    configure_worker_process()  # for what else here uses the image libraries (reports)
    heartbeat = ctx.settings.worker_heartbeat_seconds
    url = ctx.settings.database_url
    sweeper = Sweeper(
        ctx,
        ctx.tasks.enqueue,
        immediate_first_sweep=False,
        also=lambda: close_abandoned_jobs(url, STALLED_AFTER_BEATS * heartbeat),
    )
    sweeper.start()
    try:
        make_app(url).run_worker(
            queues=[QUEUE],
            concurrency=concurrency,
            update_heartbeat_interval=heartbeat,
            stalled_worker_timeout=STALLED_AFTER_BEATS * heartbeat,
        )
    finally:
        sweeper.stop()
        decoders.close()
