"""Queries for photos, always scoped to one company."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session, joinedload

from jobshots.core.jobs.repository import Reach
from jobshots.db.models import Job, Photo, User
from jobshots.db.models.photos import PhotoTally, stored_state

# uploaded: oldest upload first. newest_taken: latest capture first (no capture time last),
# then latest upload, then highest id. recently_updated: latest change first.
Order = Literal["uploaded", "newest_taken", "recently_updated"]
# Rows read from the database at a time when a page is streamed.
STREAM_BATCH = 500
_PEOPLE = (Photo.uploaded_by, Photo.created_by, Photo.updated_by)
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Criteria:
    """What a list of photos is narrowed to; None and empty mean any."""

    job_id: int | None = None
    photo_type: str | None = None
    include_deleted: bool = False
    form_id: str | None = None
    created_since: datetime | None = None
    updated_since: datetime | None = None
    # Photo column name -> line item id.
    links: dict[str, int] = field(default_factory=dict)
    uploaded: bool | None = None
    stored: bool | None = None
    processed: bool | None = None


def shown(
    company_id: int, creator_id: int | None = None, reach: Reach | None = None
) -> ColumnElement[bool]:
    """The one rule for which photos a company sees.

    A photo is shown once its original is stored. Before that (a direct upload still on
    its way) only `creator_id`, the person uploading it, finds it, and only by its id.
    A caller who reaches only some jobs sees only those jobs' photos.
    """
    stored: ColumnElement[bool] = stored_state()
    if creator_id is not None:
        stored = or_(stored, and_(Photo.state == "pending", Photo.created_by_id == creator_id))
    rule = and_(Photo.company_id == company_id, stored)
    if reach is not None and reach.restricted:
        rule = and_(rule, Photo.job_id.in_(select(Job.id).where(*reach.live_jobs())))
    return rule


def find(
    session: Session,
    reach: Reach,
    creator_id: int,
    match: ColumnElement[bool],
    *,
    job_id: int | None = None,
    include_deleted: bool = False,
    for_update: bool = False,
) -> Photo | None:
    """The shown photo that `match` names, optionally only within one job, optionally locked."""
    where = [shown(reach.company_id, creator_id, reach), match]
    if job_id is not None:
        where.append(Photo.job_id == job_id)
    if not include_deleted:
        where.append(Photo.deleted_at.is_(None))
    query = select(Photo).where(*where)
    if for_update:
        query = query.with_for_update(of=Photo).execution_options(populate_existing=True)
    return session.scalars(query).first()


def by_id(photo_id: int) -> ColumnElement[bool]:
    """Match on the integer id."""
    return Photo.id == photo_id


def by_uuid(photo_uuid: uuid.UUID) -> ColumnElement[bool]:
    """Match on the UUID."""
    return Photo.uuid == photo_uuid


def by_public_key(key: str) -> ColumnElement[bool]:
    """Match on the client's key, or on the UUID of a photo that has none."""
    matches = [Photo.client_key == key]
    with contextlib.suppress(ValueError):
        matches.append((Photo.uuid == uuid.UUID(key)) & Photo.client_key.is_(None))
    return or_(*matches)


def by_client_key(session: Session, company_id: int, client_key: str) -> Photo | None:
    """The company's photo with that client-chosen key, in any state."""
    query = select(Photo).where(Photo.company_id == company_id, Photo.client_key == client_key)
    return session.scalars(query).one_or_none()


def stream(
    session: Session, reach: Reach, which: Criteria, order: Order, offset: int, limit: int
) -> tuple[Iterator[Photo], int]:
    """A page of the shown photos in `order`, read in batches as the caller iterates, never
    all held at once; and how many match in all."""
    where = _matching(reach, which)
    # The page's ids first, from the list's index alone: an offset skips index entries, not
    # rows. Then the rows of those ids by primary key, a batch at a time.
    page = _ordered(select(Photo.id).where(*where), order).offset(offset).limit(limit)
    ids = list(session.scalars(page))

    # Of the job and the people, only what a photo's view shows: rows stay narrow.
    people = (User.uuid, User.first_name, User.last_name, User.email)
    loads = (
        joinedload(Photo.job).load_only(Job.uuid),
        *(joinedload(who).load_only(*people) for who in _PEOPLE),
    )

    def rows() -> Iterator[Photo]:
        for start in range(0, len(ids), STREAM_BATCH):
            wanted = ids[start : start + STREAM_BATCH]
            query = select(Photo).where(Photo.id.in_(wanted)).options(*loads)
            found = {photo.id: photo for photo in session.scalars(query)}
            # In the page's order; a photo removed since its id was read is left out.
            batch = [found[photo_id] for photo_id in wanted if photo_id in found]
            yield from batch
            # The caller has rendered the batch: let it go (renditions with it), so memory
            # stays flat. The few users and jobs they share stay, as one copy each.
            for photo in batch:
                session.expunge(photo)

    everything = not reach.restricted and which == Criteria()
    return rows(), _tally(session, reach.company_id) if everything else _count(session, where)


