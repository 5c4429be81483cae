"""Settings: the dispute flag thresholds, how late an upload and how far a photo may be."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core.companies import flag_thresholds
from jobshots.core.errors import Invalid
from jobshots.http.caller import Call
from jobshots.web.settings_pages import (
    SETTINGS,
    FormText,
    PageWrite,
    refusal_status,
    settings_page,
)
from jobshots.web.signed_in import SignedIn

FLAGS = f"{SETTINGS}/flags"
router = APIRouter(include_in_schema=False)


@router.get(FLAGS)
def flags_page(call: SignedIn, saved: str = "") -> Response:
    """The company's thresholds, in a form."""
    return _page(call, saved=saved == "1")


@router.post(FLAGS)
def change_thresholds(
    call: PageWrite, capture_gap_hours: FormText = "", geofence_metres: FormText = ""
) -> Response:
    """Set both thresholds; a bad value is shown back with the reason and nothing changes."""
    try:
        flag_thresholds.change(call.uow, call.principal, capture_gap_hours, geofence_metres)
    except Invalid as exc:
        sent = {"capture_gap_hours": capture_gap_hours, "geofence_metres": geofence_metres}
        return _page(call, refusal_status(exc), problem=exc.message, sent=sent, errors=exc.fields)
    return RedirectResponse(f"{FLAGS}?saved=1", status_code=303)


def _page(call: Call, status_code: int = 200, **values: Any) -> Response:
    shown = flag_thresholds.thresholds(call.uow, call.principal)
    return settings_page(
        "settings/flags.html", call, "flags", status_code, thresholds=shown, **values
    )
