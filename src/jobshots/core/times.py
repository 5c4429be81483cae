"""Reading and writing the timestamps clients send and receive."""

from __future__ import annotations

from datetime import UTC, datetime

from jobshots.core.errors import Invalid


def parse_client_time(value: str | None, field: str) -> datetime | None:
    """An ISO 8601 time from a client, as UTC; naive times are taken as UTC."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid.field(field, "must be an ISO 8601 timestamp") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso_seconds(value: datetime | None) -> str | None:
    """`2025-01-15T10:00:00Z`, or None."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def iso_millis(value: datetime | None) -> str | None:
    """`2025-09-22T12:34:56.000Z`, or None."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
