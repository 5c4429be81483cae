"""Amendments as the APIs show them: the requests, and the fields a caller may propose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jobshots.core.jobs.views import Named


@dataclass(frozen=True)
class AmendmentView:
    """A proposed change to one job field; values are the text a proposal writes."""

    id: int
    uuid: UUID
    job_id: int
    job_uuid: UUID
    field: str
    current_value: str | None
    requested_value: str | None
    reason: str
    status: str
    requested_by: Named | None
    requested_at: datetime
    decided_by: Named | None
    decided_at: datetime | None
    notes: str


@dataclass(frozen=True)
class AmendableView:
    """A field the caller may propose to change on a job: what it holds now and, for one that
    points at the company's options or people, those to choose from (None for the long lists
    of addresses and tenants, which have their own searches)."""

    field: str
    label: str
    kind: str
    current_value: str | None
    options: list[Named] | None
