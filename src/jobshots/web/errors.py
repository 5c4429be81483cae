"""How the web pages report core errors: a plain page, never a hint of what exists."""

from __future__ import annotations

from starlette.responses import Response

from jobshots.core import errors
from jobshots.web.rendering import page

PAGES: list[tuple[type[errors.CoreError], int, str, str]] = [
    (
        errors.Unauthenticated,
        401,
        "Sign in to see this page",
        "This page is for the company's own people. Sign in with your account to see it.",
    ),
    (
        errors.Forbidden,
        403,
        "Not allowed",
        "Your account may not see this page.",
    ),
    (
        errors.NotFound,
        404,
        "Not found",
        "This link is not valid. It may have been withdrawn: ask the company for a new one.",
    ),
]


def render(exc: errors.CoreError) -> Response:
    """The error page for this error."""
    for kind, status, title, explanation in PAGES:
        if isinstance(exc, kind):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return page("error.html", status, headers, title=title, explanation=explanation)
    return page("error.html", 400, title="Bad request", explanation=exc.message)
