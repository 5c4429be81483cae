"""Reference data, for every API: listing, adding, changing and removing a company's options.

One service over seven kinds of option; the table `KINDS` says what each kind holds, how each
of its fields is checked, what a search looks through and what may still use an option.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from jobshots.core import audit, permissions
from jobshots.core.errors import Conflict, Invalid, NotFound
from jobshots.core.ids import parse_uuid, storable
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.reference import repository
from jobshots.core.reference.repository import Column, Row
from jobshots.core.reference.views import (
    ReferenceView,
    named_view,
    priority_view,
    property_view,
    status_view,
    time_range_view,
)
from jobshots.core.sla import clock as sla_clock
from jobshots.core.text import required_text
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import (
    SLA_CLOCKS,
    STAGES,
    ApprovalRule,
    Document,
    DocumentCategory,
    Job,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    TimeRange,
)

NAME_MAX = 120
CODE_MAX = 40
LIMIT_MAX = 200
# Integer columns are 32-bit on PostgreSQL: anything larger must be refused, not overflow.
INT32 = 2**31 - 1
_CODE = re.compile(r"[a-z0-9_]+")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_MICRODEGREE = Decimal("0.000001")

# Checks one value a caller sent: (field name, value) -> what the column stores.
Parse = Callable[[str, object], object]
# Checks a whole option (by column) once changed: rules between its fields.
Check = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class ItemRef:
    """How a caller names an option: its integer id or its UUID."""

    id: int | None = None
    uuid: str | None = None


@dataclass(frozen=True)
class Field:
    """A field callers send: the column it sets, its check, and its value when not sent."""

    column: str
    parse: Parse
    derive: Callable[[Mapping[str, Any]], object] | None = None


@dataclass(frozen=True)
class Kind:
    """One kind of option and its rules."""

    noun: str  # as messages name it
    entity: str  # as the audit log names it
    model: type[Row]
    fields: Mapping[str, Field]
    required: tuple[str, ...]
    searched: tuple[Column, ...]
    order: tuple[Column, ...]
    view: Callable[[Any], ReferenceView]
    used_by: tuple[tuple[Column, str], ...]  # (column pointing here, what holds it)
    unique: tuple[str, ...] = ("name",)  # fields no two of a company's options share
    sort_order: Column | None = None
    checks: tuple[Check, ...] = ()


def list_items(
    uow: UnitOfWork,
    principal: Principal,
    kind: str,
    search: str | None = None,
    offset: int = 0,
    limit: int = LIMIT_MAX,
) -> tuple[list[ReferenceView], int]:
    """A window of the company's options of `kind` in their order, and how many match."""
    principal.require(permissions.JOBS_LIST)
    spec = kind_named(kind)
    window = SliceRequest(offset=offset, limit=limit, maximum=LIMIT_MAX).checked()
    where = repository.matching((search or "").split(), spec.searched)
    rows, total = repository.page(
        uow.session, spec.model, principal.company_id, where, spec.order, window
    )
    return [spec.view(row) for row in rows], total


def create(
    uow: UnitOfWork, principal: Principal, kind: str, sent: Mapping[str, object]
) -> ReferenceView:
    """Add an option of `kind` to the caller's company, at the end of its list unless placed."""
    principal.require(permissions.REFERENCE_MANAGE)
    spec = kind_named(kind)
    # A required field not sent is checked as null: its check refuses it, saying what it takes.
    values = _parsed(spec, {**dict.fromkeys(spec.required), **sent})
    for name, wanted in spec.fields.items():
        if name not in sent and wanted.derive is not None:
            values[wanted.column] = wanted.derive(values)
    for check in spec.checks:
        check(values)
    _refuse_duplicates(uow, principal, spec, values, None)
    if spec.sort_order is not None and "sort_order" not in values:
        place = repository.next_position(uow.session, spec.sort_order, principal.company_id)
        values["sort_order"] = place
    row = spec.model(company_id=principal.company_id, **values)
    uow.session.add(row)
    uow.session.flush()
    _record(uow, principal, spec, row, "created", {"kind": kind, "values": _plain(spec, values)})
    return spec.view(row)


