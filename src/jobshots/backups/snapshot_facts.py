"""What a database snapshot holds: row counts, schema revision, and the files its rows need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

COUNTED_TABLES = (
    "companies",
    "users",
    "jobs",
    "photos",
    "renditions",
    "documents",
    "case_notes",
    "audit_events",
)

# Stored files a row vouches for: originals once durable (and not purged by retention), their
# renditions, job documents, and finished PDF reports.
_REFERENCED_KEYS = """
SELECT storage_key FROM photos
 WHERE state IN ('stored', 'processed', 'failed') AND purged_at IS NULL
UNION ALL
SELECT r.storage_key FROM renditions r JOIN photos p ON p.id = r.photo_id
 WHERE p.purged_at IS NULL
UNION ALL
SELECT storage_key FROM documents
UNION ALL
SELECT storage_key FROM job_exports WHERE state = 'ready' AND storage_key IS NOT NULL
"""


class Cursor(Protocol):
    """The part of a DB-API cursor read here."""

    def fetchone(self) -> Sequence[Any] | None: ...

    def fetchall(self) -> Sequence[Sequence[Any]]: ...


class Connection(Protocol):
    """A DB-API connection with `execute` (sqlite3's and psycopg's both have it)."""

    def execute(self, query: Any) -> Cursor: ...


def counts(conn: Connection) -> dict[str, int]:
    """Rows in each table a person would miss."""
    tallies: dict[str, int] = {}
    for table in COUNTED_TABLES:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        tallies[table] = int(row[0]) if row else 0
    return tallies


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision the snapshot's schema is at."""
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def referenced_keys(conn: Connection) -> set[str]:
    """Every storage key a row of the snapshot needs."""
    return {str(row[0]) for row in conn.execute(_REFERENCED_KEYS).fetchall()}
