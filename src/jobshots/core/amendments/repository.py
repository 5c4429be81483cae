"""Queries for amendments and what a proposal chooses from, always within the caller's reach."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from jobshots.core.jobs.repository import Reach
from jobshots.core.jobs.views import Named
from jobshots.db.models import (
    AmendmentRequest,
    Job,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    TimeRange,
    User,
)

# The company's options a reference field chooses from, and the role of the people a person
# field does; addresses and tenants are not listed (a company has thousands).
_OPTIONS = {
    "status_id": JobStatus,
    "priority_id": JobPriority,
    "type_id": JobType,
    "payment_status_id": PaymentStatus,
    "time_range_id": TimeRange,
}
_PEOPLE = {"agent_id": "agent", "contractor_id": "contractor"}


@dataclass(frozen=True)
class Filters:
    """Which requests a list finds; None means any."""

    job_id: int | None = None
    status: str | None = None
    uuid: uuid.UUID | None = None


def options(session: Session, company_id: int, field: str) -> list[Named] | None:
    """What a field of the company's jobs chooses from, in the company's order; None for a
    field with no list offered."""
    if field in _OPTIONS:
        model = _OPTIONS[field]
        query = (
            select(model.id, model.name)
            .where(model.company_id == company_id)
            .order_by(model.sort_order, model.id)
        )
        return [Named(int(row[0]), str(row[1])) for row in session.execute(query)]
    if field in _PEOPLE:
        people = session.scalars(
            select(User)
            .where(User.company_id == company_id, User.role == _PEOPLE[field], User.is_active)
            .order_by(User.id)
        )
        return sorted((Named(u.id, u.display_name) for u in people), key=lambda n: n.name)
    return None


def by_id(session: Session, reach: Reach, request_id: int) -> tuple[AmendmentRequest, Job] | None:
    """The request with that integer id, of a job within reach, and its job."""
    return _one(session, reach, AmendmentRequest.id == request_id)


def by_uuid(
    session: Session, reach: Reach, request_uuid: uuid.UUID
) -> tuple[AmendmentRequest, Job] | None:
    """The request with that UUID, of a job within reach, and its job."""
    return _one(session, reach, AmendmentRequest.uuid == request_uuid)


def search(
    session: Session, reach: Reach, filters: Filters, offset: int, limit: int
) -> tuple[list[tuple[AmendmentRequest, uuid.UUID]], int]:
    """A slice of the requests of jobs within reach that match, newest first, each with its
    job's UUID, and how many match."""
    where = [*reach.live_jobs(), *_conditions(filters)]
    joined = select(AmendmentRequest, Job.uuid).join(Job, Job.id == AmendmentRequest.job_id)
    counted = (
        select(func.count())
        .select_from(AmendmentRequest)
        .join(Job, Job.id == AmendmentRequest.job_id)
    )
    total = session.scalar(counted.where(*where)) or 0
    rows = session.execute(
        joined.where(*where)
        .order_by(AmendmentRequest.requested_at.desc(), AmendmentRequest.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows], total


def people(session: Session, ids: Collection[int | None]) -> dict[int, User]:
    """The users with these ids."""
    wanted = {item for item in ids if item is not None}
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}


def _one(
    session: Session, reach: Reach, condition: ColumnElement[bool]
) -> tuple[AmendmentRequest, Job] | None:
    query = (
        select(AmendmentRequest, Job)
        .join(Job, Job.id == AmendmentRequest.job_id)
        .where(*reach.live_jobs(), condition)
    )
    row = session.execute(query).one_or_none()
    return (row[0], row[1]) if row is not None else None


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.job_id is not None:
        where.append(AmendmentRequest.job_id == filters.job_id)
    if filters.status is not None:
        where.append(AmendmentRequest.status == filters.status)
    if filters.uuid is not None:
        where.append(AmendmentRequest.uuid == filters.uuid)
    return where
