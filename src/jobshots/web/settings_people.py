"""Settings: the company's people, adding one with a temporary password, roles, deactivating."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core.errors import Conflict, Invalid
from jobshots.core.users import people
from jobshots.http.caller import Call
from jobshots.web.settings_pages import (
    PEOPLE,
    FormText,
    PageWrite,
    refusal_status,
    settings_page,
)
from jobshots.web.signed_in import SignedIn

router = APIRouter(include_in_schema=False)
PERSON = PEOPLE + "/{person}"


@router.get(PEOPLE)
def people_page(call: SignedIn) -> Response:
    """Everyone in the company, with the controls the caller may use."""
    return _page(call)


@router.post(PEOPLE)
def add_person(
    call: PageWrite,
    email: FormText = "",
    role: FormText = "",
    first_name: FormText = "",
    last_name: FormText = "",
) -> Response:
    """Add a person; their temporary password is shown on this answer only."""
    try:
        added = people.add(call.uow, call.principal, email, role, first_name, last_name)
    except (Invalid, Conflict) as exc:
        sent = {"email": email, "role": role, "first_name": first_name, "last_name": last_name}
        return _page(call, refusal_status(exc), problem=exc.message, sent=sent)
    return _page(call, 201, shown=added)


@router.post(PERSON + "/role")
def change_role(person: str, call: PageWrite, role: FormText = "") -> Response:
    """Give someone another role."""
    try:
        people.change_role(call.uow, call.principal, person, role)
    except (Invalid, Conflict) as exc:
        return _page(call, refusal_status(exc), problem=exc.message)
    return RedirectResponse(PEOPLE, status_code=303)


@router.post(PERSON + "/deactivate")
def deactivate(person: str, call: PageWrite) -> Response:
    """Stop someone signing in or using their keys."""
    try:
        people.deactivate(call.uow, call.principal, person)
    except Conflict as exc:
        return _page(call, refusal_status(exc), problem=exc.message)
    return RedirectResponse(PEOPLE, status_code=303)


@router.post(PERSON + "/reactivate")
def reactivate(person: str, call: PageWrite) -> Response:
    """Let someone sign in again."""
    people.reactivate(call.uow, call.principal, person)
    return RedirectResponse(PEOPLE, status_code=303)


@router.post(PERSON + "/password")
def reset_password(person: str, call: PageWrite) -> Response:
    """A new temporary password for someone, shown on this answer only."""
    return _page(call, shown=people.reset_password(call.uow, call.principal, person))


def _page(call: Call, status_code: int = 200, **values: Any) -> Response:
    roster = people.roster(call.uow, call.principal)
    return settings_page(
        "settings/people.html",
        call,
        "people",
        status_code,
        people=roster,
        roles=people.assignable_roles(call.principal),
        **{"sent": {}, **values},
    )
