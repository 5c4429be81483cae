"""The bytes a history event is hashed over: one canonical form, for the core and migrations."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The hash before a company's first event.
GENESIS = "0" * 64
# Every column of an event that the hash covers; job_id is only a pointer, cleared with its job.
HASHED = (
    "uuid", "company_id", "seq", "prev_hash", "created_at", "action", "entity_type",
    "entity_uuid", "job_uuid", "actor_user_id", "api_key_id", "ip", "data",
)  # fmt: skip


def event_hash(event: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of an event's canonical JSON: sorted keys, no spaces, UTF-8."""
    return hashlib.sha256(canonical(event)).hexdigest()


def canonical(event: Mapping[str, Any]) -> bytes:
    """An event's hashed columns as canonical JSON, the same whichever database stored it."""
    body = {name: _plain(event[name]) for name in HASHED}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def head_message(company_id: int, seq: int, head_hash: str) -> bytes:
    """What the server's key signs for a chain head."""
    return f"jobshots-history-head:v1:{company_id}:{seq}:{head_hash}".encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)
