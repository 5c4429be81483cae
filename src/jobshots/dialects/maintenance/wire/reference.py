"""The maintenance API's JSON shapes for reference data: the lookups a job's fields point at."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from jobshots.core.reference.views import (
    NamedView,
    PriorityView,
    PropertyView,
    ReferenceView,
    StatusView,
    TimeRangeView,
)
from jobshots.dialects.maintenance.wire import listed, ok

# Each kind's `<x>` in the vendor's `<x>_id` / `<x>_name` pairs, as the job object spells them.
PAIRS = {
    "statuses": "status",
    "types": "job_type",
    "priorities": "priority",
    "payment_statuses": "payment_status",
    "time_ranges": "time_range",
    "addresses": "address",
    "document_types": "document_type",
}
# Each kind in messages: (the list, one of it).
LABELS = {
    "statuses": ("Job statuses", "Job status"),
    "types": ("Job types", "Job type"),
    "priorities": ("Priorities", "Priority"),
    "payment_statuses": ("Payment statuses", "Payment status"),
    "time_ranges": ("Time ranges", "Time range"),
    "addresses": ("Addresses", "Address"),
    "document_types": ("Document types", "Document type"),
}


def name_field(kind: str) -> str:
    """The vendor's name of an option's name (`status_name`), also taken in requests."""
    return f"{PAIRS[kind]}_name"


def item(kind: str, view: ReferenceView) -> dict[str, Any]:
    """One option: its ids, its name both ways, its place, and what its kind adds."""
    pair = PAIRS[kind]
    body: dict[str, Any] = {"ID": view.id, "uuid": str(view.uuid), f"{pair}_id": view.id}
    if isinstance(view, PropertyView):
        return body | _address(view)
    body |= {"name": view.name, f"{pair}_name": view.name, "sort_order": view.sort_order}
    return body | _extra(view)


def items(kind: str, views: list[ReferenceView], total: int) -> dict[str, Any]:
    """A list of options: `count` in this answer, `total` that match."""
    return listed(f"{LABELS[kind][0]} retrieved", [item(kind, view) for view in views], total)


def changed(kind: str, view: ReferenceView, done: str) -> dict[str, Any]:
    """An option created or updated, as it now stands."""
    return ok(f"{LABELS[kind][1]} {done}", item(kind, view))


def deleted(kind: str) -> dict[str, Any]:
    """An option deleted."""
    return ok(f"{LABELS[kind][1]} deleted")


def _extra(view: NamedView) -> dict[str, Any]:
    if isinstance(view, StatusView):
        return {
            "code": view.code,
            "stage": view.stage,
            "pauses_sla": view.pauses_sla,
        }
    if isinstance(view, PriorityView):
        return {
            "response_target": view.response_target,
            "response_clock": view.response_clock,
            "completion_target": view.completion_target,
            "completion_clock": view.completion_clock,
        }
    if isinstance(view, TimeRangeView):
        return {"start_time": _clock(view.starts_at), "end_time": _clock(view.ends_at)}
    return {}


def _address(view: PropertyView) -> dict[str, Any]:
    return {
        "name": view.name,
        # Addresses keep no order of their own; listed by their first line.
        "sort_order": 0,
        "address_line_1": view.line1,
        "address_line_2": view.line2,
        "city": view.city,
        "postcode": view.postcode,
        "country": view.country,
        "full_address": view.name,
        "latitude": _number(view.latitude),
        "longitude": _number(view.longitude),
    }


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
