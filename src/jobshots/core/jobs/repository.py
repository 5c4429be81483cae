"""Queries for jobs, always scoped to one company."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from jobshots.db.models import Job, PropertyAddress


@dataclass(frozen=True)
class Reach:
    """Which of a company's jobs a caller reaches: all, or only the ones assigned to them."""

    company_id: int
    contractor_id: int | None = None
    agent_id: int | None = None

    @property
    def restricted(self) -> bool:
        """True when the caller sees only some of the company's jobs."""
        return self.contractor_id is not None or self.agent_id is not None

    def live_jobs(self) -> list[ColumnElement[bool]]:
        """The conditions of a live job within reach."""
        where = [Job.company_id == self.company_id, Job.deleted_at.is_(None)]
        if self.contractor_id is not None:
            where.append(Job.contractor_id == self.contractor_id)
        if self.agent_id is not None:
            where.append(Job.agent_id == self.agent_id)
        return where


def by_uuid(session: Session, reach: Reach, job_uuid: uuid.UUID) -> Job | None:
    """The live job within reach with that UUID."""
    query = select(Job).where(*reach.live_jobs(), Job.uuid == job_uuid)
    return session.scalars(query).one_or_none()


def by_id(session: Session, reach: Reach, job_id: int) -> Job | None:
    """The live job within reach with that integer id."""
    query = select(Job).where(*reach.live_jobs(), Job.id == job_id)
    return session.scalars(query).one_or_none()


def addresses_near(
    session: Session, company_id: int, latitude: float, longitude: float, degrees: float
) -> list[PropertyAddress]:
    """The company's geocoded addresses within a small box around a point."""
    lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    box = Decimal(str(degrees))
    query = select(PropertyAddress).where(
        PropertyAddress.company_id == company_id,
        PropertyAddress.latitude.between(lat - box, lat + box),
        PropertyAddress.longitude.between(lon - box, lon + box),
    )
    return list(session.scalars(query))


def latest_at_address(session: Session, reach: Reach, address_id: int) -> Job | None:
    """The most recent live job within reach at an address."""
    query = (
        select(Job)
        .where(*reach.live_jobs(), Job.address_id == address_id)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def page(session: Session, reach: Reach, offset: int, limit: int) -> tuple[list[Job], int]:
    """A page of the live jobs within reach, newest first, and the total count."""
    live = reach.live_jobs()
    total = session.scalar(select(func.count()).select_from(Job).where(*live)) or 0
    query = (
        select(Job)
        .where(*live)
        .options(selectinload(Job.created_by), selectinload(Job.address))
        .order_by(Job.created_at.desc(), Job.id.desc())
    )
    return list(session.scalars(query.offset(offset).limit(limit))), total
