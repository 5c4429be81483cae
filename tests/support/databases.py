"""Fresh, migrated databases for tests: a SQLite file, or a new PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from jobshots.composition import upgrade_database as upgrade

PG_ENV = "JOBSHOTS_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str:
    """The configured PostgreSQL URL, or a visible skip when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    return url


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobshots.db'}"
        upgrade(url)
        yield url
        return
    admin = postgres_admin_url()
    name = f"jobshots_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(_libpq(admin), autocommit=True)
    except psycopg.OperationalError as exc:
        # Configured but unreachable is a failure, never a skip.
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
