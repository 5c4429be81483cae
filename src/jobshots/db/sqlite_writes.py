"""SQLite transactions: reads take no lock; writers queue in the process for the one write lock.

SQLite has a single write lock per database. Taking it at the first statement of every unit of
work (BEGIN IMMEDIATE) made every read, and every streamed list to its last byte, wait for it,
and SQLite's own busy handler polls in sleeps, so under load writers starved and timed out.
Here a statement that only reads runs on its own snapshot, as a statement does under
PostgreSQL's READ COMMITTED; the first statement that writes, or reads FOR UPDATE (a row lock
on PostgreSQL), first waits its turn on an in-process lock and then opens BEGIN IMMEDIATE, so
everything the transaction read from then on stays true until it commits. The lock is handed
on when the connection goes back to the pool, after its commit or rollback.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection, ExecutionContext
from sqlalchemy.pool import ConnectionPoolEntry

# The same patience as SQLite's busy timeout, for a writer waiting on others in this process.
WAIT_SECONDS = 30.0
HOLDS = "jobshots_sqlite_writer"
READ_PREFIXES = ("SELECT", "PRAGMA", "EXPLAIN")


def queue_writers(engine: Engine, wait: float = WAIT_SECONDS) -> None:
    """Run reads unlocked and let writers of `engine` take SQLite's write lock one at a time."""
    turn = threading.Lock()

    def before_cursor_execute(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        proxied = conn.connection
        if proxied.dbapi_connection is None or proxied.dbapi_connection.in_transaction:
            return
        if _only_reads(statement, context):
            return
        held = proxied.record_info
        if held is not None and not held.get(HOLDS):
            if not turn.acquire(timeout=wait):
                raise sqlite3.OperationalError("database is locked")
            held[HOLDS] = True
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            _hand_on(held, turn)
            raise

    def returned(_dbapi: DBAPIConnection | None, record: ConnectionPoolEntry, *_: Any) -> None:
        _hand_on(record.record_info, turn)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    for name in ("checkin", "invalidate", "soft_invalidate", "close", "detach"):
        event.listen(engine.pool, name, returned)


def _only_reads(statement: str, context: ExecutionContext | None) -> bool:
    """True for a statement that neither writes nor locks rows."""
    compiled = getattr(context, "compiled", None)
    element = getattr(compiled, "statement", None)
    if element is not None and not getattr(element, "is_text", False):
        return bool(getattr(element, "is_select", False)) and (
            getattr(element, "_for_update_arg", None) is None
        )
    return statement.lstrip().upper().startswith(READ_PREFIXES)


def _hand_on(held: dict[Any, Any] | None, turn: threading.Lock) -> None:
    """Release the writers' lock if this connection holds it."""
    if held is not None and held.pop(HOLDS, False):
        turn.release()
