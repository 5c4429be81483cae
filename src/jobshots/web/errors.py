"""How the web pages report core errors: a plain page, never a hint of what exists."""

from __future__ import annotations

from starlette.responses import Response

from jobshots.core import errors
from jobshots.core.csrf import CsrfRefused
from jobshots.http.ratelimit import TooManyRequests
from jobshots.web.rendering import app_page, page
from jobshots.web.signed_in import SignInNeeded

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
    if isinstance(exc, SignInNeeded):
        return Response(status_code=exc.status)  # its Location or HX-Redirect is added on
    if isinstance(exc, TooManyRequests):
        return page("error.html", 429, title="Too many requests", explanation=exc.message)
    if isinstance(exc, CsrfRefused):
        return app_page("app_error.html", 403, title="Not sent", explanation=exc.message)
    for kind, status, title, explanation in PAGES:
        if isinstance(exc, kind):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return page("error.html", status, headers, title=title, explanation=explanation)
    return page("error.html", 400, title="Bad request", explanation=exc.message)
