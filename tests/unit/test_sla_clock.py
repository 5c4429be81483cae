"""SLA clocks and a job's SLA standing, as pure functions over a fixed time: each deadline one
second before, at and after it, the 20% line, weekends, English bank holidays and pauses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from jobshots.core.sla import clock
from jobshots.core.sla.status import Entered, Target, earliest_due, standing

LONDON = clock.working_week("Europe/London", time(9), time(17, 30), "ENG")
SECOND = timedelta(seconds=1)


def at(text: str) -> datetime:
    """A UTC instant from `YYYY-MM-DD HH:MM[:SS]`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (clock, start, target, due): Christmas 2026 is a Friday; Monday 28 December is the
# substitute Boxing Day in England; British clocks go back on Sunday 25 October 2026.
DUE = [
    ("calendar_hours", "2026-12-24 10:00", 72, "2026-12-27 10:00"),
    ("calendar_hours", "2026-10-24 12:00", 24, "2026-10-25 12:00"),  # real hours across the change
    ("working_hours", "2026-12-04 09:00", 8, "2026-12-04 17:00"),
    ("working_hours", "2026-12-04 09:00", 0, "2026-12-04 09:00"),
    ("working_hours", "2026-12-04 16:00", 4, "2026-12-07 11:30"),  # over a weekend
    ("working_hours", "2026-12-05 11:00", 1, "2026-12-07 10:00"),  # raised on a Saturday
    ("working_hours", "2026-12-04 20:00", 1, "2026-12-07 10:00"),  # raised after hours
    ("working_hours", "2026-12-24 15:00", 4, "2026-12-29 10:30"),  # over Christmas
    ("working_hours", "2026-07-01 08:00", 1, "2026-07-01 09:00"),  # 09:00 BST is 08:00 UTC
    ("working_hours", "2026-10-23 16:00", 1, "2026-10-26 09:30"),  # 17:00 BST to 09:30 GMT
    ("working_days", "2026-12-23 10:00", 1, "2026-12-24 17:30"),
    ("working_days", "2026-12-23 10:00", 2, "2026-12-29 17:30"),  # 25, 26, 27, 28 are not
    ("working_days", "2026-12-24 16:59", 1, "2026-12-29 17:30"),
    ("working_days", "2026-12-19 12:00", 1, "2026-12-21 17:30"),  # raised on a Saturday
    ("working_days", "2026-12-18 22:00", 1, "2026-12-21 17:30"),  # raised after hours
    ("working_days", "2026-07-02 08:00", 1, "2026-07-03 16:30"),  # 17:30 BST
]


@pytest.mark.parametrize(("kind", "start", "target", "expected"), DUE)
def test_each_clock_falls_due_when_its_target_is_counted(
    kind: str, start: str, target: int, expected: str
) -> None:
    assert clock.due(kind, LONDON, at(start), target) == at(expected)


def test_working_time_counts_only_working_hours_of_working_days() -> None:
    counted = clock.counted
    assert counted("working_hours", LONDON, at("2026-12-04 16:00"), at("2026-12-07 10:00")) == (
        timedelta(hours=2, minutes=30)
    )
    # Christmas Eve's afternoon and Tuesday morning; the holidays and the weekend not at all.
    assert counted("working_days", LONDON, at("2026-12-24 15:00"), at("2026-12-29 12:00")) == (
        timedelta(hours=5, minutes=30)
    )
    assert counted("calendar_hours", LONDON, at("2026-12-24 15:00"), at("2026-12-25 15:00")) == (
        timedelta(days=1)
    )
    assert counted("working_hours", LONDON, at("2026-12-07 10:00"), at("2026-12-07 09:00")) == (
        timedelta(0)
    )


def test_each_nation_keeps_its_own_bank_holidays() -> None:
    scotland = clock.working_week("Europe/London", time(9), time(17, 30), "SCT")
    # 2 January is a bank holiday in Scotland only.
    assert clock.due("working_days", LONDON, at("2026-01-01 10:00"), 1) == at("2026-01-02 17:30")
    assert clock.due("working_days", scotland, at("2026-01-01 10:00"), 1) == at("2026-01-05 17:30")


