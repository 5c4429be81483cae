"""Queries for SLA: the jobs measured, with their priorities, and their status histories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, tuple_, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from jobshots.core.jobs.repository import Reach
from jobshots.core.sla.status import Entered
from jobshots.db.models import Job, JobPriority, JobStatus, JobStatusChange

# Stages a job is still being worked in; the rest have finished with it.
OPEN_STAGES = ("new", "assigned", "in_progress")
# Ids per query, well under every backend's limit on bound parameters.
_CHUNK = 500


@dataclass(frozen=True)
class OpenJobs:
    """The live jobs within a reach whose status is in an open stage (or who have none)."""

    reach: Reach
    status_ids: tuple[int, ...]

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions of such a job, found by its status id in an index."""
        open_status = or_(Job.status_id.is_(None), Job.status_id.in_(self.status_ids))
        return [*self.reach.live_jobs(), open_status]


def open_within(session: Session, reach: Reach) -> OpenJobs:
    """The open jobs within reach, the company's open statuses read first."""
    open_ids = select(JobStatus.id).where(
        JobStatus.company_id == reach.company_id, JobStatus.stage.in_(OPEN_STAGES)
    )
    return OpenJobs(reach, tuple(session.scalars(open_ids)))


def open_jobs(session: Session, reach: Reach) -> list[Job]:
    """The open jobs within reach."""
    query = (
        select(Job)
        .where(*open_within(session, reach).where())
        .options(selectinload(Job.priority), selectinload(Job.status))
        .order_by(Job.id)
    )
    return list(session.scalars(query))


def counts(session: Session, found: OpenJobs) -> dict[tuple[int | None, int | None], int]:
    """How many of these jobs hold each priority and status (None: none), the ones held only."""
    query = (
        select(Job.priority_id, Job.status_id, func.count())
        .where(*found.where())
        .group_by(Job.priority_id, Job.status_id)
    )
    return {(priority_id, status_id): n for priority_id, status_id, n in session.execute(query)}


def in_clock_order(
    session: Session,
    found: OpenJobs,
    priority_id: int | None,
    status_ids: Sequence[int | None],
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[tuple[datetime, int]]:
    """Up to `limit` of these jobs of one priority in these (open) statuses after `after`, by
    when their clocks started, then by id: each one's start and id. Each status is read in
    order from the index and the reads merged, so closed jobs are never passed over."""
    parts = []
    for status_id in status_ids:
        part = select(Job.clock_started_at, Job.id).where(
            *found.reach.live_jobs(),
            _is(Job.priority_id, priority_id),
            _is(Job.status_id, status_id),
        )
        if after is not None:
            part = part.where(tuple_(Job.clock_started_at, Job.id) > after)
        parts.append(part.order_by(Job.clock_started_at, Job.id).limit(limit).subquery())
    merged = union_all(*(select(part.c.clock_started_at, part.c.id) for part in parts)).subquery()
    query = (
        select(merged.c.clock_started_at, merged.c.id)
        .order_by(merged.c.clock_started_at, merged.c.id)
        .limit(limit)
    )
    return list(session.execute(query).all())


def in_id_order(
    session: Session, found: OpenJobs, priority_id: int | None, after: int, limit: int
) -> list[int]:
    """The ids of up to `limit` of these jobs of one priority with ids above `after`, in order."""
    query = (
        select(Job.id)
        .where(*found.where(), _is(Job.priority_id, priority_id), Job.id > after)
        .order_by(Job.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _is(column: InstrumentedAttribute[int | None], value: int | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def jobs_by_ids(session: Session, job_ids: Sequence[int]) -> list[Job]:
    """These jobs, with their priorities and statuses loaded."""
    query = (
        select(Job)
        .where(Job.id.in_(job_ids))
        .options(selectinload(Job.priority), selectinload(Job.status))
    )
    return list(session.scalars(query))


def priorities(session: Session, priority_ids: Collection[int]) -> dict[int, JobPriority]:
    """These priorities by id."""
    query = select(JobPriority).where(JobPriority.id.in_(priority_ids))
    return {priority.id: priority for priority in session.scalars(query)}


def histories(session: Session, job_ids: Sequence[int]) -> dict[int, list[Entered]]:
    """Each job's status history, oldest first (jobs without one are left out)."""
    found: dict[int, list[Entered]] = defaultdict(list)
    for first in range(0, len(job_ids), _CHUNK):
        query = (
            select(
                JobStatusChange.job_id,
                JobStatusChange.changed_at,
                JobStatusChange.stage,
                JobStatusChange.pauses_sla,
            )
            .where(JobStatusChange.job_id.in_(job_ids[first : first + _CHUNK]))
            .order_by(JobStatusChange.job_id, JobStatusChange.changed_at, JobStatusChange.id)
        )
        for job_id, changed_at, stage, pauses in session.execute(query):
            found[job_id].append(Entered(changed_at, stage, pauses))
    return dict(found)
