"""A job's fields before and after a change, as its history keeps them: sealed values never."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from jobshots.db.models import Job

# Encrypted at rest, so the history says they changed and never what they were or became.
SEALED = frozenset({"access_details", "private_contact_name", "private_contact_email"})
Change = dict[str, Any]


def snapshot(job: Job, names: Iterable[str]) -> dict[str, Any]:
    """The current values of the named fields, in the history's plain JSON form."""
    return {name: _value(job, name) for name in names}


def changes(before: dict[str, Any], job: Job) -> list[Change]:
    """Each field of `before` whose value `job` no longer has: field, before and after."""
    found: list[Change] = []
    for name, old in sorted(before.items()):
        new = _value(job, name)
        if new == old:
            continue
        if name in SEALED:
            found.append({"field": name, "sealed": True})
        else:
            found.append({"field": name, "before": old, "after": new})
    return found


def _value(job: Job, name: str) -> Any:
    if name == "tenant_ids":
        return sorted(tenant.id for tenant in job.tenants)
    value = getattr(job, name)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