def test_a_working_week_is_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="time zone"):
        clock.working_week("Mars/Olympus_Mons", time(9), time(17), "ENG")
    with pytest.raises(ValueError, match="bank holidays"):
        clock.working_week("Europe/London", time(9), time(17), "GB")
    with pytest.raises(ValueError, match="end after"):
        clock.working_week("Europe/London", time(17), time(9), "ENG")


# A calendar-hours priority: respond within 2 hours, complete within 10.
CALENDAR = (Target(2, "calendar_hours"), Target(10, "calendar_hours"))
CREATED = at("2026-12-01 08:00")
NEW = Entered(CREATED, "new", pauses=False)
ASSIGNED = Entered(at("2026-12-01 09:00"), "assigned", pauses=False)


def _calendar(now: datetime, *history: Entered) -> dict[str, object]:
    found = standing([NEW, *history], *CALENDAR, LONDON, now)
    return {
        "state": found.state, "window": found.window, "remaining": found.seconds_remaining,
        "exceeded": found.seconds_exceeded, "at_risk": found.at_risk, "paused": found.paused,
    }  # fmt: skip


def test_a_new_job_is_within_its_response_window_with_its_deadlines() -> None:
    found = standing([NEW], *CALENDAR, LONDON, CREATED)
    assert (found.response_due_at, found.completion_due_at) == (
        at("2026-12-01 10:00"), at("2026-12-01 18:00"),
    )  # fmt: skip
    assert (found.responded_at, found.completed_at) == (None, None)
    assert _calendar(CREATED) == {
        "state": "within", "window": "response", "remaining": 7200, "exceeded": 0,
        "at_risk": False, "paused": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("now", "state", "remaining", "at_risk"),
    [
        ("2026-12-01 09:35:59", "within", 1441, False),
        ("2026-12-01 09:36:00", "within", 1440, False),  # exactly 20% of 2 hours left
        ("2026-12-01 09:36:01", "within", 1439, True),
        ("2026-12-01 09:59:59", "within", 1, True),
        ("2026-12-01 10:00:00", "within", 0, True),
        ("2026-12-01 10:00:01", "overdue", -1, False),
        ("2026-12-01 17:59:59", "overdue", -28799, False),
        ("2026-12-01 18:00:00", "overdue", -28800, False),
        ("2026-12-01 18:00:01", "breached", -1, False),  # breached wins over overdue
    ],
)
def test_a_job_never_responded_to_passes_its_response_then_its_completion_deadline(
    now: str, state: str, remaining: int, at_risk: bool
) -> None:
    found = _calendar(at(now))
    assert (found["state"], found["remaining"], found["at_risk"]) == (state, remaining, at_risk)
    assert found["window"] == ("completion" if state == "breached" else "response")
    assert found["exceeded"] == max(0, -remaining)


@pytest.mark.parametrize(
    ("now", "state", "remaining", "at_risk"),
    [
        ("2026-12-01 10:00:01", "within", 28799, False),  # answered in time: not overdue
        ("2026-12-01 16:00:00", "within", 7200, False),  # exactly 20% of 10 hours left
        ("2026-12-01 16:00:01", "within", 7199, True),
        ("2026-12-01 17:59:59", "within", 1, True),
        ("2026-12-01 18:00:00", "within", 0, True),
        ("2026-12-01 18:00:01", "breached", -1, False),
    ],
)
def test_a_responded_job_works_to_its_completion_deadline(
    now: str, state: str, remaining: int, at_risk: bool
) -> None:
    found = _calendar(at(now), ASSIGNED)
    assert found == {
        "state": state, "window": "completion", "remaining": remaining,
        "exceeded": max(0, -remaining), "at_risk": at_risk, "paused": False,
    }  # fmt: skip


def test_a_late_response_ends_overdue_and_reports_when_it_came() -> None:
    late = Entered(at("2026-12-01 11:00"), "assigned", pauses=False)
    found = standing([NEW, late], *CALENDAR, LONDON, at("2026-12-01 12:00"))
    assert (found.state, found.responded_at, found.window) == ("within", late.at, "completion")
    assert found.response_due_at == at("2026-12-01 10:00")


