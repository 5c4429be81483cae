"""A job's SLA standing as the APIs show it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from jobshots.core.sla.status import Standing


@dataclass(frozen=True)
class JobSla:
    """One job and where it stands against its priority's targets."""

    id: int
    uuid: UUID
    reference: str
    title: str
    priority_name: str | None
    standing: Standing

    @property
    def state(self) -> str | None:
        """`within`, `overdue`, `breached`, or None when not measured."""
        return self.standing.state
