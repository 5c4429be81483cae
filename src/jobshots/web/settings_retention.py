"""Settings: how long the company keeps a deleted photo's files before they are purged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core import permissions
from jobshots.core.companies import plan
from jobshots.core.errors import Invalid
from jobshots.core.evidence import retention
from jobshots.http.caller import Call
from jobshots.web.settings_pages import PLAN, FormText, PageWrite, settings_page

router = APIRouter(include_in_schema=False)
RETENTION = f"{PLAN}/retention"


def values(call: Call) -> dict[str, Any]:
    """What the plan page shows of retention: the period, and whether the caller may set it."""
    return {
        "retention_days": retention.period(call.uow, call.principal),
        "may_set_retention": permissions.EVIDENCE_SETTINGS in call.principal.permissions,
    }


@router.post(RETENTION)
def set_retention(call: PageWrite, retention_days: FormText = "") -> Response:
    """Set the period in days; blank keeps deleted photos' files forever."""
    try:
        retention.set_period(call.uow, call.principal, retention_days)
    except Invalid as exc:
        return settings_page(
            "settings/plan.html", call, "plan", 400,
            plan=plan.plan(call.uow, call.principal), problem=exc.message,
            **{**values(call), "retention_days": retention_days},
        )  # fmt: skip
    return RedirectResponse(f"{PLAN}?saved=retention#retention", status_code=303)
