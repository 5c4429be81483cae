"""Amendments as the maintenance API writes them, fields named as the job object names them."""

from __future__ import annotations

from typing import Any

from jobshots.core.amendments.views import AmendableView, AmendmentView
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire.jobs import FIELD_NAMES


def request(view: AmendmentView) -> dict[str, Any]:
    """One amendment request; values are text, as `requested_value` is sent."""
    return {
        "ID": view.id,
        "uuid": str(view.uuid),
        "job_id": view.job_id,
        "job_uuid": str(view.job_uuid),
        "field_name": FIELD_NAMES.get(view.field, view.field),
        "current_value": view.current_value,
        "requested_value": view.requested_value,
        "reason": view.reason,
        "status": view.status,
        "requested_by": view.requested_by.id if view.requested_by else None,
        "requested_by_name": view.requested_by.name if view.requested_by else None,
        "requested_at": iso_seconds(view.requested_at),
        "decided_by": view.decided_by.id if view.decided_by else None,
        "decided_by_name": view.decided_by.name if view.decided_by else None,
        "decided_at": iso_seconds(view.decided_at),
        "notes": view.notes,
    }


def field(view: AmendableView) -> dict[str, Any]:
    """A field the caller may propose to change, with its current value and its options."""
    options = None
    if view.options is not None:
        options = [{"id": item.id, "name": item.name} for item in view.options]
    return {
        "field_name": FIELD_NAMES.get(view.field, view.field),
        "label": view.label,
        "type": view.kind,
        "current_value": view.current_value,
        "options": options,
    }
