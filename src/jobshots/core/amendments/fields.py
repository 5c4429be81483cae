"""Who may propose a change to which job field, and how a proposed value, sent as text, is
read before the job rules check it.

Sealed fields (access details, the private contact) are never amendable: an amendment keeps
the value it proposes and the value it replaces in plain rows, where sealed values must not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobshots.core.errors import Invalid

# How a field's value is written and offered: free text, an amount to the penny, a percentage,
# a date, one of the company's options, one of its people, or several of its tenants.
KINDS = ("text", "money", "percentage", "date", "reference", "person", "references")


@dataclass(frozen=True)
class Amendable:
    """A job field that may be proposed for change: its name, its label, how it is written."""

    name: str
    label: str
    kind: str


FIELDS = {
    field.name: field
    for field in (
        Amendable("title", "Job title", "text"),
        Amendable("description", "Job description", "text"),
        Amendable("status_id", "Status", "reference"),
        Amendable("priority_id", "Priority", "reference"),
        Amendable("type_id", "Job type", "reference"),
        Amendable("payment_status_id", "Payment status", "reference"),
        Amendable("time_range_id", "Time range", "reference"),
        Amendable("address_id", "Property address", "reference"),
        Amendable("agent_id", "Agent", "person"),
        Amendable("contractor_id", "Contractor", "person"),
        Amendable("tenant_ids", "Tenants", "references"),
        Amendable("budget", "Client budget (incl. VAT)", "money"),
        Amendable("contractor_budget", "Contractor budget", "money"),
        Amendable("vat_rate", "VAT %", "percentage"),
        Amendable("total_amount", "Total amount", "money"),
        Amendable("start_date", "Works start date", "date"),
        Amendable("completion_date", "Works end date", "date"),
        Amendable("works_order_ref", "Works order reference", "text"),
        Amendable("invoice_number", "Invoice number", "text"),
        Amendable("quote_number", "Quote number", "text"),
    )
}

# Contractors propose their budget, their dates and their slot; agents also the client's
# budget and the priority; the office any field.
_CONTRACTOR = ("contractor_budget", "start_date", "completion_date", "time_range_id")
_AGENT = (*_CONTRACTOR, "budget", "priority_id")
_BY_ROLE: dict[str, tuple[str, ...]] = {
    "owner": tuple(FIELDS),
    "manager": tuple(FIELDS),
    "staff": tuple(FIELDS),
    "contractor": _CONTRACTOR,
    "agent": _AGENT,
}


def for_role(role: str) -> list[Amendable]:
    """The fields a role may propose to change, in the job form's order."""
    allowed = _BY_ROLE.get(role, ())
    return [field for name, field in FIELDS.items() if name in allowed]


def may_amend(role: str, name: str) -> bool:
    """True when the role may propose a change to the field."""
    return name in _BY_ROLE.get(role, ())


def parse(field: Amendable, text: str) -> Any:
    """The value a proposal's text stands for, as the job rules take it; empty text clears a
    field that may be empty."""
    value = text.strip()
    if field.kind == "text":
        return text
    if field.kind == "references":
        items = [item.strip() for item in value.strip("[]").split(",") if item.strip()]
        return [_whole(field.name, item) for item in items]
    if not value:
        return None
    if field.kind in ("reference", "person"):
        return _whole(field.name, value)
    return value


def shown(value: Any) -> str | None:
    """A field's value (as the job's history keeps it) as the text a proposal writes."""
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _whole(name: str, text: str) -> int:
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise Invalid.field(name, "must be a whole number")
    return int(text)