@pytest.mark.parametrize(
    ("completed", "state"),
    [("2026-12-01 18:00:00", "within"), ("2026-12-01 18:00:01", "breached")],
)
def test_a_completed_job_keeps_the_state_it_was_completed_in(completed: str, state: str) -> None:
    done = Entered(at(completed), "complete", pauses=False)
    closed = Entered(at("2026-12-09 09:00"), "closed", pauses=False)
    found = standing([NEW, ASSIGNED, done, closed], *CALENDAR, LONDON, at("2026-12-10 09:00"))
    assert (found.state, found.completed_at, found.responded_at) == (state, done.at, ASSIGNED.at)
    assert (found.window, found.seconds_remaining, found.at_risk) == (None, None, False)
    # Stopped clocks keep their deadlines, whatever happened after.
    assert found.completion_due_at == at("2026-12-01 18:00")


def test_going_straight_to_complete_is_also_the_response() -> None:
    done = Entered(at("2026-12-01 09:30"), "complete", pauses=False)
    found = standing([NEW, done], *CALENDAR, LONDON, at("2026-12-02 09:00"))
    assert (found.responded_at, found.completed_at, found.state) == (done.at, done.at, "within")


PAUSED = Entered(at("2026-12-01 10:00"), "in_progress", pauses=True)
RESUMED = Entered(at("2026-12-01 13:00"), "in_progress", pauses=False)


@pytest.mark.parametrize(
    ("now", "state", "remaining"),
    [("2026-12-01 20:59:59", "within", 1), ("2026-12-01 21:00", "within", 0),
     ("2026-12-01 21:00:01", "breached", -1)],
)  # fmt: skip
def test_three_hours_paused_move_the_completion_deadline_three_hours(
    now: str, state: str, remaining: int
) -> None:
    found = standing([NEW, ASSIGNED, PAUSED, RESUMED], *CALENDAR, LONDON, at(now))
    assert found.completion_due_at == at("2026-12-01 21:00")
    assert (found.state, found.seconds_remaining, found.paused) == (state, remaining, False)


def test_while_paused_the_deadline_moves_with_the_pause_and_the_clock_stands_still() -> None:
    two_hours_in = standing([NEW, ASSIGNED, PAUSED], *CALENDAR, LONDON, at("2026-12-01 12:00"))
    a_day_in = standing([NEW, ASSIGNED, PAUSED], *CALENDAR, LONDON, at("2026-12-02 10:00"))
    assert (two_hours_in.paused, two_hours_in.state) == (True, "within")
    assert two_hours_in.completion_due_at == at("2026-12-01 20:00")
    assert a_day_in.completion_due_at == at("2026-12-02 18:00")
    # Eight hours of the ten were left when the pause began, and still are.
    assert two_hours_in.seconds_remaining == a_day_in.seconds_remaining == 8 * 3600


def test_a_pause_before_the_response_moves_the_response_deadline() -> None:
    waiting = Entered(at("2026-12-01 09:00"), "new", pauses=True)
    back = Entered(at("2026-12-01 09:30"), "new", pauses=False)
    found = standing([NEW, waiting, back], *CALENDAR, LONDON, at("2026-12-01 10:15"))
    assert found.response_due_at == at("2026-12-01 10:30")
    assert (found.state, found.seconds_remaining) == ("within", 900)


def test_a_pause_after_a_deadline_passed_does_not_undo_it() -> None:
    late_pause = Entered(at("2026-12-01 19:00"), "in_progress", pauses=True)
    found = standing([NEW, ASSIGNED, late_pause], *CALENDAR, LONDON, at("2026-12-01 20:00"))
    assert found.completion_due_at == at("2026-12-01 18:00")
    assert (found.state, found.paused, found.seconds_remaining) == ("breached", True, -7200)


