"""Reference data as the APIs show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from uuid import UUID

from jobshots.db.models import (
    DocumentCategory,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    TimeRange,
)


@dataclass(frozen=True)
class NamedView:
    """An option of a list a company orders itself: a job type, a payment status, ..."""

    id: int
    uuid: UUID
    name: str
    sort_order: int


@dataclass(frozen=True)
class StatusView(NamedView):
    """A job status, with the lifecycle stage it belongs to."""

    code: str
    stage: str
    pauses_sla: bool


@dataclass(frozen=True)
class PriorityView(NamedView):
    """A priority, with the time the company promises to respond and to complete in: each a
    target counted on its clock (`calendar_hours`, `working_hours` or `working_days`)."""

    response_target: int | None
    response_clock: str
    completion_target: int | None
    completion_clock: str


@dataclass(frozen=True)
class TimeRangeView(NamedView):
    """A contractor attendance slot."""

    starts_at: time | None
    ends_at: time | None


@dataclass(frozen=True)
class PropertyView:
    """A property the company maintains."""

    id: int
    uuid: UUID
    line1: str
    line2: str
    city: str
    postcode: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None

    @property
    def name(self) -> str:
        """The address on one line, as a list shows it."""
        return ", ".join(
            part for part in (self.line1, self.line2, self.city, self.postcode) if part
        )


ReferenceView = NamedView | StatusView | PriorityView | TimeRangeView | PropertyView


def named_view(row: JobType | PaymentStatus | DocumentCategory) -> NamedView:
    """A job type, payment status or document type."""
    return NamedView(id=row.id, uuid=row.uuid, name=row.name, sort_order=row.sort_order)


def status_view(row: JobStatus) -> StatusView:
    """A job status."""
    return StatusView(
        id=row.id, uuid=row.uuid, name=row.name, sort_order=row.sort_order,
        code=row.code, stage=row.stage, pauses_sla=row.pauses_sla,
    )  # fmt: skip


def priority_view(row: JobPriority) -> PriorityView:
    """A priority."""
    return PriorityView(
        id=row.id, uuid=row.uuid, name=row.name, sort_order=row.sort_order,
        response_target=row.response_target, response_clock=row.response_clock,
        completion_target=row.completion_target, completion_clock=row.completion_clock,
    )  # fmt: skip


def time_range_view(row: TimeRange) -> TimeRangeView:
    """A time range."""
    return TimeRangeView(
        id=row.id, uuid=row.uuid, name=row.name, sort_order=row.sort_order,
        starts_at=row.starts_at, ends_at=row.ends_at,
    )  # fmt: skip


def property_view(row: PropertyAddress) -> PropertyView:
    """A property address."""
    return PropertyView(
        id=row.id, uuid=row.uuid, line1=row.line1, line2=row.line2, city=row.city,
        postcode=row.postcode, country=row.country,
        latitude=row.latitude, longitude=row.longitude,
    )  # fmt: skip
