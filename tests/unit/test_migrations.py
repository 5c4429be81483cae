"""The same migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text

from jobshots.db import models  # noqa: F401
from jobshots.db.base import Base
from jobshots.db.engine import normalise_url
from jobshots.db.migrate import alembic_config, owns_name, upgrade


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


def test_the_first_releases_statuses_and_priorities_keep_their_meaning(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0001")
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO companies (id, uuid, name, vat_rate, addons, settings, created_at,"
                    " updated_at) VALUES (1, :u, 'Old Co', 20, '[]', '{}', :t, :t)"
                ),
                {"u": "00000000-0000-0000-0000-000000000001", "t": "2026-01-01 00:00:00"},
            )
            for i, (code, closed) in enumerate(
                [
                    ("new", False),
                    ("scheduled", False),
                    ("completed", True),
                    ("on_hold", False),
                    ("written_off", True),
                ]
            ):
                conn.execute(
                    text(
                        "INSERT INTO job_statuses (id, uuid, company_id, code, name, is_closed,"
                        " requires_approval, sort_order, created_at, updated_at)"
                        " VALUES (:i, :u, 1, :c, :c, :closed, false, :i, :t, :t)"
                    ),
                    {
                        "i": i + 1,
                        "u": f"00000000-0000-0000-0000-00000000010{i}",
                        "c": code,
                        "closed": closed,
                        "t": "2026-01-01 00:00:00",
                    },
                )
            conn.execute(
                text(
                    "INSERT INTO job_priorities (id, uuid, company_id, name, sla_hours, sort_order,"
                    " created_at, updated_at) VALUES (1, :u, 1, 'Urgent', 24, 0, :t, :t)"
                ),
                {"u": "00000000-0000-0000-0000-000000000201", "t": "2026-01-01 00:00:00"},
            )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, stage FROM job_statuses"))
            stages = {row[0]: row[1] for row in rows}
            targets = conn.execute(
                text("SELECT response_target, completion_target FROM job_priorities")
            ).one()
    finally:
        engine.dispose()
    assert stages == {
        "new": "new",
        "scheduled": "assigned",
        "completed": "complete",
        "on_hold": "new",
        "written_off": "closed",
    }
    assert tuple(targets) == (None, 24)