# A working-days priority raised on Christmas Eve 2026: respond in 1 working day, complete
# in 2; Friday 25 and Monday 28 December are bank holidays, 26 and 27 the weekend.
WORKING_DAYS = (Target(1, "working_days"), Target(2, "working_days"))
EVE = Entered(at("2026-12-24 10:00"), "new", pauses=False)
ANSWERED = Entered(at("2026-12-24 11:00"), "assigned", pauses=False)


@pytest.mark.parametrize(
    ("now", "state", "remaining"),
    [("2026-12-29 17:29:59", "within", 1), ("2026-12-29 17:30", "within", 0),
     ("2026-12-29 17:30:01", "overdue", -1)],
)  # fmt: skip
def test_a_working_days_response_falls_due_after_the_weekend_and_bank_holidays(
    now: str, state: str, remaining: int
) -> None:
    found = standing([EVE], *WORKING_DAYS, LONDON, at(now))
    assert (found.response_due_at, found.completion_due_at) == (
        at("2026-12-29 17:30"), at("2026-12-30 17:30"),
    )  # fmt: skip
    assert (found.state, found.window, found.seconds_remaining) == (state, "response", remaining)


@pytest.mark.parametrize(
    ("now", "state", "remaining", "at_risk"),
    [
        ("2026-12-26 12:00", "within", 365400, False),  # wall time to the deadline
        # The window is 24.5 working hours (7.5 on the 24th, 8.5 on the 29th and 30th):
        # 20% of it, 4h54m, is left at 12:36 on the 30th.
        ("2026-12-30 12:36:00", "within", 17640, False),
        ("2026-12-30 12:36:01", "within", 17639, True),
        ("2026-12-30 17:29:59", "within", 1, True),
        ("2026-12-30 17:30:00", "within", 0, True),
        ("2026-12-30 17:30:01", "breached", -1, False),
    ],
)
def test_a_working_days_completion_at_its_boundaries_and_its_20_percent_line(
    now: str, state: str, remaining: int, at_risk: bool
) -> None:
    found = standing([EVE, ANSWERED], *WORKING_DAYS, LONDON, at(now))
    assert found.completion_due_at == at("2026-12-30 17:30")
    assert (found.state, found.seconds_remaining, found.at_risk) == (state, remaining, at_risk)


def test_a_working_day_paused_moves_a_working_days_deadline_a_working_day() -> None:
    paused = Entered(at("2026-12-29 09:00"), "in_progress", pauses=True)
    resumed = Entered(at("2026-12-30 09:00"), "in_progress", pauses=False)
    found = standing([EVE, ANSWERED, paused, resumed], *WORKING_DAYS, LONDON, at("2026-12-30"))
    assert found.completion_due_at == at("2026-12-31 17:30")
    # Paused only outside working hours, nothing moves.
    evening = Entered(at("2026-12-29 18:00"), "in_progress", pauses=True)
    morning = Entered(at("2026-12-30 08:00"), "in_progress", pauses=False)
    history = [EVE, ANSWERED, evening, morning]
    assert standing(history, *WORKING_DAYS, LONDON, at("2026-12-30")).completion_due_at == (
        at("2026-12-30 17:30")
    )


def test_working_hours_paused_move_a_working_hours_deadline_by_working_hours() -> None:
    targets = (Target(4, "working_hours"), Target(16, "working_hours"))
    raised = Entered(at("2026-12-04 09:00"), "assigned", pauses=False)
    paused = Entered(at("2026-12-04 16:30"), "in_progress", pauses=True)
    resumed = Entered(at("2026-12-07 10:00"), "in_progress", pauses=False)
    found = standing([raised, paused, resumed], *targets, LONDON, at("2026-12-07 12:00"))
    # 16 hours from Friday 09:00 fall on Monday at 16:30; paused 2 working hours (16:30 to
    # 17:30 on Friday, 09:00 to 10:00 on Monday) they fall on Tuesday at 10:00.
    assert found.completion_due_at == at("2026-12-08 10:00")


