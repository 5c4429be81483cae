"""Company settings for owners and managers: people, API keys, reference data, add-ons, quotas."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core.companies import plan
from jobshots.core.users import people
from jobshots.web import settings_keys, settings_people, settings_reference, settings_retention
from jobshots.web.settings_flags import router as flags_router
from jobshots.web.settings_pages import PEOPLE, PLAN, SETTINGS, settings_page
from jobshots.web.signed_in import SignedIn

router = APIRouter(include_in_schema=False)
router.include_router(settings_people.router)
router.include_router(settings_keys.router)
router.include_router(settings_reference.router)
router.include_router(flags_router)
router.include_router(settings_retention.router)


@router.get(SETTINGS)
def settings_home(call: SignedIn) -> Response:
    """The first settings page: the company's people."""
    people.require_settings(call.principal)
    return RedirectResponse(PEOPLE, status_code=303)


@router.get(PLAN)
def plan_page(call: SignedIn, saved: str = "") -> Response:
    """The company's add-ons and quotas, read only: changing the plan is an operator command."""
    return settings_page(
        "settings/plan.html", call, "plan", plan=plan.plan(call.uow, call.principal),
        saved=saved, **settings_retention.values(call),
    )  # fmt: skip
