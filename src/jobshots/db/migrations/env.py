"""Alembic environment: the same migrations for SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from jobshots.config import get_settings
from jobshots.db import models  # noqa: F401  (registers every table)
from jobshots.db.base import Base
from jobshots.db.engine import make_engine
from jobshots.db.migrate import owns_name

config = context.config


def run_migrations(connection: Connection) -> None:
    """Run with batch mode on SQLite, which cannot ALTER most things in place."""
    if connection.dialect.name != "sqlite":
        _run(connection)
        return
    # Batch mode rebuilds a table by dropping it: with foreign keys on, dropping `companies`
    # would cascade to every row that belongs to a company. The pragma only takes effect
    # outside a transaction, so it goes straight to the driver's (autocommit) connection.
    raw = connection.connection.driver_connection
    assert raw is not None
    assert not connection.in_transaction()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(connection)
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
    broken = raw.execute("PRAGMA foreign_key_check").fetchone()
    if broken is not None:
        raise RuntimeError(f"the migration left a row pointing nowhere: {tuple(broken)}")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=owns_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
