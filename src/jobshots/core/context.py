"""The long-lived things a process needs: settings, database, storage, task runner, mailer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from jobshots.config import Settings
from jobshots.core.mail.mailer import Mailer
from jobshots.core.tasks import TaskRunner
from jobshots.core.uow import UnitOfWork
from jobshots.storage.base import Storage


@dataclass
class Context:
    """Built once per process by the composition root; every unit of work comes from it."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: Storage
    tasks: TaskRunner
    # None when no SMTP server is configured: notes meant for e-mail are then `skipped`.
    mailer: Mailer | None = None

    def uow(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(
            self.sessions, settings=self.settings, storage=self.storage, tasks=self.tasks
        )

    def check(self) -> None:
        """Raise unless the database and storage are reachable."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.storage.check()

    def close(self) -> None:
        """Stop background work and release pooled connections."""
        self.tasks.close()
        self.engine.dispose()
