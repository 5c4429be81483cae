"""Queries for jobs, always scoped to one company."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, selectinload

from jobshots.core.ids import storable
from jobshots.core.jobs import gates
from jobshots.core.jobs.views import Tally
from jobshots.db.models import (
    AuditEvent,
    Document,
    Job,
    JobPin,
    Photo,
    PropertyAddress,
    Rendition,
)
from jobshots.db.models.photos import JobPhotoTally


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
    ids = _newest_ids(session, live, offset, limit)
    return _loaded(session, ids, selectinload(Job.created_by), selectinload(Job.address)), total


@dataclass(frozen=True)
class JobQuery:
    """Which jobs a search finds; None means any."""

    words: tuple[str, ...] = ()
    status_id: int | None = None
    priority_id: int | None = None
    agent_id: int | None = None
    contractor_id: int | None = None
    created_by_id: int | None = None
    has_photos: bool | None = None
    has_documents: bool | None = None

    def storable(self) -> bool:
        """True when every id it names could be in the database (else it matches nothing)."""
        named = (
            self.status_id,
            self.priority_id,
            self.agent_id,
            self.contractor_id,
            self.created_by_id,
        )
        return all(value is None or storable(value) for value in named)

    def conditions(self) -> list[ColumnElement[bool]]:
        """The conditions of this search, beside the reach's."""
        where: list[ColumnElement[bool]] = [
            or_(
                Job.title.icontains(word, autoescape=True),
                Job.reference.icontains(word, autoescape=True),
                Job.description.icontains(word, autoescape=True),
            )
            for word in self.words
        ]
        for column, value in (
            (Job.status_id, self.status_id),
            (Job.priority_id, self.priority_id),
            (Job.agent_id, self.agent_id),
            (Job.contractor_id, self.contractor_id),
            (Job.created_by_id, self.created_by_id),
        ):
            if value is not None:
                where.append(column == value)
        if self.has_photos is not None:
            where.append(Job.has_photos == self.has_photos)
        if self.has_documents is not None:
            held = exists().where(Document.job_id == Job.id)
            where.append(held if self.has_documents else ~held)
        return where


def search(
    session: Session,
    reach: Reach,
    query: JobQuery,
    offset: int,
    limit: int,
    pinned_by: int | None = None,
) -> tuple[list[Job], int]:
    """A slice of the jobs within reach that match, newest first (`pinned_by`'s pins before
    the rest when named), and how many match."""
    where = [*reach.live_jobs(), *query.conditions()]
    total = session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    if pinned_by is None:
        ids = _newest_ids(session, where, offset, limit)
    else:
        ids = _pinned_first_ids(session, where, pinned_by, offset, limit)
    return _loaded(session, ids, *_FULL), total


def _newest_ids(
    session: Session, where: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> list[int]:
    """The ids of a slice of the matching jobs, newest first.

    Ids first, rows after: the offset is skipped in the listing index alone, never by
    reading the rows it passes over."""
    query = select(Job.id).where(*where).order_by(Job.created_at.desc(), Job.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def _pinned_first_ids(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    user_id: int,
    offset: int,
    limit: int,
) -> list[int]:
    """The ids of a slice of the matching jobs, the user's pinned ones first, each part
    newest first: two ordered reads, so neither sorts every match."""
    pinned = exists().where(JobPin.job_id == Job.id, JobPin.user_id == user_id)
    held = session.scalar(select(func.count()).select_from(Job).where(*where, pinned)) or 0
    ids = _newest_ids(session, [*where, pinned], offset, limit) if offset < held else []
    if len(ids) < limit:
        rest = _newest_ids(session, [*where, ~pinned], max(0, offset - held), limit - len(ids))
        ids.extend(rest)
    return ids


def _loaded(session: Session, ids: Sequence[int], *options: Any) -> list[Job]:
    """The jobs with these ids, in the ids' order, with `options` loaded."""
    if not ids:
        return []
    rows = {
        job.id: job for job in session.scalars(select(Job).where(Job.id.in_(ids)).options(*options))
    }
    return [rows[job_id] for job_id in ids]


def full(session: Session, reach: Reach, job_id: int) -> Job:
    """A job within reach with its reference data and people loaded."""
    query = select(Job).where(*reach.live_jobs(), Job.id == job_id).options(*_FULL)
    return session.scalars(query).one()


def tallies(session: Session, user_id: int, job_ids: Sequence[int]) -> dict[int, Tally]:
    """Each job's photo and document counts, the user's pin and the job's approval gate."""
    if not job_ids:
        return {}
    shown = select(JobPhotoTally.job_id, JobPhotoTally.shown)
    photos = dict(session.execute(shown.where(JobPhotoTally.job_id.in_(job_ids))).all())
    documents = _counts(session, Document.job_id, Document.job_id.in_(job_ids))
    pinned = set(
        session.scalars(
            select(JobPin.job_id).where(JobPin.user_id == user_id, JobPin.job_id.in_(job_ids))
        )
    )
    held = gates.of_jobs(session, job_ids)
    return {
        job_id: Tally(
            photos.get(job_id, 0), documents.get(job_id, 0), job_id in pinned, held.get(job_id)
        )
        for job_id in job_ids
    }


def stored_keys(session: Session, job_id: int) -> list[str]:
    """Every storage key of a job's files: photos, their renditions, documents."""
    photo_keys = session.scalars(select(Photo.storage_key).where(Photo.job_id == job_id))
    rendition_keys = session.scalars(
        select(Rendition.storage_key).join(Photo).where(Photo.job_id == job_id)
    )
    document_keys = session.scalars(select(Document.storage_key).where(Document.job_id == job_id))
    return [key for key in (*photo_keys, *rendition_keys, *document_keys) if key]


def remove(session: Session, job_id: int) -> None:
    """Delete a job and, through the schema's cascades, everything of it; its audit trail
    stays, no longer tied to the row."""
    session.execute(update(AuditEvent).where(AuditEvent.job_id == job_id).values(job_id=None))
    session.execute(delete(Job).where(Job.id == job_id))
    session.expire_all()


def _counts(session: Session, job_column: Any, *where: ColumnElement[bool]) -> dict[int, int]:
    """Rows per job, by the column naming the job."""
    query = select(job_column, func.count()).where(*where).group_by(job_column)
    return {int(row[0]): int(row[1]) for row in session.execute(query)}


_FULL = (
    selectinload(Job.status),
    selectinload(Job.priority),
    selectinload(Job.job_type),
    selectinload(Job.payment_status),
    selectinload(Job.time_range),
    selectinload(Job.address),
    selectinload(Job.agent),
    selectinload(Job.contractor),
    selectinload(Job.created_by),
    selectinload(Job.tenants),
)
