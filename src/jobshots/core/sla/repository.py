"""Queries for SLA: the jobs measured, with their priorities, and their status histories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from jobshots.core.jobs.repository import Reach
from jobshots.core.sla.status import Entered
from jobshots.db.models import Job, JobStatus, JobStatusChange

# Stages a job is still being worked in; the rest have finished with it.
OPEN_STAGES = ("new", "assigned", "in_progress")
# Ids per query, well under every backend's limit on bound parameters.
_CHUNK = 500


def open_jobs(session: Session, reach: Reach) -> list[Job]:
    """The live jobs within reach whose status is in an open stage (or who have none)."""
    query = (
        select(Job)
        .outerjoin(JobStatus, JobStatus.id == Job.status_id)
        .where(*reach.live_jobs(), or_(Job.status_id.is_(None), JobStatus.stage.in_(OPEN_STAGES)))
        .options(selectinload(Job.priority), selectinload(Job.status))
        .order_by(Job.id)
    )
    return list(session.scalars(query))


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
