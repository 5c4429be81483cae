"""Signing in and out of the web app, and where `/` and `/app` lead."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Header
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from jobshots.core.sessions import service as sessions
from jobshots.core.sessions.service import Refused
from jobshots.http.auth import client_ip
from jobshots.http.caller import RequestUow
from jobshots.http.sessions import COOKIE, forget, remember, require_page_write, require_same_origin
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import HOME, MaybeSignedIn, local_path, sign_in_path

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]


@router.get("/")
@router.get("/app")
def home(call: MaybeSignedIn) -> Response:
    """The jobs list when signed in, else the sign-in page."""
    return RedirectResponse(HOME if call else sign_in_path(HOME), status_code=303)


@router.get("/login")
def sign_in_form(call: MaybeSignedIn, next: str = HOME) -> Response:
    """The sign-in form; a browser already signed in goes on to the page it wanted."""
    if call is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return login_page(local_path(next))


@router.post("/login")
def sign_in(
    request: Request,
    uow: RequestUow,
    email: FormText = "",
    password: FormText = "",
    next: FormText = HOME,
) -> Response:
    """Check the password; a new session and on to the page wanted, or the form again."""
    require_same_origin(request, uow.settings)
    outcome = sessions.sign_in(
        uow,
        email,
        password,
        client_ip(request),
        request.headers.get("user-agent", ""),
        previous_secret=request.cookies.get(COOKIE),
    )
    if isinstance(outcome, Refused):
        status = 429 if outcome.limited else 401
        return login_page(local_path(next), status, email=email, problem=outcome.message)
    response = RedirectResponse(local_path(next), status_code=303)
    remember(response, outcome, uow.settings)
    return response


@router.post("/logout")
def sign_out(
    request: Request,
    call: MaybeSignedIn,
    uow: RequestUow,
    csrf_token: FormText = "",
    x_csrf_token: Annotated[str, Header()] = "",
) -> Response:
    """End this browser's session and forget its cookie."""
    if call is not None:
        require_page_write(request, call, x_csrf_token or csrf_token)
        sessions.sign_out(call.uow, call.principal)
    response = RedirectResponse("/login", status_code=303)
    forget(response, uow.settings)
    return response


def login_page(
    wanted: str, status_code: int = 200, *, email: str = "", problem: str | None = None
) -> Response:
    """The sign-in form, coming back to `wanted` afterwards."""
    return app_page("login.html", status_code, wanted=wanted, email=email, problem=problem)
