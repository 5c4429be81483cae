"""Settings: the company's reference data (statuses, priorities, job types...), a page a kind."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from jobshots.core.errors import Conflict, Invalid, NotFound
from jobshots.core.reference import service as reference
from jobshots.core.reference.service import ItemRef
from jobshots.core.users import people
from jobshots.db.models import STAGES
from jobshots.http.caller import Call
from jobshots.web.settings_pages import (
    REFERENCE,
    FormText,
    PageWrite,
    refusal_status,
    settings_page,
)
from jobshots.web.signed_in import SignedIn

router = APIRouter(include_in_schema=False)
KIND = REFERENCE + "/{kind}"
ITEM = KIND + "/{item}"
# The kinds a settings page lists by name: (page heading, one option as a sentence names it).
KINDS = {
    "statuses": ("Job statuses", "status"),
    "priorities": ("Priorities", "priority"),
    "types": ("Job types", "job type"),
    "payment_statuses": ("Payment statuses", "payment status"),
    "time_ranges": ("Attendance time slots", "time slot"),
    "document_types": ("Document types", "document type"),
}
STAGE_LABELS = {stage: stage.replace("_", " ").capitalize() for stage in STAGES}


@router.get(REFERENCE)
def first_kind(call: SignedIn) -> Response:
    """The first kind's page."""
    people.require_settings(call.principal)
    return RedirectResponse(f"{REFERENCE}/{next(iter(KINDS))}", status_code=303)


@router.get(KIND)
def kind_page(kind: str, call: SignedIn) -> Response:
    """The company's options of one kind, to add, rename and delete."""
    return _page(call, kind)


@router.post(KIND)
def add_option(kind: str, call: PageWrite, name: FormText = "", stage: FormText = "") -> Response:
    """Add an option at the end of the kind's list."""
    sent = {"name": name, **({"stage": stage} if kind == "statuses" else {})}
    _known(kind)
    try:
        reference.create(call.uow, call.principal, kind, sent)
    except (Invalid, Conflict) as exc:
        return _page(call, kind, refusal_status(exc), problem=exc.message, sent=sent)
    return RedirectResponse(f"{REFERENCE}/{kind}", status_code=303)


@router.post(ITEM + "/rename")
def rename_option(kind: str, item: str, call: PageWrite, name: FormText = "") -> Response:
    """Give an option a new name."""
    try:
        reference.update(call.uow, call.principal, _known(kind), _ref(item), {"name": name})
    except (Invalid, Conflict) as exc:
        return _page(call, kind, refusal_status(exc), problem=exc.message)
    return RedirectResponse(f"{REFERENCE}/{kind}", status_code=303)


@router.post(ITEM + "/delete")
def delete_option(kind: str, item: str, call: PageWrite) -> Response:
    """Remove an option no job or document uses."""
    try:
        reference.delete(call.uow, call.principal, _known(kind), _ref(item))
    except Conflict as exc:
        return _page(call, kind, refusal_status(exc), problem=exc.message)
    return RedirectResponse(f"{REFERENCE}/{kind}", status_code=303)


def _known(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("no such list")
    return kind


def _ref(item: str) -> ItemRef:
    if not (item.isascii() and item.isdigit()):
        raise NotFound("no such option")
    return ItemRef(id=int(item))


def _page(call: Call, kind: str, status_code: int = 200, **values: Any) -> Response:
    people.require_settings(call.principal)
    items, _ = reference.list_items(call.uow, call.principal, _known(kind))
    heading, noun = KINDS[kind]
    return settings_page(
        "settings/reference.html",
        call,
        "reference",
        status_code,
        kind=kind,
        kinds=KINDS,
        heading=heading,
        noun=noun,
        items=items,
        stages=STAGE_LABELS,
        **{"sent": {}, **values},
    )
