"""Who a page is for: the signed-in browser, or a way back here after signing in."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends
from starlette.requests import Request

from jobshots.core import csrf, permissions
from jobshots.core.users import people
from jobshots.http.caller import Call, RequestUow
from jobshots.http.errors import HttpError
from jobshots.http.sessions import browser_session

HOME = "/app/jobs"


class SignInNeeded(HttpError):
    """A page asked for without a live session: off to the sign-in page, then back."""

    code = "sign_in_needed"

    def __init__(self, wanted: str, htmx: bool) -> None:
        location = sign_in_path(wanted)
        # htmx follows a redirect inside its request; it must be told to move the whole page.
        if htmx:
            super().__init__(401, "sign in to see this page", {"HX-Redirect": location})
        else:
            super().__init__(303, "sign in to see this page", {"Location": location})


def sign_in_path(wanted: str) -> str:
    """The sign-in page, remembering the local page asked for."""
    return "/login" if wanted in ("", "/", HOME) else f"/login?next={quote(wanted, safe='/')}"


def local_path(wanted: str | None) -> str:
    """`wanted` if it is a path on this server, else the jobs list: never a page elsewhere."""
    if not wanted or "\\" in wanted or any(ord(c) < 0x20 for c in wanted):
        return HOME
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not wanted.startswith("/") or wanted.startswith("//"):
        return HOME
    return wanted


def wanted_path(request: Request) -> str:
    """The path and query this request asked for."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def signed_in(request: Request, uow: RequestUow) -> Call:
    """The signed-in caller; without a live session, SignInNeeded."""
    principal = browser_session(request, uow)
    if principal is None:
        raise SignInNeeded(wanted_path(request), "hx-request" in request.headers)
    return Call(principal=principal, uow=uow)


def maybe_signed_in(request: Request, uow: RequestUow) -> Call | None:
    """The signed-in caller, or None."""
    principal = browser_session(request, uow)
    return None if principal is None else Call(principal=principal, uow=uow)


def shell(call: Call) -> dict[str, Any]:
    """What the layout needs of every signed-in page: the CSRF token, the user's role, and
    whether they may write jobs (so a page offers no control the server would refuse)."""
    return {
        "csrf_token": csrf.issue(call.uow, call.principal),
        "role": call.principal.role,
        "may_write_jobs": permissions.JOBS_MANAGE in call.principal.permissions,
        "may_settings": people.may_use_settings(call.principal),
    }


SignedIn = Annotated[Call, Depends(signed_in)]
MaybeSignedIn = Annotated[Call | None, Depends(maybe_signed_in)]
