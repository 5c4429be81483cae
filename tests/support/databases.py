"""Fresh, migrated databases for tests: a SQLite file, or a new PostgreSQL database."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from jobshots.composition import upgrade_database as upgrade

PG_ENV = "JOBSHOTS_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]

# Each test process migrates one template per backend and copies it for every fresh database:
# a migration costs over a second, a copy a few milliseconds (SQLite) or a tenth (PostgreSQL).
_templates: dict[str, str] = {}
_templates_lock = threading.Lock()
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
# What `finish` removes once the pending drops are done: the templates.
_afterwards: list[Callable[[], object]] = []


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
        path = tmp_path / "jobshots.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)
        yield f"sqlite:///{path}"
        return
    admin = postgres_admin_url()
    template = _postgres_template(admin)
    name = f"jobshots_test_{uuid.uuid4().hex[:12]}"
    with _admin(admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        drop_later(admin, name)


def drop_later(admin: str, name: str) -> None:
    """Drop a test database beside the next tests: dropping waits on a checkpoint (up to
    seconds). `finish` waits for it."""
    _dropper.submit(_drop, admin, name)


def finish() -> None:
    """Wait for the pending drops, then remove this process's templates: at the end of a test
    session (pytest-xdist's workers exit without running atexit), else at exit."""
    global _dropper
    _dropper.shutdown(wait=True)
    _dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
    with _templates_lock:
        while _afterwards:
            _afterwards.pop()()
        _templates.clear()


atexit.register(finish)


def _sqlite_template() -> Path:
    """This process's migrated SQLite file, made on first use."""
    with _templates_lock:
        if "sqlite" not in _templates:
            folder = Path(tempfile.mkdtemp(prefix="jobshots-template-"))
            _afterwards.append(lambda: shutil.rmtree(folder, ignore_errors=True))
            path = folder / "template.db"
            upgrade(f"sqlite:///{path}")
            # The migration's connections are closed, so its WAL is folded into the file.
            assert not path.with_name("template.db-wal").exists()
            _templates["sqlite"] = str(path)
        return Path(_templates["sqlite"])


def _postgres_template(admin: str) -> str:
    """This process's migrated PostgreSQL database to copy, made on first use."""
    with _templates_lock:
        if "postgresql" not in _templates:
            name = f"jobshots_template_{uuid.uuid4().hex[:12]}"
            with _admin(admin) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            _afterwards.append(lambda: _drop(admin, name))
            upgrade(make_url(admin).set(database=name).render_as_string(hide_password=False))
            _templates["postgresql"] = name
        return _templates["postgresql"]


def _drop(admin: str, name: str) -> None:
    try:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"could not drop the test database {name}: {exc}", file=sys.stderr)


def _admin(admin: str) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(_libpq(admin), autocommit=True)
    except psycopg.OperationalError as exc:
        # Configured but unreachable is a failure, never a skip.
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc}")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
