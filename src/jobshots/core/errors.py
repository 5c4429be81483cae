"""Errors the core raises; each dialect maps them to its own status codes and envelope."""

from __future__ import annotations


class CoreError(Exception):
    """Base of every error the core raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CoreError):
    """The thing does not exist, or belongs to another company (never distinguished)."""

    code = "not_found"


class Unauthenticated(CoreError):
    """No credentials, or credentials that do not match a live key."""

    code = "unauthenticated"


class Forbidden(CoreError):
    """The caller is known but may not do this."""

    code = "forbidden"


class MissingPermission(Forbidden):
    """The caller's role (or key) does not grant the permission this needs."""

    code = "missing_permission"

    def __init__(self, permission: str) -> None:
        super().__init__(f"missing permission {permission}")
        self.permission = permission


class WrongWorkspace(Forbidden):
    """The caller named a workspace (company) that is not its own."""

    code = "wrong_workspace"


class AddonRequired(Forbidden):
    """The company has not enabled the add-on this needs."""

    code = "addon_required"


class IpNotAllowed(Forbidden):
    """The caller's address is outside the key's allow-list."""

    code = "ip_not_allowed"


class QuotaExceeded(Forbidden):
    """The company's upload or storage quota is spent."""

    code = "quota_exceeded"


class Invalid(CoreError):
    """Input that breaks a rule; `fields` maps each bad field to its messages."""

    code = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        """One bad field."""
        return cls(f"{name} {message}", {name: [message]})


class Unsupported(Invalid):
    """A file whose bytes are not an accepted type."""

    code = "unsupported_type"


class TooLarge(Invalid):
    """A file over the size limit."""

    code = "too_large"


class Conflict(CoreError):
    """The request clashes with the current state."""

    code = "conflict"
