"""SLA status of the caller's jobs: each job's history and targets read, and measured at a time
the caller may fix (the clock is injectable)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

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
# The urgency of a job not measured, but for its id; every id is above 0.
_UNMEASURED = (_URGENCY[None], True, 0, 0)


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
    could be in it: each job's urgency has a floor known from its clock's start and its
    priority's targets alone, each priority's jobs are read in the order of their floors, and
    once the slice's last job is more urgent than every unmeasured floor, no other job can come
    before it."""
    session = uow.session
    _week_of(session.get_one(Company, principal.company_id))  # unusable: refused, jobs or not
    found = repository.open_within(session, jobs.reach_of(principal))
    held: dict[int | None, list[int | None]] = {}
    counts = repository.counts(session, found)
    for priority_id, status_id in counts:
        held.setdefault(priority_id, []).append(status_id)
    priorities = repository.priorities(session, [key for key in held if key is not None])
    waits = {
        priority_id: tuple(earliest_wait(target) for target in _targets(priority))
        for priority_id, priority in priorities.items()
    }
    wanted, batch = offset + limit, max(offset + limit, _BATCH)
    streams = [
        _floors(
            session, found, priority_id, statuses, waits.get(priority_id or 0, _NO_WAITS), at, batch
        )
        for priority_id, statuses in held.items()
    ]
    measured: list[JobSla] = []
    ids: list[int] = []
    for floor, job_id in heapq.merge(*streams, key=lambda item: item[0]):
        if not ids and len(measured) >= wanted and floor > _urgency(measured[wanted - 1]):
            break
        if job_id is not None:
            ids.append(job_id)
        if len(ids) == batch:
            measured = _measured(uow, principal, measured, ids, at)
            ids = []
    if ids:
        measured = _measured(uow, principal, measured, ids, at)
    return measured[offset : offset + limit], sum(counts.values())


def _floors(
    session: Session,
    found: repository.OpenJobs,
    priority_id: int | None,
    statuses: list[int | None],
    waits: tuple[timedelta | None, ...],
    at: datetime,
    batch: int,
) -> Iterator[tuple[tuple[int, bool, int, int], int | None]]:
    """One priority's open jobs (they hold `statuses`), each with a floor on its urgency, the
    floors in order, read `batch` at a time. Its jobs come in the order their clocks started,
    the floor falling with the start; starts within one second need not come in id order, so
    the floor's id is 0, below every id. A priority without targets leaves every job
    unmeasured, the floor then its urgency exactly: its jobs come in id order, read only once
    the merge reaches `_UNMEASURED`, a floor none of them is below."""
    if waits == _NO_WAITS:
        yield _UNMEASURED, None
        after = 0
        while True:
            ids = repository.in_id_order(session, found, priority_id, after, batch)
            yield from (((*_UNMEASURED[:3], job_id), job_id) for job_id in ids)
            if len(ids) < batch:
                return
            after = ids[-1]
    last: tuple[datetime, int] | None = None
    while True:
        starts = repository.in_clock_order(session, found, priority_id, statuses, last, batch)
        yield from (((*_floor(waits, start, at), 0), job_id) for start, job_id in starts)
        if len(starts) < batch:
            return
        last = starts[-1]


def _measured(
    uow: UnitOfWork, principal: Principal, measured: list[JobSla], ids: list[int], at: datetime
) -> list[JobSla]:
    """The jobs measured so far and these ones, most urgent first."""
    added = measure(uow, principal, repository.jobs_by_ids(uow.session, ids), at)
    return sorted([*measured, *added], key=_urgency)


def _floor(
    waits: tuple[timedelta | None, ...], start: datetime, at: datetime
) -> tuple[int, bool, int]:
    """The most urgent a job started at `start` can be at `at` (see `_urgency`, but for the
    id), its priority's deadlines falling `waits` (response, completion) after the start at the
    soonest: breached only once its earliest completion deadline has passed, overdue only once
    its earliest response deadline has, and never due before the earliest. A later start never
    gives a more urgent floor."""
    response_wait, completion_wait = waits
    if completion_wait is not None and start + completion_wait < at:
        return (_URGENCY[BREACHED], False, (start + completion_wait - at) // _SECOND)
    if response_wait is not None and start + response_wait < at:
        return (_URGENCY[OVERDUE], False, (start + response_wait - at) // _SECOND)
    if response_wait is None and completion_wait is None:
        return (_URGENCY[None], True, 0)
    soonest = min(wait for wait in waits if wait is not None)
    return (_URGENCY[WITHIN], False, (start + soonest - at) // _SECOND)


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