def _matching(reach: Reach, which: Criteria) -> list[ColumnElement[bool]]:
    where = [shown(reach.company_id, reach=reach)]
    if which.job_id is not None:
        where.append(Photo.job_id == which.job_id)
    if which.photo_type is not None:
        where.append(Photo.photo_type == which.photo_type)
    if not which.include_deleted:
        where.append(Photo.deleted_at.is_(None))
    if which.form_id is not None:
        where.append(Photo.form_id == which.form_id)
    if which.created_since is not None:
        where.append(Photo.created_at >= which.created_since)
    if which.updated_since is not None:
        where.append(Photo.updated_at >= which.updated_since)
    where.extend(getattr(Photo, column) == item for column, item in which.links.items())
    states = {
        "uploaded": (which.uploaded, Photo.state != "pending"),
        "stored": (which.stored, stored_state()),
        "processed": (which.processed, Photo.state == "processed"),
    }
    for wanted, condition in states.values():
        if wanted is not None:
            where.append(condition if wanted else not_(condition))
    return where


def _ordered(query: Select[_Row], order: Order) -> Select[_Row]:
    if order == "newest_taken":
        # "No capture time last" said as its own key, so the list's index can hold it (SQLite's
        # indexes cannot say NULLS LAST).
        return query.order_by(
            Photo.taken_at.is_(None),
            Photo.taken_at.desc(),
            Photo.created_at.desc(),
            Photo.id.desc(),
        )
    if order == "recently_updated":
        return query.order_by(Photo.updated_at.desc(), Photo.id.desc())
    return query.order_by(Photo.created_at, Photo.id)


def _tally(session: Session, company_id: int) -> int:
    """How many photos the company shows: its kept tally, not a count of a company's rows."""
    query = select(PhotoTally.shown).where(PhotoTally.company_id == company_id)
    return session.scalar(query) or 0


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(Photo).where(*where)) or 0


def live_for_job(
    session: Session, company_id: int, job_id: int, latest: int | None = None
) -> list[Photo]:
    """The job's shown, undeleted photos, oldest upload first; only the `latest` when given."""
    where = (shown(company_id), Photo.deleted_at.is_(None), Photo.job_id == job_id)
    if latest is None:
        return list(
            session.scalars(select(Photo).where(*where).order_by(Photo.created_at, Photo.id))
        )
    newest = select(Photo).where(*where).order_by(Photo.created_at.desc(), Photo.id.desc())
    return list(reversed(session.scalars(newest.limit(latest)).all()))


def count_live_for_job(session: Session, company_id: int, job_id: int) -> int:
    """How many shown, undeleted photos the job has."""
    return _count(session, [shown(company_id), Photo.deleted_at.is_(None), Photo.job_id == job_id])


def located_for_job(session: Session, company_id: int, job_id: int) -> list[Photo]:
    """The job's shown, undeleted photos that have a location, oldest upload first."""
    query = select(Photo).where(*_located(company_id, job_id)).order_by(Photo.created_at, Photo.id)
    return list(session.scalars(query))


def deleted_of_job(session: Session, company_id: int, job_id: int, limit: int) -> list[Photo]:
    """Up to `limit` of the job's deleted, unpurged photos, most recently deleted first."""
    query = (
        select(Photo)
        .where(
            shown(company_id),
            Photo.job_id == job_id,
            Photo.deleted_at.is_not(None),
            Photo.purged_at.is_(None),
        )
        .order_by(Photo.deleted_at.desc(), Photo.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def count_located_for_job(session: Session, company_id: int, job_id: int) -> int:
    """How many of the job's shown, undeleted photos have a location."""
    return _count(session, _located(company_id, job_id))


def _located(company_id: int, job_id: int) -> list[ColumnElement[bool]]:
    return [
        shown(company_id), Photo.deleted_at.is_(None), Photo.job_id == job_id,
        Photo.latitude.is_not(None), Photo.longitude.is_not(None),
    ]  # fmt: skip
