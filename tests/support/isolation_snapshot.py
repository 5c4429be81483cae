"""Everything reachable from some rows (by foreign keys, in every table) and their stored files."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Table, select

import jobshots.db.models  # noqa: F401 - every table registered on the metadata
from jobshots.db.base import Base
from tests.support.stack import Stack

Snapshot = dict[str, Any]


def reachable(
    stack: Stack, table: str, ids: set[int], objects_prefix: str | None = None
) -> Snapshot:
    """The rows of `table` with `ids`, every row of any table whose foreign keys point at a row
    already taken (repeated until nothing more is found), and the stored objects under the
    prefix (without one: those the rows taken name in a `storage_key`), with their SHA-256."""
    tables = Base.metadata.sorted_tables
    with stack.engine.connect() as conn:
        everything = {
            t.name: [dict(row._mapping) for row in conn.execute(select(t))] for t in tables
        }
    taken: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    taken[table] = {row["id"]: row for row in everything[table] if row["id"] in ids}
    grown = True
    while grown:
        grown = False
        for t in tables:
            for index, row in enumerate(everything[t.name]):
                key = row.get("id", index)
                if key not in taken[t.name] and _points_into(t, row, taken):
                    taken[t.name][key] = row
                    grown = True
    rows = {
        name: sorted(repr(sorted(r.items())) for r in found.values())
        for name, found in taken.items()
        if found
    }
    if objects_prefix is None:
        keys = {r.get("storage_key") for found in taken.values() for r in found.values()}
        kept = {k for k in keys if isinstance(k, str)}
        objects = stack.stored_digests("", only=kept)
    else:
        objects = stack.stored_digests(objects_prefix)
    return {"rows": rows, "objects": objects}


def _points_into(table: Table, row: dict[str, Any], taken: dict[str, dict[int, Any]]) -> bool:
    for fk in table.foreign_keys:
        value = row.get(fk.parent.name)
        if value is not None and fk.column.name == "id" and value in taken[fk.column.table.name]:
            return True
    return False


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs, table by table and object by object, in a line each."""
    lines: list[str] = []
    for name in sorted(set(before["rows"]) | set(after["rows"])):
        was, now = set(before["rows"].get(name, [])), set(after["rows"].get(name, []))
        lines += [f"{name}: gone {row}" for row in sorted(was - now)]
        lines += [f"{name}: new or changed {row}" for row in sorted(now - was)]
    was_objects, now_objects = before["objects"], after["objects"]
    for key in sorted(set(was_objects) | set(now_objects)):
        if was_objects.get(key) != now_objects.get(key):
            lines.append(f"object {key}: {was_objects.get(key)} -> {now_objects.get(key)}")
    return lines
