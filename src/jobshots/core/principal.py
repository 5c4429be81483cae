"""Who is calling: their company, their user, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from jobshots.core.errors import MissingPermission, WrongWorkspace


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, built once per request by the dialect's auth."""

    company_id: int
    company_uuid: uuid.UUID
    user_id: int
    role: str
    permissions: frozenset[str]
    api_key_id: int | None = None
    login_id: int | None = None
    ip: str | None = None
    web_session_id: int | None = None

    @property
    def credential(self) -> str:
        """What the caller presented, as one string: what a CSRF token is bound to."""
        if self.web_session_id is not None:
            return f"session:{self.web_session_id}"
        if self.login_id is not None:
            return f"login:{self.login_id}"
        if self.api_key_id is not None:
            return f"key:{self.api_key_id}"
        return f"user:{self.user_id}"

    def require_workspace(self, workspace: str) -> None:
        """Raise WrongWorkspace unless `workspace` is the caller's company's UUID (any spelling)."""
        try:
            mine = uuid.UUID(workspace.strip()) == self.company_uuid
        except ValueError:
            mine = False
        if not mine:
            raise WrongWorkspace("the workspace named is not the caller's company")

    def require(self, permission: str) -> None:
        """Raise MissingPermission unless the caller holds `permission`."""
        if permission not in self.permissions:
            raise MissingPermission(permission)
