"""What every settings page shares: its paths, the checked write, and rendering in the layout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Header
from starlette.requests import Request
from starlette.responses import HTMLResponse

from jobshots.core.errors import Conflict
from jobshots.http.caller import Call
from jobshots.http.sessions import require_page_write
from jobshots.web.rendering import app_page
from jobshots.web.signed_in import SignedIn, shell

SETTINGS = "/app/settings"
PEOPLE = f"{SETTINGS}/people"
KEYS = f"{SETTINGS}/keys"
REFERENCE = f"{SETTINGS}/reference"
PLAN = f"{SETTINGS}/plan"
FormText = Annotated[str, Form()]
ROLE_LABELS = {
    "owner": "Owner",
    "manager": "Manager",
    "staff": "Office staff",
    "contractor": "Contractor",
    "agent": "Agent",
    "viewer": "Viewer",
}


def page_write(
    request: Request,
    call: SignedIn,
    csrf_token: FormText = "",
    x_csrf_token: Annotated[str, Header()] = "",
) -> Call:
    """The signed-in caller of a settings form, its CSRF token and origin checked."""
    require_page_write(request, call, x_csrf_token or csrf_token)
    return call


PageWrite = Annotated[Call, Depends(page_write)]


def settings_page(
    template: str, call: Call, tab: str, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A settings page in the app's layout, its tab marked as the current one."""
    return app_page(
        template, status_code, tab=tab, role_labels=ROLE_LABELS, **values, **shell(call)
    )


def refusal_status(exc: Exception) -> int:
    """A refused form's status: 409 when it clashes with what is there, else 400."""
    return 409 if isinstance(exc, Conflict) else 400
