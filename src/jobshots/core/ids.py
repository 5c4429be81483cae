"""Parsing the public ids callers send: a malformed id is simply not found."""

from __future__ import annotations

import uuid

from jobshots.core.errors import NotFound

# The range of an id column (PostgreSQL's 32-bit integer): an id outside it names nothing and
# must never reach SQL, where PostgreSQL refuses it and SQLite overflows.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def storable(value: int) -> bool:
    """True when `value` can be an id in the database."""
    return INT_MIN <= value <= INT_MAX


def parse_uuid(value: str | uuid.UUID, what: str) -> uuid.UUID:
    """The UUID in `value`, or NotFound naming `what`."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFound(f"{what} not found") from exc
