"""Where a job stands against its SLA: one pure function of its status history, its priority's
targets, the company's working week and the time now.

- The clocks start when the job was created (its first status).
- Response is the job first entering the `assigned` stage or a later one; completion, first
  entering `complete` or later. A recall reopening the job does not restart them.
- Time in a status that pauses the SLA does not count: a deadline moves out by the paused time
  as its own clock counts it. While paused now, the deadline shown is the one the job would
  meet if the pause ended now. A pause after a deadline passed does not move it back.
- `breached`: the completion deadline passed while the job was open (or it was completed
  after it); `overdue`: the response deadline passed without a response; else `within`.
  Breached wins over overdue. A job whose priority sets no target is not measured (None).
- A deadline is still met at its very instant, and passed any moment after it.
- The current window is the response one until the job responds, then the completion one;
  `seconds_remaining` is the wall time to its deadline (negative once passed), `at_risk` that
  under 20% of the window's own clock time is left while it has not yet passed. A completed
  job has no current window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobshots.core.sla import clock
from jobshots.core.sla.clock import WorkingWeek
from jobshots.db.models.reference import STAGES

WITHIN, OVERDUE, BREACHED = "within", "overdue", "breached"
STATES = (WITHIN, OVERDUE, BREACHED)
RESPONSE, COMPLETION = "response", "completion"
# Under this share of a window left, a job is at risk (1/5: 20%).
AT_RISK_SHARE = 5
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Entered:
    """A job entering a status: when, the status's stage, and whether it pauses the SLA."""

    at: datetime
    stage: str
    pauses: bool


@dataclass(frozen=True)
class Target:
    """A promise: `amount` units of `clock` (hours, or working days)."""

    amount: int
    clock: str

    @property
    def measurable(self) -> bool:
        """True for a known clock and an amount within its limit."""
        limit = clock.LIMITS.get(self.clock)
        return limit is not None and 0 <= self.amount <= limit


def earliest_due(target: Target | None, start: datetime) -> datetime | None:
    """An instant no deadline on `target` from `start` can fall before (see `earliest_wait`);
    None for no measurable target."""
    wait = earliest_wait(target)
    return None if wait is None else start + wait


def earliest_wait(target: Target | None) -> timedelta | None:
    """How long after its start a deadline on `target` falls at the soonest, whatever the
    job's pauses and the company's working week: working time never runs faster than real
    time, and the Nth working day after a start ends past the local midnight N-1 days later
    (an hour either way for a clock change). None for no measurable target."""
    if target is None or not target.measurable:
        return None
    if target.clock == clock.WORKING_DAYS:
        return max(timedelta(0), timedelta(days=target.amount - 1, hours=-2))
    return target.amount * clock.HOUR


@dataclass(frozen=True)
class Standing:
    """A job against its SLA at one moment."""

    response_due_at: datetime | None
    completion_due_at: datetime | None
    responded_at: datetime | None
    completed_at: datetime | None
    state: str | None
    window: str | None
    seconds_remaining: int | None
    at_risk: bool
    paused: bool

    @property
    def seconds_exceeded(self) -> int | None:
        """How far past the current deadline, 0 before it; None without a window."""
        if self.seconds_remaining is None:
            return None
        return max(0, -self.seconds_remaining)


@dataclass(frozen=True)
class _Deadline:
    due_at: datetime
    left: timedelta  # the window's clock time still to run at its end (negative: past it)
    length: timedelta  # the window's whole clock time


def standing(
    history: Sequence[Entered],
    response: Target | None,
    completion: Target | None,
    week: WorkingWeek,
    now: datetime,
) -> Standing:
    """Where a job with this status history (oldest first, never empty) stands at `now`."""
    seen = [change for change in history if change.at <= now] or [history[0]]
    responded_at = _first_at(seen, "assigned")
    completed_at = _first_at(seen, "complete")
    response_due = _deadline(seen, response, responded_at or now, week)
    completion_due = _deadline(seen, completion, completed_at or now, week)
    state = _state(response_due, completion_due, responded_at, completed_at, now)
    current = _current(response_due, completion_due, responded_at, completed_at, state)
    remaining = None if current is None else (current.due_at - now) // _SECOND
    return Standing(
        response_due_at=response_due.due_at if response_due else None,
        completion_due_at=completion_due.due_at if completion_due else None,
        responded_at=responded_at,
        completed_at=completed_at,
        state=state,
        window=None if current is None else (RESPONSE if current is response_due else COMPLETION),
        seconds_remaining=remaining,
        at_risk=current is not None and now <= current.due_at and _at_risk(current),
        paused=seen[-1].pauses,
    )


def _first_at(history: Sequence[Entered], stage: str) -> datetime | None:
    """When the job first entered `stage` or a later one."""
    reached = STAGES.index(stage)
    for change in history:
        if change.stage in STAGES and STAGES.index(change.stage) >= reached:
            return change.at
    return None


def _deadline(
    history: Sequence[Entered], target: Target | None, until: datetime, week: WorkingWeek
) -> _Deadline | None:
    """A target's deadline, with the history's pauses up to `until` (when the clock stopped,
    or now) taken out; after `until` the clock is taken to run on unpaused."""
    if target is None or not target.measurable:
        return None
    start = history[0].at
    try:
        length = clock.window(target.clock, week, start, target.amount)
        left, due_at = length, None
        for begins, ends in _running(history, until):
            ran = clock.counted(target.clock, week, begins, ends)
            if due_at is None and ran >= left:
                due_at = clock.reach(target.clock, week, begins, left)
            left -= ran
        if due_at is None:
            due_at = clock.reach(target.clock, week, until, left)
    except OverflowError:
        return None
    return _Deadline(due_at, left, length)


def _running(history: Sequence[Entered], until: datetime) -> list[tuple[datetime, datetime]]:
    """The spans before `until` the job spent in statuses that do not pause the SLA."""
    spans = []
    for change, following in zip(history, [*history[1:], None], strict=True):
        ends = min(following.at, until) if following is not None else until
        if not change.pauses and change.at < ends:
            spans.append((change.at, ends))
    return spans


def _state(
    response: _Deadline | None,
    completion: _Deadline | None,
    responded_at: datetime | None,
    completed_at: datetime | None,
    now: datetime,
) -> str | None:
    if response is None and completion is None:
        return None
    if completion is not None and (completed_at or now) > completion.due_at:
        return BREACHED
    if response is not None and responded_at is None and now > response.due_at:
        return OVERDUE
    return WITHIN


def _current(
    response: _Deadline | None,
    completion: _Deadline | None,
    responded_at: datetime | None,
    completed_at: datetime | None,
    state: str | None,
) -> _Deadline | None:
    """The deadline the job is working to now: none once it is completed."""
    if completed_at is not None:
        return None
    if response is not None and responded_at is None and state != BREACHED:
        return response
    return completion


def _at_risk(deadline: _Deadline) -> bool:
    return deadline.left * AT_RISK_SHARE < deadline.length
