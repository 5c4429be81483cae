"""PostgreSQL: pg_dump (custom format) of an exported snapshot, and pg_restore back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import IsolationLevel
from sqlalchemy.engine import make_url

from jobshots.backups import snapshot_facts
from jobshots.backups.errors import BackupFailed, RestoreRefused
from jobshots.backups.snapshot import Snapshot

FILE_NAME = "database.pgdump"
_INSTALL_HINT = "install postgresql-client (Debian: apt-get install postgresql-client)"


def take(database_url: str, out: Path) -> Snapshot:
    """Dump the database as one snapshot, counted in that same snapshot."""
    conninfo, env = _libpq(database_url)
    try:
        with psycopg.connect(conninfo) as conn:
            conn.isolation_level = IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                _check_client("pg_dump", conn)
                row = conn.execute("SELECT pg_export_snapshot()").fetchone()
                assert row is not None
                facts = Snapshot(
                    counts=snapshot_facts.counts(conn),
                    schema_revision=snapshot_facts.schema_revision(conn),
                    referenced_keys=snapshot_facts.referenced_keys(conn),
                )
                # The exported snapshot lives as long as this transaction: dump inside it.
                _run(
                    ["pg_dump", "--format=custom", f"--snapshot={row[0]}", f"--file={out}"],
                    conninfo,
                    env,
                    BackupFailed,
                )
    except psycopg.Error as exc:
        raise BackupFailed(f"PostgreSQL backup failed: {exc}") from exc
    return facts


def holds_data(database_url: str) -> bool:
    """True when the target database has any company in it."""
    conninfo, _ = _libpq(database_url)
    try:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute("SELECT to_regclass('companies') IS NOT NULL").fetchone()
            if not row or not row[0]:
                return False
            return conn.execute("SELECT 1 FROM companies LIMIT 1").fetchone() is not None
    except psycopg.Error as exc:
        raise RestoreRefused(f"cannot reach the target database: {exc}") from exc


def restore(dump: Path, database_url: str) -> None:
    """Load the dump in one transaction, replacing any of its tables already there."""
    conninfo, env = _libpq(database_url)
    with psycopg.connect(conninfo) as conn:
        _check_client("pg_restore", conn)
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        str(dump),
    ]
    _run(command, conninfo, env, RestoreRefused)


def counts(database_url: str) -> dict[str, int]:
    """The restored database's row counts."""
    conninfo, _ = _libpq(database_url)
    with psycopg.connect(conninfo) as conn:
        return snapshot_facts.counts(conn)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without its password, and the environment that carries the password."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        # In the environment, not argv: other users can read a process's arguments.
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _check_client(program: str, conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Refuse when the client tool is missing or older than the server it talks to."""
    path = shutil.which(program)
    error = BackupFailed if program == "pg_dump" else RestoreRefused
    if path is None:
        raise error(f"{program} was not found on PATH: {_INSTALL_HINT}")
    version = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"\)\s*(\d+)", version)
    server_major = conn.info.server_version // 10000
    if found is None or int(found.group(1)) < server_major:
        raise error(
            f"{program} is older than the server (PostgreSQL {server_major}): install "
            f"postgresql-client-{server_major} or newer"
        )


def _run(
    command: list[str],
    conninfo: str,
    env: dict[str, str],
    error: type[Exception],
) -> None:
    result = subprocess.run(  # noqa: S603
        [*command, f"--dbname={conninfo}"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise error(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()}")
