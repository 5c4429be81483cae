"""Checks on the free text callers send."""

from __future__ import annotations

from jobshots.core.errors import Invalid


def required_text(value: str | None, field: str, max_length: int) -> str:
    """The text without surrounding blanks; Invalid when it is empty or too long."""
    text = (value or "").strip()
    if not text:
        raise Invalid.field(field, "must be provided")
    if len(text) > max_length:
        raise Invalid.field(field, f"must be at most {max_length} characters")
    return text
