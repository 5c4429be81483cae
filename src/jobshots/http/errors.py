"""The HTTP status each kind of core error means, shared by every dialect."""

from __future__ import annotations

from jobshots.core import errors

_STATUS: list[tuple[type[errors.CoreError], int]] = [
    (errors.Invalid, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
]


def status_for(exc: errors.CoreError, *, invalid: int = 400) -> int:
    """The status of a core error; `invalid` lets a dialect answer validation with e.g. 422."""
    if isinstance(exc, errors.Invalid):
        return invalid
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
