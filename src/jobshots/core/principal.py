"""Who is calling: their company, their user, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from jobshots.core.errors import Forbidden


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, built once per request by the dialect's auth."""

    company_id: int
    company_uuid: uuid.UUID
    user_id: int
    role: str
    permissions: frozenset[str]
    api_key_id: int | None = None
    ip: str | None = None

    def works_in(self, workspace: str) -> bool:
        """True when `workspace` names the caller's company (its UUID, in any spelling)."""
        try:
            return uuid.UUID(workspace.strip()) == self.company_uuid
        except ValueError:
            return False

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the caller holds `permission`."""
        if permission not in self.permissions:
            raise Forbidden(f"missing permission {permission}")
