"""Jobs as the maintenance API writes them, field names as the vendor's reference gives them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from jobshots.core.jobs.views import JobDetail, Named
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire.gates import gate

# The vendor's name of each job field, by the core's; the same table reads requests.
FIELD_NAMES = {
    "title": "job_title",
    "description": "job_description",
    "status_id": "status_id",
    "priority_id": "priority_id",
    "type_id": "job_type_id",
    "payment_status_id": "payment_status_id",
    "time_range_id": "time_range_id",
    "address_id": "address_id",
    "agent_id": "agent_id",
    "contractor_id": "contractor_id",
    "tenant_ids": "tenants_ids",
    "budget": "job_total_budget",
    "contractor_budget": "contractor_budget",
    "vat_rate": "vat_percentage",
    "total_amount": "total_amount",
    "start_date": "date_works_start_date",
    "completion_date": "date_works_end_date",
    "works_order_ref": "works_order_ref",
    "invoice_number": "invoice_no",
    "quote_number": "quote_no",
    "access_details": "access_details",
    "private_contact_name": "private_contact_name",
    "private_contact_email": "private_contact_email",
}


def job(item: JobDetail) -> dict[str, Any]:
    """One job, every field of the vendor's table plus the caller's pin, the file counts and
    its approval gate (null when no gate holds it)."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "job_ref": item.reference,
        "job_title": item.title,
        "job_description": item.description,
        **_pair("status", item.status),
        "stage": item.stage,
        **_pair("priority", item.priority),
        **_pair("job_type", item.job_type),
        **_pair("payment_status", item.payment_status),
        **_pair("time_range", item.time_range),
        **_pair("agent", item.agent),
        **_pair("contractor", item.contractor),
        "created_by": item.created_by.id if item.created_by else None,
        "created_by_name": item.created_by.name if item.created_by else None,
        "address_id": item.address_id,
        "full_address": item.address.one_line if item.address else None,
        "postcode": item.address.postcode if item.address else None,
        "tenants_ids": item.tenant_ids,
        "job_total_budget": money(item.budget),
        "contractor_budget": money(item.contractor_budget),
        "vat_percentage": money(item.vat_rate),
        "total_amount": money(item.total_amount),
        "date_works_start_date": _day(item.start_date),
        "date_works_end_date": _day(item.completion_date),
        "invoice_no": item.invoice_number,
        "quote_no": item.quote_number,
        "works_order_ref": item.works_order_ref,
        "access_details": item.access_details,
        "private_contact_name": item.private_contact_name,
        "private_contact_email": item.private_contact_email,
        "is_pinned": item.is_pinned,
        "photos_count": item.photos_count,
        "documents_count": item.documents_count,
        "created_at": iso_seconds(item.created_at),
        "updated_at": iso_seconds(item.updated_at),
        "approval_gate": gate(item.approval_gate),
    }


def money(amount: Decimal | None) -> float | None:
    """An exact amount as a JSON number: to the penny and under 16 digits, a float's shortest
    text is the same decimal."""
    return float(amount) if amount is not None else None


def _pair(name: str, value: Named | None) -> dict[str, Any]:
    return {
        f"{name}_id": value.id if value else None,
        f"{name}_name": value.name if value else None,
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