def update(
    uow: UnitOfWork, principal: Principal, kind: str, ref: ItemRef, sent: Mapping[str, object]
) -> ReferenceView:
    """Change only the fields sent of one of the company's options."""
    principal.require(permissions.REFERENCE_MANAGE)
    spec = kind_named(kind)
    row = _get(uow, principal, spec, ref)
    values = _parsed(spec, sent)
    current = {wanted.column: getattr(row, wanted.column) for wanted in spec.fields.values()}
    for check in spec.checks:
        check(current | values)
    _refuse_duplicates(uow, principal, spec, values, row.id)
    changed = {column: value for column, value in values.items() if current[column] != value}
    for column, value in changed.items():
        setattr(row, column, value)
    if changed:
        uow.session.flush()
        _record(
            uow, principal, spec, row, "updated", {"kind": kind, "changed": _plain(spec, changed)}
        )
    return spec.view(row)


def delete(uow: UnitOfWork, principal: Principal, kind: str, ref: ItemRef) -> None:
    """Remove one of the company's options; Conflict while a job or document still uses it."""
    principal.require(permissions.REFERENCE_MANAGE)
    spec = kind_named(kind)
    row = _get(uow, principal, spec, ref)
    label = spec.view(row).name
    for column, holder in spec.used_by:
        count = repository.uses(uow.session, column, row.id)
        if count:
            holders, them = (holder, "it") if count == 1 else (f"{holder}s", "them")
            raise Conflict(
                f"the {spec.noun} '{label}' is used by {count} {holders}; "
                f"move {them} to another {spec.noun} before deleting it"
            )
    _record(uow, principal, spec, row, "deleted", {"kind": kind, "name": label})
    uow.session.delete(row)
    uow.session.flush()


def kind_named(kind: str) -> Kind:
    """The rules of one kind of option, by its name (`statuses`, `addresses`, ...)."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"no kind of reference data is called {kind!r}") from None


def _get(uow: UnitOfWork, principal: Principal, spec: Kind, ref: ItemRef) -> Row:
    """The caller's option; another company's is NotFound, exactly like a missing one."""
    missing = NotFound(f"{spec.noun} not found")
    if ref.id is not None:
        if not storable(ref.id):
            raise missing
        match = spec.model.id == ref.id
    elif ref.uuid is not None:
        match = spec.model.uuid == parse_uuid(ref.uuid, spec.noun)
    else:
        raise ValueError("an ItemRef names no option")
    row = repository.find(uow.session, spec.model, principal.company_id, match)
    if row is None:
        raise missing
    return row


def _parsed(spec: Kind, sent: Mapping[str, object]) -> dict[str, Any]:
    """The kind's fields among those sent, checked, by column; others are ignored."""
    return {
        wanted.column: wanted.parse(name, sent[name])
        for name, wanted in spec.fields.items()
        if name in sent
    }


def _refuse_duplicates(
    uow: UnitOfWork, principal: Principal, spec: Kind, values: Mapping[str, Any], row_id: int | None
) -> None:
    for name in spec.unique:
        column = spec.fields[name].column
        value = values.get(column)
        if isinstance(value, str) and repository.taken(
            uow.session, getattr(spec.model, column), principal.company_id, value, row_id
        ):
            raise Conflict(f"another {spec.noun} already has the {name} '{value}'")


def _record(
    uow: UnitOfWork, principal: Principal, spec: Kind, row: Row, done: str, data: dict[str, Any]
) -> None:
    audit.record(uow, principal, f"{spec.entity}.{done}", spec.entity, row.uuid, data=data)


