"""Queries for jobs, always scoped to one company."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from jobshots.db.models import Job, PropertyAddress


def by_uuid(session: Session, company_id: int, job_uuid: uuid.UUID) -> Job | None:
    """The company's live job with that UUID."""
    query = select(Job).where(
        Job.company_id == company_id, Job.uuid == job_uuid, Job.deleted_at.is_(None)
    )
    return session.scalars(query).one_or_none()


def by_id(session: Session, company_id: int, job_id: int) -> Job | None:
    """The company's live job with that integer id."""
    query = select(Job).where(
        Job.company_id == company_id, Job.id == job_id, Job.deleted_at.is_(None)
    )
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


def latest_at_address(session: Session, company_id: int, address_id: int) -> Job | None:
    """The most recent live job at an address."""
    query = (
        select(Job)
        .where(Job.company_id == company_id, Job.address_id == address_id, Job.deleted_at.is_(None))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def page(session: Session, company_id: int, offset: int, limit: int) -> tuple[list[Job], int]:
    """A page of the company's live jobs, newest first, and the total count."""
    live = (Job.company_id == company_id, Job.deleted_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Job).where(*live)) or 0
    query = (
        select(Job)
        .where(*live)
        .options(selectinload(Job.created_by), selectinload(Job.address))
        .order_by(Job.created_at.desc(), Job.id.desc())
    )
    return list(session.scalars(query.offset(offset).limit(limit))), total
