"""The web app's session cookie, and the pages' CSRF check (token plus origin)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from jobshots.config import Settings
from jobshots.core import csrf
from jobshots.core.principal import Principal
from jobshots.core.sessions import service as sessions
from jobshots.core.sessions.service import Started
from jobshots.core.uow import UnitOfWork
from jobshots.http.auth import client_ip
from jobshots.http.caller import Call
from jobshots.http.csrf import HEADER
from jobshots.http.ratelimit import limit_caller

COOKIE = "jobshots_session"


def browser_session(request: Request, uow: UnitOfWork) -> Principal | None:
    """An authenticator for `caller(...)`: the signed-in browser, or None without a live session."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    principal = sessions.authenticate(uow, secret, client_ip(request))
    if principal is not None:
        limit_caller(request, uow, principal)
    return principal


def remember(response: Response, started: Started, settings: Settings) -> None:
    """Give the browser its session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        started.secret,
        max_age=settings.session_lifetime_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(settings),
    )


def forget(response: Response, settings: Settings) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_https(settings))


def require_same_origin(request: Request, settings: Settings) -> None:
    """Refuse a write a browser says came from another site: the second line behind the token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise csrf.CsrfRefused("This form was sent from another site. Open the page and try again.")
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != _origin(settings.base_url):
        raise csrf.CsrfRefused("This form was sent from another site. Open the page and try again.")


def require_page_write(request: Request, call: Call, token: str | None) -> None:
    """A page's write: from this site, with the CSRF token (form field or header) of its session."""
    require_same_origin(request, call.uow.settings)
    csrf.verify(call.uow, call.principal, request.headers.get(HEADER) or token)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _https(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")
