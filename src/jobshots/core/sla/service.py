"""SLA status of the caller's jobs: each job's history and targets read, and measured at a time
the caller may fix (the clock is injectable)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobshots.core import permissions
from jobshots.core.errors import Conflict, Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.jobs.service import JobRef
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.sla import clock, repository
from jobshots.core.sla.clock import WorkingWeek
from jobshots.core.sla.status import (
    BREACHED,
    OVERDUE,
    STATES,
    WITHIN,
    Entered,
    Target,
    earliest_wait,
    standing,
)
from jobshots.core.sla.views import JobSla
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import Company, Job, JobPriority
from jobshots.db.types import utcnow

# The most urgent first: breached, overdue, then within, and jobs not measured last.
_URGENCY = {BREACHED: 0, OVERDUE: 1, WITHIN: 2, None: 3}
# Open jobs measured at a time when finding the most urgent: a page's worth at least.
_BATCH = 100
_SECOND = timedelta(seconds=1)
_NO_WAITS: tuple[timedelta | None, ...] = (None, None)


@dataclass(frozen=True)
class SlaQuery:
    """Which jobs: one job (whatever its stage) or every open one, and of which state."""

    job: JobRef | None = None
    state: str | None = None


def statuses(
    uow: UnitOfWork,
    principal: Principal,
    query: SlaQuery,
    paging: SliceRequest,
    now: Callable[[], datetime] = utcnow,
) -> tuple[list[JobSla], int]:
    """A slice of the caller's jobs' SLA standings, most urgent first, and how many match."""
    principal.require(permissions.JOBS_MANAGE)
    if query.state is not None and query.state not in STATES:
        raise Invalid.field("state", f"must be one of {', '.join(STATES)}")
    offset, limit = paging.checked()
    at = now()
    if query.job is None and query.state is None:
        return _most_urgent(uow, principal, at, offset, limit)
    if query.job is not None:
        measured = [jobs.get(uow, principal, query.job)]
    else:
        measured = repository.open_jobs(uow.session, jobs.reach_of(principal))
    found = measure(uow, principal, measured, at)
    matching = [item for item in found if query.state is None or item.state == query.state]
    matching.sort(key=_urgency)
    return matching[offset : offset + limit], len(matching)


def _most_urgent(
    uow: UnitOfWork, principal: Principal, at: datetime, offset: int, limit: int
) -> tuple[list[JobSla], int]:
    """A slice of every open job's standing, most urgent first, measuring only the jobs that
    could be in it: each job's urgency has a floor known from its start and its priority's
    targets alone, and once the slice's last job is more urgent than every unmeasured floor,
    no other job can come before it."""
    session = uow.session
    _week_of(session.get_one(Company, principal.company_id))  # unusable: refused, jobs or not
    starts = repository.open_starts(session, jobs.reach_of(principal))
    held = {priority_id for _, priority_id, _ in starts if priority_id is not None}
    waits = {
        priority_id: tuple(earliest_wait(target) for target in _targets(priority))
        for priority_id, priority in repository.priorities(session, held).items()
    }
    floors = sorted(
        _floor(job_id, waits.get(priority_id or 0, _NO_WAITS), start, at)
        for job_id, priority_id, start in starts
    )
    wanted, batch = offset + limit, max(offset + limit, _BATCH)
    measured: list[JobSla] = []
    for first in range(0, len(floors), batch):
        if len(measured) >= wanted and floors[first] > _urgency(measured[wanted - 1]):
            break
        ids = [floor[-1] for floor in floors[first : first + batch]]
        measured.extend(measure(uow, principal, repository.jobs_by_ids(session, ids), at))
        measured.sort(key=_urgency)
    return measured[offset : offset + limit], len(floors)


def _floor(
    job_id: int, waits: tuple[timedelta | None, ...], start: datetime, at: datetime
) -> tuple[int, bool, int, int]:
    """The most urgent a job started at `start` can be at `at` (see `_urgency`), its
    priority's deadlines falling `waits` (response, completion) after the start at the
    soonest: breached only once its earliest completion deadline has passed, overdue only once
    its earliest response deadline has, and never due before the earliest."""
    response_wait, completion_wait = waits
    if completion_wait is not None and start + completion_wait < at:
        return (_URGENCY[BREACHED], False, (start + completion_wait - at) // _SECOND, job_id)
    if response_wait is not None and start + response_wait < at:
        return (_URGENCY[OVERDUE], False, (start + response_wait - at) // _SECOND, job_id)
    if response_wait is None and completion_wait is None:
        return (_URGENCY[None], True, 0, job_id)
    soonest = min(wait for wait in waits if wait is not None)
    return (_URGENCY[WITHIN], False, (start + soonest - at) // _SECOND, job_id)


def measure(
    uow: UnitOfWork, principal: Principal, rows: Sequence[Job], at: datetime
) -> list[JobSla]:
    """Where each of these jobs of the caller's company stands at `at`."""
    week = _week_of(uow.session.get_one(Company, principal.company_id))
    histories = repository.histories(uow.session, [job.id for job in rows])
    measured = []
    for job in rows:
        history = histories.get(job.id) or [_created(job)]
        response, completion = _targets(job.priority)
        measured.append(
            JobSla(
                id=job.id,
                uuid=job.uuid,
                reference=job.reference,
                title=job.title,
                priority_name=job.priority.name if job.priority else None,
                standing=standing(history, response, completion, week, at),
            )
        )
    return measured


def _week_of(company: Company) -> WorkingWeek:
    try:
        return clock.working_week(
            company.time_zone,
            company.working_day_starts,
            company.working_day_ends,
            company.bank_holidays,
        )
    except ValueError as exc:
        raise Conflict(f"the company's working week cannot be used: {exc}") from exc


def _targets(priority: JobPriority | None) -> tuple[Target | None, Target | None]:
    if priority is None:
        return None, None
    response, completion = priority.response_target, priority.completion_target
    return (
        None if response is None else Target(response, priority.response_clock),
        None if completion is None else Target(completion, priority.completion_clock),
    )


def _created(job: Job) -> Entered:
    """A job from before status histories were kept: its status taken as held since created."""
    status = job.status
    stage, pauses = (status.stage, status.pauses_sla) if status else ("new", False)
    return Entered(job.created_at, stage, pauses)


def _urgency(item: JobSla) -> tuple[int, bool, int, int]:
    remaining = item.standing.seconds_remaining
    return (_URGENCY[item.state], remaining is None, remaining or 0, item.id)
