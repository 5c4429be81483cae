"""The reference-data service on its own: windows, search, stored values and its audit trail."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Invalid, MissingPermission
from jobshots.core.principal import Principal
from jobshots.core.reference import service as reference
from jobshots.core.reference.views import PriorityView, PropertyView, StatusView
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, JobPriority, PropertyAddress


def _owner(ctx: Context, name: str = "Acme") -> Principal:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        return users.acting_as(made.owner)


def test_a_list_comes_in_windows_with_the_total_that_match(ctx: Context) -> None:
    owner = _owner(ctx)
    with ctx.uow() as uow:
        first, total = reference.list_items(uow, owner, "statuses", offset=0, limit=3)
        rest, again = reference.list_items(uow, owner, "statuses", offset=3)
        found, matched = reference.list_items(uow, owner, "statuses", search="PROGRESS")
    assert (len(first), len(rest), total, again) == (3, 7, 10, 10)
    assert [s.name for s in first] == ["Open", "Awaiting approval", "Assigned"]
    assert [(s.name, matched) for s in found] == [("In Progress", 1)]
    assert all(isinstance(s, StatusView) for s in first + rest)


def test_a_list_needs_the_jobs_list_permission_and_a_sane_window(ctx: Context) -> None:
    owner = _owner(ctx)
    nobody = dataclasses.replace(owner, permissions=frozenset())
    with ctx.uow() as uow:
        with pytest.raises(MissingPermission):
            reference.list_items(uow, nobody, "document_types")
        with pytest.raises(Invalid) as refused:
            reference.list_items(uow, owner, "document_types", limit=0)
    assert "limit" in refused.value.fields


def test_an_address_keeps_its_coordinates_to_the_microdegree_and_is_audited(
    ctx: Context,
) -> None:
    owner = _owner(ctx)
    sent = {"address_line_1": " 1 Quay St ", "latitude": "51.50000049", "longitude": -0.1276}
    with ctx.uow() as uow:
        made = reference.create(uow, owner, "addresses", sent)
    assert isinstance(made, PropertyView)
    assert (made.line1, made.country) == ("1 Quay St", "GB")
    with ctx.uow() as uow:
        row = uow.session.scalars(select(PropertyAddress)).one()
        events = uow.session.scalars(select(AuditEvent.data).where(
            AuditEvent.action == "property_address.created"
        )).all()  # fmt: skip
    assert (row.latitude, row.longitude) == (Decimal("51.500000"), Decimal("-0.127600"))
    assert events == [
        {"kind": "addresses", "values": {
            "address_line_1": "1 Quay St", "latitude": "51.500000", "longitude": "-0.127600",
        }},
    ]  # fmt: skip


def test_an_update_that_changes_nothing_records_nothing(ctx: Context) -> None:
    owner = _owner(ctx)
    with ctx.uow() as uow:
        [open_status, *_] = reference.list_items(uow, owner, "statuses")[0]
        ref = reference.ItemRef(uuid=str(open_status.uuid))
        same = reference.update(uow, owner, "statuses", ref, {"name": "Open", "stage": "new"})
        assert same == open_status
    with ctx.uow() as uow:
        updates = uow.session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "job_status.updated")
        ).all()
    assert updates == []


def test_a_priority_counts_each_target_on_its_own_clock_and_the_change_is_audited(
    ctx: Context,
) -> None:
    owner = _owner(ctx)
    with ctx.uow() as uow:
        made = reference.create(uow, owner, "priorities", {"name": "Planned", "response_target": 4})
        assert isinstance(made, PriorityView)
        assert (made.response_clock, made.completion_clock) == ("calendar_hours", "calendar_hours")
        ref = reference.ItemRef(uuid=str(made.uuid))
        changed = {"response_clock": "working_hours", "completion_target": 3,
                   "completion_clock": "working_days"}  # fmt: skip
        reference.update(uow, owner, "priorities", ref, changed)
        with pytest.raises(Invalid) as refused:
            reference.update(uow, owner, "priorities", ref, {"completion_target": 1001})
    assert refused.value.fields == {"completion_target": ["must be at most 1000 working days"]}
    with ctx.uow() as uow:
        row = uow.session.scalars(select(JobPriority).where(JobPriority.name == "Planned")).one()
        [event] = uow.session.scalars(select(AuditEvent.data).where(
            AuditEvent.action == "job_priority.updated"
        )).all()  # fmt: skip
    assert (row.response_target, row.response_clock) == (4, "working_hours")
    assert (row.completion_target, row.completion_clock) == (3, "working_days")
    assert event == {"kind": "priorities", "changed": changed}
