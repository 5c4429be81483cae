"""Parsing the public ids callers send: a malformed id is simply not found."""

from __future__ import annotations

import uuid

from jobshots.core.errors import NotFound


def parse_uuid(value: str | uuid.UUID, what: str) -> uuid.UUID:
    """The UUID in `value`, or NotFound naming `what`."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFound(f"{what} not found") from exc
