"""What one company holds, read straight from the database and the store, to show it unchanged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, or_, select

import jobshots.db.models  # noqa: F401 - every table registered on the metadata
from jobshots.db.base import Base
from tests.support.stack import Stack, Tenant

Snapshot = dict[str, Any]
# Written by the server's own schedule (each company's history chain verified every so often),
# whatever anyone sends.
SCHEDULED = frozenset({"chain_checks"})


def company_snapshot(stack: Stack, tenant: Tenant) -> Snapshot:
    """Every row the company owns (its own, and those of tables hanging off its rows) and every
    stored object under its prefix, with the objects' SHA-256."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with stack.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in SCHEDULED:
                continue
            query = _owned(table, tenant.company_id)
            if query is not None:
                rows[table.name] = sorted((tuple(row) for row in conn.execute(query)), key=repr)
    return {"rows": rows, "objects": stack.stored_digests(f"companies/{tenant.company_uuid}/")}


def _owned(table: Table, company_id: int) -> Any:
    """The query for the company's rows of `table`, or None when it holds no company's rows."""
    if table.name == "companies":
        return select(table).where(table.c.id == company_id)
    if "company_id" in table.c:
        return select(table).where(table.c.company_id == company_id)
    links = [
        fk.parent.in_(select(fk.column).where(fk.column.table.c.company_id == company_id))
        for fk in table.foreign_keys
        if "company_id" in fk.column.table.c
    ]
    if not links:
        return None
    # Any link to the company's rows counts: a pin by A's user on B's job is B's business too.
    return select(table).where(or_(*links))


def differences(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """What changed between two snapshots: each table's rows gone and rows new, and objects."""
    found: dict[str, Any] = {}
    for name in before["rows"].keys() | after["rows"].keys():
        old = {repr(row) for row in before["rows"].get(name, [])}
        new = {repr(row) for row in after["rows"].get(name, [])}
        if old != new:
            found[name] = {"gone": sorted(old - new), "new": sorted(new - old)}
    if before["objects"] != after["objects"]:
        found["objects"] = {"before": before["objects"], "after": after["objects"]}
    return found
