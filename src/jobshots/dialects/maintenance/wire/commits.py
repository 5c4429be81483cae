"""A job's history as the maintenance API writes it, fields by the vendor's names."""

from __future__ import annotations

from typing import Any

from jobshots.core.jobs.commits import Commit, FieldChange
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire.jobs import FIELD_NAMES

SYSTEM = "System"


def commit(item: Commit) -> dict[str, Any]:
    """One event of the history: who did what, when, each field it changed, and its data."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "action": item.action,
        "entity_type": item.entity_type,
        "entity_uuid": item.entity_uuid,
        "actor_id": item.actor.id if item.actor else None,
        "actor_name": _actor(item),
        "api_key_name": item.api_key_name,
        "created_at": iso_seconds(item.created_at),
        "changes": [change(each) for each in item.changes],
        "data": _data(item.data),
    }


def change(item: FieldChange) -> dict[str, Any]:
    """A field changed; a sealed one says only that it changed, never what it was or became.
    An id of reference data or a person comes with its name."""
    shown = {
        "field": FIELD_NAMES.get(item.field, item.field),
        "before": None if item.sealed else item.before,
        "after": None if item.sealed else item.after,
        "changed": True,
        "sealed": item.sealed,
    }
    if item.named:
        shown.update(before_name=item.before_name, after_name=item.after_name)
    return shown


def _data(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data; the job field it names (an amendment's), by the vendor's name."""
    field = data.get("field")
    if isinstance(field, str) and field in FIELD_NAMES:
        return {**data, "field": FIELD_NAMES[field]}
    return data


def _actor(item: Commit) -> str:
    if item.actor is not None:
        return item.actor.name
    if item.api_key_name is not None:
        return f"API key {item.api_key_name}"
    return SYSTEM