def test_a_priority_without_targets_is_not_measured() -> None:
    found = standing([NEW], None, None, LONDON, at("2027-01-01"))
    assert (found.state, found.window, found.seconds_remaining, found.at_risk) == (
        None, None, None, False,
    )  # fmt: skip
    assert (found.response_due_at, found.completion_due_at) == (None, None)


def test_one_target_alone_is_measured_and_one_past_its_clocks_limit_is_not() -> None:
    only_completion = standing([NEW], None, CALENDAR[1], LONDON, at("2026-12-01 09:00"))
    assert (only_completion.state, only_completion.window) == ("within", "completion")
    too_long = Target(clock.LIMITS["working_days"] + 1, "working_days")
    unknown = Target(1, "lunar_months")
    assert standing([NEW], too_long, unknown, LONDON, CREATED).state is None


def test_a_working_deadline_is_the_first_instant_its_target_is_counted_for_many_starts() -> None:
    rng = random.Random(12)
    first = at("2026-01-01 00:00")
    for _ in range(300):
        start = first + timedelta(minutes=rng.randrange(366 * 24 * 60))
        kind = rng.choice(["working_hours", "working_days"])
        target = rng.randrange(0, 60)
        found = clock.due(kind, LONDON, start, target)
        allowed = clock.window(kind, LONDON, start, target)
        assert clock.counted(kind, LONDON, start, found) == allowed, (kind, start, target)
        if allowed:
            assert clock.counted(kind, LONDON, start, found - SECOND) < allowed
            # Every deadline falls in working hours, on a working day.
            local = found.astimezone(LONDON.zone)
            assert LONDON.works_on(local.date())
            assert time(9) < local.time() <= time(17, 30)
        if kind == "working_days" and target:
            assert found.astimezone(LONDON.zone).time() == time(17, 30)


def test_with_any_pauses_the_deadline_comes_when_the_unpaused_time_makes_the_window() -> None:
    rng = random.Random(7)
    for _ in range(200):
        kind = rng.choice(["calendar_hours", "working_hours", "working_days"])
        target = Target(rng.randrange(1, 20), kind)
        times = sorted(
            at("2026-12-14 07:00") + timedelta(minutes=rng.randrange(30 * 24 * 60))
            for _ in range(rng.randrange(1, 8))
        )
        history = [Entered(t, "new", pauses=rng.random() < 0.5) for t in times]
        history[0] = Entered(times[0], "new", pauses=False)
        history.append(Entered(times[-1] + timedelta(hours=1), "new", pauses=False))
        found = standing(history, target, None, LONDON, at("2027-06-01")).response_due_at
        assert found is not None
        ran = timedelta(0)
        for change, following in zip(history, [*history[1:], None], strict=True):
            ends = found if following is None else min(following.at, found)
            if not change.pauses:
                ran += clock.counted(kind, LONDON, change.at, ends)
        assert ran == clock.window(kind, LONDON, history[0].at, target.amount), history


@pytest.mark.parametrize(
    "week",
    [
        LONDON,
        clock.working_week("America/New_York", time(7), time(23, 45), "SCT"),
        clock.working_week("Pacific/Auckland", time(0), time(8), "NIR"),
    ],
)
def test_no_deadline_falls_before_its_earliest_due(week: clock.WorkingWeek) -> None:
    # The SLA list ranks jobs by this floor before measuring them: a floor past a real
    # deadline would leave a more urgent job off the page.
    picks = random.Random(16)
    start = at("2026-01-01 00:00")
    for _ in range(400):
        start += timedelta(minutes=picks.randrange(1, 60 * 48))
        clocks = (clock.CALENDAR_HOURS, clock.WORKING_HOURS, clock.WORKING_DAYS)
        target = Target(picks.randrange(0, 12), picks.choice(clocks))
        floor = earliest_due(target, start)
        assert floor is not None
        due = clock.due(target.clock, week, start, target.amount)
        assert floor <= due, (target, start)
        # And close enough to rank by: off by no more than the weekends and holidays spanned.
        assert due - floor <= timedelta(days=5 + target.amount), (target, start)
    assert earliest_due(None, start) is None
    assert earliest_due(Target(99_999, "working_days"), start) is None
