"""The same migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core import audit
from jobshots.core.evidence import chain
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
        # A link table, and counters keyed by caller and window: an id sequence would be spent
        # by every request's upsert (past 32 bits within a year at 100 requests a second).
        # And photo tallies, one row per company or job, kept by triggers.
        if table.name in ("job_tenants", "rate_counts", "photo_tallies", "job_photo_tallies"):
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


def test_workflows_keep_every_row_and_record_each_jobs_status(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0002")
    engine = create_engine(normalise_url(database_url))
    stamp = "2026-03-01 08:00:00"
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO companies (id, uuid, name, vat_rate, addons, settings, created_at,"
                    " updated_at) VALUES (1, :u, 'Old Co', 20, '[]', '{}', :t, :t)"
                ),
                {"u": "00000000-0000-0000-0000-000000000001", "t": stamp},
            )
            conn.execute(
                text(
                    "INSERT INTO job_statuses (id, uuid, company_id, code, name, stage,"
                    " requires_approval, sort_order, created_at, updated_at)"
                    " VALUES (1, :u, 1, 'open', 'Open', 'new', false, 0, :t, :t)"
                ),
                {"u": "00000000-0000-0000-0000-000000000101", "t": stamp},
            )
            for job_id in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO jobs (id, uuid, company_id, title, description, reference,"
                        " status_id, vat_rate, works_order_ref, invoice_number, quote_number,"
                        " is_recalled, awaiting_approval, created_at, updated_at)"
                        " VALUES (:i, :u, 1, 'Leak', '', :r, 1, 20, '', '', '', false, false,"
                        " :t, :t)"
                    ),
                    {
                        "i": job_id,
                        "u": f"00000000-0000-0000-0000-00000000020{job_id}",
                        "r": f"J00000{job_id}",
                        "t": stamp,
                    },
                )
        upgrade(database_url)
        with engine.connect() as conn:
            jobs = conn.execute(text("SELECT count(*) FROM jobs")).scalar_one()
            history = conn.execute(
                text("SELECT job_id, stage, pauses_sla FROM job_status_changes ORDER BY job_id")
            ).all()
            week = conn.execute(
                text("SELECT time_zone, bank_holidays FROM companies WHERE id = 1")
            ).one()
    finally:
        engine.dispose()
    # On SQLite the batch rebuild of `companies` once cascaded deletes to every job.
    assert jobs == 2
    assert [tuple(row) for row in history] == [(1, "new", False), (2, "new", False)]
    assert tuple(week) == ("Europe/London", "ENG")


def test_events_recorded_before_the_chain_are_chained_in_the_order_they_happened(
    database_url: str, tmp_path: Path
) -> None:
    command.downgrade(alembic_config(database_url), "0005")
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO companies (id, uuid, name, vat_rate, addons, settings, time_zone,"
                    " working_day_starts, working_day_ends, bank_holidays, created_at,"
                    " updated_at) VALUES (1, :u, 'Old Co', 20, '[]', '{}', 'Europe/London',"
                    " '09:00:00', '17:30:00', 'ENG', :t, :t)"
                ),
                {"u": "00000000-0000-0000-0000-000000000001", "t": "2026-01-01 00:00:00"},
            )
            for n, stamp in enumerate(["2026-02-03 10:00:00.250000", "2026-02-01 09:00:00",
                                       "2026-02-02 09:30:00"]):  # fmt: skip
                conn.execute(
                    text(
                        "INSERT INTO audit_events (uuid, company_id, action, entity_type,"
                        " data, created_at) VALUES (:u, 1, 'job.updated', 'job', :d, :t)"
                    ),
                    {
                        "u": f"00000000-0000-0000-0000-00000000030{n}",
                        "d": '{"changes": [{"field": "title", "before": "a", "after": "b"}]}',
                        "t": stamp,
                    },
                )
        upgrade(database_url)
        with engine.connect() as conn:
            order = [row[0] for row in conn.execute(
                text("SELECT uuid FROM audit_events ORDER BY seq"))]  # fmt: skip
    finally:
        engine.dispose()
    assert [str(u)[-1] for u in order] == ["1", "2", "0"]
    ctx = build_context(Settings(dev=True, database_url=database_url,
                                 storage_url=f"file://{tmp_path / 'media'}"))  # fmt: skip
    try:
        with ctx.uow() as uow:
            assert chain.verify(uow.session, 1, uow.signer.public_key).ok
            audit.record(uow, None, "job.updated", "job", None, company_id=1)
        with ctx.uow() as uow:
            verdict = chain.verify(uow.session, 1, uow.signer.public_key)
    finally:
        ctx.close()
    assert (verdict.ok, verdict.events) == (True, 4)
