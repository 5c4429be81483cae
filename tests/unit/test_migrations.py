"""The same migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect

from jobshots.db import models  # noqa: F401
from jobshots.db.base import Base
from jobshots.db.engine import normalise_url
from jobshots.db.migrate import owns_name, upgrade


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(_context(conn), Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert {"companies", "users", "api_keys", "jobs", "photos", "renditions"} <= tables


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            assert compare_metadata(_context(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_every_entity_has_an_integer_id_and_a_uuid() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == "job_tenants":
            continue
        assert "id" in table.c, table.name
        assert "uuid" in table.c, table.name


def _context(conn: Connection) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"include_name": owns_name})
