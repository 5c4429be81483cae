"""The long-lived things a process needs: settings, database, storage, cipher."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from jobshots.config import Settings
from jobshots.core.crypto import FieldCipher
from jobshots.core.uow import UnitOfWork
from jobshots.db.engine import make_engine, make_session_factory
from jobshots.storage.base import Storage
from jobshots.storage.factory import open_storage
from jobshots.tasks.base import DatabaseOnly, TaskRunner


@dataclass
class Context:
    """Built once per process; passed to every service call through a unit of work."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    storage: Storage
    cipher: FieldCipher
    tasks: TaskRunner = field(default_factory=DatabaseOnly)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(self)

    def check(self) -> None:
        """Raise unless the database and storage are reachable."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self.storage.check()

    def close(self) -> None:
        """Stop background work and release pooled connections."""
        self.tasks.close()
        self.engine.dispose()


def derive_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose, derived from the server's secret key."""
    return hmac.new(settings.secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def build_context(settings: Settings) -> Context:
    """Connect everything the settings describe."""
    engine = make_engine(settings.database_url)
    storage = open_storage(
        settings.storage_url,
        base_url=settings.base_url,
        signing_key=derive_key(settings, "file-urls"),
    )
    return Context(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        storage=storage,
        cipher=FieldCipher(settings.encryption_key_bytes),
    )
