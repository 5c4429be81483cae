"""Rows written with PostgreSQL's COPY, in its text format, a megabyte at a time."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import psycopg

_CHUNK = 1 << 20
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(
    conn: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write `rows` (values in `columns`' order) into `table`; how many were written."""
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        lines: list[str] = []
        size = 0
        for row in rows:
            line = "\t".join(map(field, row)) + "\n"
            lines.append(line)
            size += len(line)
            count += 1
            if size >= _CHUNK:
                copy.write("".join(lines).encode())
                lines, size = [], 0
        copy.write("".join(lines).encode())
    return count


def field(value: Any) -> str:
    """One value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    raise TypeError(f"no COPY text for {type(value).__name__}")
