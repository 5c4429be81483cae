"""Settings: the company's API keys; a new one is shown once, any may be revoked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core.apikeys import service as apikeys
from jobshots.core.errors import Invalid
from jobshots.http.caller import Call
from jobshots.web.settings_pages import KEYS, FormText, PageWrite, refusal_status, settings_page
from jobshots.web.signed_in import SignedIn

router = APIRouter(include_in_schema=False)


@router.get(KEYS)
def keys_page(call: SignedIn) -> Response:
    """The company's keys, in use first."""
    return _page(call)


@router.post(KEYS)
def create_key(call: PageWrite, name: FormText = "") -> Response:
    """A new key for the caller; its secret is on this answer only."""
    try:
        issued = apikeys.issue_own(call.uow, call.principal, name)
    except Invalid as exc:
        return _page(call, refusal_status(exc), problem=exc.message, name=name)
    return _page(call, 201, issued=issued, name="")


@router.post(KEYS + "/{prefix}/revoke")
def revoke_key(prefix: str, call: PageWrite) -> Response:
    """Revoke one of the company's keys: it stops working at once."""
    apikeys.revoke_in_company(call.uow, call.principal, prefix)
    return RedirectResponse(KEYS, status_code=303)


def _page(call: Call, status_code: int = 200, **values: Any) -> Response:
    keys = apikeys.company_keys(call.uow, call.principal)
    return settings_page(
        "settings/keys.html", call, "keys", status_code, keys=keys, **{"name": "", **values}
    )
