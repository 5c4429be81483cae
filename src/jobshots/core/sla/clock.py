"""Working time: how much of an SLA clock runs between two instants, and when it reaches a target.

Three clocks (`SLA_CLOCKS`), each counting its own kind of time:

- `calendar_hours`: every second of elapsed (absolute) time; a target of N is N hours, so
  across a clock change 24 calendar hours are still 24 hours of real time.
- `working_hours`: only the company's working hours, Monday to Friday in its time zone, less
  its nation's bank holidays; a target of N is N working hours.
- `working_days`: counts the same working time; a target of N is due at the **end of the Nth
  working day after the day the clock started** (the day it started never counts, whatever
  the hour). Its window is the working time from the start to that end of day, so a pause
  moves it out by the working time paused.

Time is reached at the first instant the count makes the target: 8.5 working hours from a
Friday 09:00 are due at Friday 17:30, not Monday 09:00.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from jobshots.db.models.reference import SLA_CLOCKS

CALENDAR_HOURS, WORKING_HOURS, WORKING_DAYS = SLA_CLOCKS
HOUR = timedelta(hours=1)
# The largest target each clock takes (a year of hours; about four years of working days):
# beyond it a promise means nothing and the arithmetic would run for ages.
LIMITS = {CALENDAR_HOURS: 8760, WORKING_HOURS: 8760, WORKING_DAYS: 1000}
# Nations whose bank holidays the `holidays` package knows, by its subdivision codes.
NATIONS = ("ENG", "WLS", "SCT", "NIR")
_DAY = timedelta(days=1)
# No target within LIMITS needs more than this many calendar days of walking.
_HORIZON_DAYS = 366 * 12


@dataclass(frozen=True)
class WorkingWeek:
    """Monday to Friday from `starts` to `ends` in `zone`, except the days in `holidays`."""

    zone: ZoneInfo
    starts: time
    ends: time
    holidays: Container[date]

    def __post_init__(self) -> None:
        if not self.starts < self.ends:
            raise ValueError("a working day must end after it starts")

    def works_on(self, day: date) -> bool:
        """True for a weekday that is not a bank holiday."""
        return day.weekday() < 5 and day not in self.holidays

    def hours_of(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of a day, as UTC instants (the zone's offset that day)."""
        opens = datetime.combine(day, self.starts, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.ends, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def day_of(self, instant: datetime) -> date:
        """The local date an instant falls on."""
        return instant.astimezone(self.zone).date()


def working_week(time_zone: str, starts: time, ends: time, nation: str) -> WorkingWeek:
    """A company's working week; ValueError naming what is wrong with it."""
    if nation not in NATIONS:
        raise ValueError(f"bank holidays must be one of {', '.join(NATIONS)}, not {nation!r}")
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"no time zone is called {time_zone!r}") from exc
    return WorkingWeek(zone, starts, ends, holidays.country_holidays("GB", subdiv=nation))


def counted(clock: str, week: WorkingWeek, start: datetime, end: datetime) -> timedelta:
    """The time `clock` counts from `start` to `end` (nothing when `end` is not later)."""
    if end <= start:
        return timedelta(0)
    if clock == CALENDAR_HOURS:
        return end - start
    total = timedelta(0)
    for opens, closes in _working_spans(week, start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def reach(clock: str, week: WorkingWeek, start: datetime, amount: timedelta) -> datetime:
    """The first instant at which `clock`, running from `start`, has counted `amount`."""
    if amount <= timedelta(0):
        return start
    if clock == CALENDAR_HOURS:
        return start + amount
    left = amount
    for opens, closes in _working_spans(week, start):
        if closes - opens >= left:
            return opens + left
        left -= closes - opens
    raise OverflowError("the target lies beyond the clock's horizon")


def window(clock: str, week: WorkingWeek, start: datetime, target: int) -> timedelta:
    """The time a target of `target` units allows on `clock`, counted from `start`."""
    if clock == WORKING_DAYS:
        return counted(clock, week, start, end_of_working_day(week, start, target))
    return target * HOUR


def due(clock: str, week: WorkingWeek, start: datetime, target: int) -> datetime:
    """When a target falls due if the clock never pauses."""
    return reach(clock, week, start, window(clock, week, start, target))


def end_of_working_day(week: WorkingWeek, start: datetime, nth: int) -> datetime:
    """The close of the `nth` working day after the local day `start` falls on (0: `start`)."""
    if nth <= 0:
        return start
    day, found = week.day_of(start), 0
    for _ in range(_HORIZON_DAYS):
        day += _DAY
        found += week.works_on(day)
        if found == nth:
            return week.hours_of(day)[1]
    raise OverflowError("the target lies beyond the clock's horizon")


def _working_spans(week: WorkingWeek, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working hours from `since` on, in order, the first cut to start at `since`."""
    day = week.day_of(since) - _DAY  # a zone behind UTC may still be in yesterday's hours
    for _ in range(_HORIZON_DAYS):
        if week.works_on(day):
            opens, closes = week.hours_of(day)
            if closes > since:
                yield max(opens, since), closes
        day += _DAY
