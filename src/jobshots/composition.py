"""The composition root: the one place that connects settings to real components."""

from __future__ import annotations

from jobshots.config import Settings
from jobshots.core.context import Context
from jobshots.db.engine import make_engine, make_session_factory
from jobshots.db.migrate import upgrade
from jobshots.db.sealed import KeyRing
from jobshots.mailer.smtp import SmtpMailer
from jobshots.storage.factory import open_storage
from jobshots.tasks.base import DatabaseOnly
from jobshots.tasks.factory import runner_for


def build_context(settings: Settings, *, serving: bool = False) -> Context:
    """Connect the database, storage and mail server; start the task runner a process of this
    kind needs.

    `serving` is for `jobshots serve`: with SQLite, its worker threads and processes start
    here, so call it inside the server's lifespan, never at import.
    """
    engine = make_engine(settings.database_url)
    storage = open_storage(
        settings.storage_url,
        base_url=settings.base_url,
        signing_key=settings.derived_key("file-urls"),
    )
    ctx = Context(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(
            engine,
            KeyRing(settings.encryption_key_bytes, settings.previous_encryption_key_bytes),
        ),
        storage=storage,
        tasks=DatabaseOnly(),
        mailer=SmtpMailer(settings.smtp_url) if settings.smtp_url else None,
    )
    ctx.tasks = runner_for(ctx, serving=serving)
    return ctx


def upgrade_database(database_url: str) -> None:
    """Bring our schema to the newest revision and, on PostgreSQL, create the job queue's."""
    upgrade(database_url)
    if database_url.startswith("postgres"):
        from jobshots.tasks.distributed import ensure_schema

        ensure_schema(database_url)
