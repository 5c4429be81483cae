"""The office's job form: what it chooses from, and opening or changing a job from what was typed.

The form's fields are named as `JobChanges` names them, so every rule and message is the
maintenance API's own; a bad form changes nothing and reports every field at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from jobshots.core import permissions
from jobshots.core.amendments import repository as options
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.changes import Errors, JobChanges
from jobshots.core.jobs.views import JobDetail, Named
from jobshots.core.principal import Principal
from jobshots.core.reference import service as reference
from jobshots.core.reference.views import PropertyView
from jobshots.core.uow import UnitOfWork

# What the form sends, as the browser typed it.
Typed = Mapping[str, str]
TEXT_FIELDS = ("title", "description", "start_date", "completion_date")
CHOSEN_FIELDS = ("address_id", "status_id", "priority_id", "contractor_id")
# A property typed in rather than chosen: the address fields of the company's reference data.
NEW_ADDRESS = "new"
ADDRESS_FIELDS = ("address_line_1", "city", "postcode")
ADDRESSES_LISTED = 200
NOT_LISTED = "must be one of the listed options"


@dataclass(frozen=True)
class Choices:
    """What the form's lists offer, from the company's own reference data and people."""

    statuses: list[Named]
    priorities: list[Named]
    contractors: list[Named]
    addresses: list[Named]


def choices(uow: UnitOfWork, principal: Principal, job: JobDetail | None = None) -> Choices:
    """The company's statuses, priorities, contractors and addresses (the job's own included)."""
    principal.require(permissions.JOBS_MANAGE)
    session, company_id = uow.session, principal.company_id
    listed, _ = reference.list_items(uow, principal, "addresses", limit=ADDRESSES_LISTED)
    addresses = [Named(item.id, item.name) for item in listed]
    current = job.address_id if job is not None and job.address is not None else None
    if job is not None and job.address and current and all(a.id != current for a in addresses):
        addresses.insert(0, Named(current, job.address.one_line))
    return Choices(
        statuses=options.options(session, company_id, "status_id") or [],
        priorities=options.options(session, company_id, "priority_id") or [],
        contractors=options.options(session, company_id, "contractor_id") or [],
        addresses=addresses,
    )


def editing(uow: UnitOfWork, principal: Principal, ref: jobs.JobRef) -> JobDetail:
    """The job to edit; refused, whichever job, to those who may not write jobs."""
    principal.require(permissions.JOBS_MANAGE)
    return jobs.detail(uow, principal, ref)


def typed_from(job: JobDetail) -> dict[str, str]:
    """A job's current values as its form shows them."""
    return {
        "title": job.title,
        "description": job.description,
        "start_date": _day(job.start_date),
        "completion_date": _day(job.completion_date),
        "address_id": _chosen(job.address_id),
        "status_id": _chosen(job.status.id if job.status else None),
        "priority_id": _chosen(job.priority.id if job.priority else None),
        "contractor_id": _chosen(job.contractor.id if job.contractor else None),
    }


def open_typed(uow: UnitOfWork, principal: Principal, typed: Typed) -> JobDetail:
    """Open a job from the form; Invalid with every bad field, and nothing opened."""
    principal.require(permissions.JOBS_MANAGE)
    with uow.session.begin_nested():
        errors: Errors = {}
        values = _changes(uow, principal, typed, errors)
        try:
            made = jobs.open_with(uow, principal, values, frozenset({"title"}))
        except Invalid as exc:
            _merge(errors, exc)
        if errors:
            raise _refusal(errors)
    return made


def change_typed(
    uow: UnitOfWork, principal: Principal, ref: jobs.JobRef, typed: Typed
) -> JobDetail:
    """Change a job to what the form holds; Invalid with every bad field, and nothing changed."""
    principal.require(permissions.JOBS_MANAGE)
    jobs.get(uow, principal, ref)  # another company's job is not found before anything is read
    with uow.session.begin_nested():
        errors: Errors = {}
        values = _changes(uow, principal, typed, errors)
        try:
            changed = jobs.change(uow, principal, ref, values)
        except Invalid as exc:
            _merge(errors, exc)
        if errors:
            raise _refusal(errors)
    return changed


def _changes(uow: UnitOfWork, principal: Principal, typed: Typed, errors: Errors) -> JobChanges:
    values: dict[str, object] = {name: typed.get(name, "") for name in TEXT_FIELDS}
    for name in CHOSEN_FIELDS:
        text = typed.get(name, "").strip()
        if name == "status_id" and not text:
            continue  # a job always has a status: none chosen keeps it (or the default)
        if name == "address_id" and text == NEW_ADDRESS:
            values[name] = _new_address(uow, principal, typed, errors)
        elif not text:
            values[name] = None
        elif text.isascii() and text.isdigit():
            values[name] = int(text)
        else:
            errors[name] = [NOT_LISTED]
    return JobChanges({name: value for name, value in values.items() if name not in errors})


def _new_address(uow: UnitOfWork, principal: Principal, typed: Typed, errors: Errors) -> int | None:
    sent = {name: typed.get(name, "") for name in ADDRESS_FIELDS}
    # Typing where a new job is is part of opening it: whoever may write jobs may add the
    # property, though changing the company's other reference data stays for managers.
    writer = replace(principal, permissions=principal.permissions | {permissions.REFERENCE_MANAGE})
    try:
        added = reference.create(uow, writer, "addresses", sent)
    except Invalid as exc:
        _merge(errors, exc)
        errors.setdefault("address_id", ["needs a complete new address"])
        return None
    assert isinstance(added, PropertyView)
    return added.id


def _merge(errors: Errors, exc: Invalid) -> None:
    for name, messages in (exc.fields or {"form": [exc.message]}).items():
        errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))


def _refusal(errors: Errors) -> Invalid:
    summary = "; ".join(f"{name} {', '.join(messages)}" for name, messages in errors.items())
    return Invalid(f"job is invalid: {summary}", errors)


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _chosen(value: int | None) -> str:
    return str(value) if value is not None else ""
