"""What a database snapshot was found to hold when it was taken."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    """Row counts, schema revision and the storage keys the snapshot's rows need."""

    counts: dict[str, int]
    schema_revision: str | None
    referenced_keys: set[str]
