"""Queries for SLA: the jobs measured, with their priorities, and their status histories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from jobshots.core.jobs.repository import Reach
from jobshots.core.sla.status import Entered
from jobshots.db.models import Job, JobPriority, JobStatus, JobStatusChange

# Stages a job is still being worked in; the rest have finished with it.
OPEN_STAGES = ("new", "assigned", "in_progress")
# Ids per query, well under every backend's limit on bound parameters.
_CHUNK = 500


def open_jobs(session: Session, reach: Reach) -> list[Job]:
    """The live jobs within reach whose status is in an open stage (or who have none)."""
    query = (
        select(Job)
        .where(*_open(session, reach))
        .options(selectinload(Job.priority), selectinload(Job.status))
        .order_by(Job.id)
    )
    return list(session.scalars(query))


def open_starts(session: Session, reach: Reach) -> list[tuple[int, int | None, datetime]]:
    """Each open job within reach: its id, its priority's id, and when its SLA clocks
    started (its first status change; its creation when it has none)."""
    first = (
        select(func.min(JobStatusChange.changed_at))
        .where(JobStatusChange.job_id == Job.id)
        .scalar_subquery()
    )
    started = func.coalesce(first, Job.created_at)
    query = select(Job.id, Job.priority_id, started).where(*_open(session, reach))
    return list(session.execute(query).tuples())


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


def _open(session: Session, reach: Reach) -> list[ColumnElement[bool]]:
    """The conditions of an open job within reach: its status in an open stage, or none.

    The open statuses are read first, so the jobs are found by their status ids in an index."""
    open_ids = select(JobStatus.id).where(
        JobStatus.company_id == reach.company_id, JobStatus.stage.in_(OPEN_STAGES)
    )
    ids = list(session.scalars(open_ids))
    return [*reach.live_jobs(), or_(Job.status_id.is_(None), Job.status_id.in_(ids))]


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