def _plain(spec: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values by the fields callers name, as JSON holds them (for the audit log)."""
    names = {wanted.column: name for name, wanted in spec.fields.items()}
    return {names[column]: _json(value) for column, value in values.items()}


def _json(value: object) -> object:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return str(value)
    return value


# What callers send, checked one field at a time.


def _text(name: str, value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise Invalid.field(name, "must be text")


def _name(name: str, value: object) -> str:
    return required_text(_text(name, value), name, NAME_MAX)


def _line(max_length: int, *, required: bool = False) -> Parse:
    """Free text up to `max_length`, blank allowed unless `required`."""

    def parse(name: str, value: object) -> str:
        if required:
            return required_text(_text(name, value), name, max_length)
        text = (_text(name, value) or "").strip()
        if len(text) > max_length:
            raise Invalid.field(name, f"must be at most {max_length} characters")
        return text

    return parse


def _code(name: str, value: object) -> str:
    code = required_text(_text(name, value), name, CODE_MAX).lower()
    if not _CODE.fullmatch(code):
        raise Invalid.field(name, "may hold only letters, digits and underscores")
    return code


def _code_from_name(values: Mapping[str, Any]) -> str:
    code = re.sub(r"[^a-z0-9]+", "_", str(values["name"]).lower()).strip("_")[:CODE_MAX]
    if not code:
        raise Invalid.field("code", "is required when the name has no letters or digits")
    return code


def _stage(name: str, value: object) -> str:
    stage = re.sub(r"[\s-]+", "_", (_text(name, value) or "").strip().lower())
    if stage not in STAGES:
        raise Invalid.field(name, f"must be one of {', '.join(STAGES)}")
    return stage


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise Invalid.field(name, "must be true or false")


def _integer(name: str, value: object, low: int, what: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= INT32:
        raise Invalid.field(name, f"must be {what}")
    return number


def _position(name: str, value: object) -> int:
    return _integer(name, value, -INT32, "a whole number")


def _target(name: str, value: object) -> int | None:
    if value is None:
        return None
    # Counted in its clock's unit: hours, or days for working_days.
    return _integer(name, value, 0, "a whole number, 0 or more, or null")


def _sla_clock(name: str, value: object) -> str:
    word = value.strip().lower() if isinstance(value, str) else ""
    if word not in SLA_CLOCKS:
        raise Invalid.field(name, f"must be one of {', '.join(SLA_CLOCKS)}")
    return word


def _clock(name: str, value: object) -> time | None:
    if value is None:
        return None
    found = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise Invalid.field(name, "must be a time of day as HH:MM (00:00 to 23:59), or null")
    return time(int(found[1]), int(found[2]))


def _degrees(limit: int) -> Parse:
    """A coordinate from -limit to limit, kept to the microdegree the column holds."""

    def parse(name: str, value: object) -> Decimal | None:
        if value is None:
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            degrees = Decimal(str(value).strip())
        except InvalidOperation:
            degrees = Decimal("NaN")
        if not degrees.is_finite() or not -limit <= degrees <= limit:
            raise Invalid.field(name, f"must be a number from -{limit} to {limit}, or null")
        return degrees.quantize(_MICRODEGREE)

    return parse


def _country(name: str, value: object) -> str:
    text = (_text(name, value) or "").strip()
    if not _COUNTRY.fullmatch(text):
        raise Invalid.field(name, "must be a two-letter country code such as GB")
    return text.upper()


# Rules between the fields of one option, by column.


def _targets_within_limits(values: Mapping[str, Any]) -> None:
    for moment in ("response", "completion"):
        target = values.get(f"{moment}_target")
        clock = values.get(f"{moment}_clock") or sla_clock.CALENDAR_HOURS
        limit = sla_clock.LIMITS.get(clock, sla_clock.LIMITS[sla_clock.CALENDAR_HOURS])
        if target is not None and target > limit:
            unit = "working days" if clock == sla_clock.WORKING_DAYS else "hours"
            raise Invalid.field(f"{moment}_target", f"must be at most {limit} {unit}")


def _targets_in_order(values: Mapping[str, Any]) -> None:
    respond, complete = values.get("response_target"), values.get("completion_target")
    # Targets on different clocks are not comparable by their numbers.
    same_clock = values.get("response_clock") == values.get("completion_clock")
    if respond is not None and complete is not None and same_clock and complete < respond:
        raise Invalid.field("completion_target", "must not be less than response_target")


def _times_in_order(values: Mapping[str, Any]) -> None:
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is not None and ends is not None and not starts < ends:
        raise Invalid.field("end_time", "must be after start_time")


def _calendar_hours(values: Mapping[str, Any]) -> str:
    return sla_clock.CALENDAR_HOURS


def _coordinates_together(values: Mapping[str, Any]) -> None:
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is None and longitude is not None:
        raise Invalid.field("latitude", "must be given with longitude")
    if longitude is None and latitude is not None:
        raise Invalid.field("longitude", "must be given with latitude")


def _named(**more: Field) -> dict[str, Field]:
    """The fields of an option a company names and orders, plus the kind's own."""
    return {"name": Field("name", _name), "sort_order": Field("sort_order", _position), **more}


KINDS: dict[str, Kind] = {
    "statuses": Kind(
        noun="status", entity="job_status", model=JobStatus,
        fields=_named(
            code=Field("code", _code, derive=_code_from_name),
            stage=Field("stage", _stage),
            pauses_sla=Field("pauses_sla", _flag),
        ),
        required=("name", "stage"),
        searched=(JobStatus.name, JobStatus.code),
        order=(JobStatus.sort_order, JobStatus.id),
        view=status_view,
        used_by=((Job.status_id, "job"), (ApprovalRule.status_id, "approval gate")),
        unique=("name", "code"),
        sort_order=JobStatus.sort_order,
    ),
    "types": Kind(
        noun="job type", entity="job_type", model=JobType, fields=_named(), required=("name",),
        searched=(JobType.name,), order=(JobType.sort_order, JobType.id), view=named_view,
        used_by=((Job.type_id, "job"),), sort_order=JobType.sort_order,
    ),
    "priorities": Kind(
        noun="priority", entity="job_priority", model=JobPriority,
        fields=_named(
            response_target=Field("response_target", _target),
            response_clock=Field("response_clock", _sla_clock, derive=_calendar_hours),
            completion_target=Field("completion_target", _target),
            completion_clock=Field("completion_clock", _sla_clock, derive=_calendar_hours),
        ),
        required=("name",),
        searched=(JobPriority.name,),
        order=(JobPriority.sort_order, JobPriority.id),
        view=priority_view,
        used_by=((Job.priority_id, "job"),),
        sort_order=JobPriority.sort_order,
        checks=(_targets_within_limits, _targets_in_order),
    ),
    "payment_statuses": Kind(
        noun="payment status", entity="payment_status", model=PaymentStatus, fields=_named(),
        required=("name",), searched=(PaymentStatus.name,),
        order=(PaymentStatus.sort_order, PaymentStatus.id), view=named_view,
        used_by=((Job.payment_status_id, "job"),), sort_order=PaymentStatus.sort_order,
    ),
    "time_ranges": Kind(
        noun="time range", entity="time_range", model=TimeRange,
        fields=_named(
            start_time=Field("starts_at", _clock), end_time=Field("ends_at", _clock)
        ),
        required=("name",),
        searched=(TimeRange.name,),
        order=(TimeRange.sort_order, TimeRange.id),
        view=time_range_view,
        used_by=((Job.time_range_id, "job"),),
        sort_order=TimeRange.sort_order,
        checks=(_times_in_order,),
    ),
    "addresses": Kind(
        noun="address", entity="property_address", model=PropertyAddress,
        fields={
            "address_line_1": Field("line1", _line(200, required=True)),
            "address_line_2": Field("line2", _line(200)),
            "city": Field("city", _line(120)),
            "postcode": Field("postcode", _line(20)),
            "country": Field("country", _country),
            "latitude": Field("latitude", _degrees(90)),
            "longitude": Field("longitude", _degrees(180)),
        },
        required=("address_line_1",),
        searched=(
            PropertyAddress.line1, PropertyAddress.line2,
            PropertyAddress.city, PropertyAddress.postcode,
        ),
        order=(PropertyAddress.line1, PropertyAddress.id),
        view=property_view,
        used_by=((Job.address_id, "job"),),
        unique=(),
        checks=(_coordinates_together,),
    ),
    "document_types": Kind(
        noun="document type", entity="document_type", model=DocumentCategory, fields=_named(),
        required=("name",), searched=(DocumentCategory.name,),
        order=(DocumentCategory.sort_order, DocumentCategory.id), view=named_view,
        used_by=((Document.category_id, "document"),), sort_order=DocumentCategory.sort_order,
    ),
}  # fmt: skip
