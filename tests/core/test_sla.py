"""The SLA service through the database: jobs with status history rows, measured at a fixed
time, listed most urgent first within the caller's reach."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Conflict, Invalid, MissingPermission, NotFound
from jobshots.core.jobs import lifecycle
from jobshots.core.jobs import service as jobs
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.reference import service as reference
from jobshots.core.sla import service as sla
from jobshots.core.sla.views import JobSla
from jobshots.core.users import service as users
from jobshots.db.models import Company, Job, JobPriority, JobStatus, JobStatusChange

EVERYTHING = SliceRequest(offset=0, limit=200, maximum=200)


def at(text: str) -> datetime:
    """A UTC instant from `YYYY-MM-DD HH:MM[:SS]`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fixed(text: str) -> Callable[[], datetime]:
    """A clock stopped at one instant."""
    return lambda: at(text)


@dataclass
class Office:
    """A company's owner and its reference data by code and name."""

    owner: Principal
    statuses: dict[str, int]
    priorities: dict[str, int]


def _office(ctx: Context, name: str = "Acme") -> Office:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        company_id = made.company.id
        statuses = uow.session.execute(
            select(JobStatus.code, JobStatus.id).where(JobStatus.company_id == company_id)
        )
        priorities = uow.session.execute(
            select(JobPriority.name, JobPriority.id).where(JobPriority.company_id == company_id)
        )
        return Office(
            users.acting_as(made.owner),
            {str(code): int(i) for code, i in statuses},
            {str(label): int(i) for label, i in priorities},
        )


def _job(
    ctx: Context, office: Office, priority: str | None, created: str, *moves: tuple[str, str]
) -> str:
    """A job of `priority` opened at `created`, then moved to each (status code, time)."""
    with ctx.uow() as uow:
        job = jobs.open_job(uow, office.owner, f"Job at {created}")
        job.priority_id = office.priorities[priority] if priority else None
        job.created_at = job.clock_started_at = at(created)
        uow.session.flush()
        uow.session.execute(
            update(JobStatusChange)
            .where(JobStatusChange.job_id == job.id)
            .values(changed_at=at(created))
        )
        for code, when in moves:
            status = uow.session.get_one(JobStatus, office.statuses[code])
            lifecycle.move(uow, job, status, at(when))
        return str(job.uuid)


def _one(ctx: Context, office: Office, job: str, now: str) -> JobSla:
    with ctx.uow() as uow:
        found, total = sla.statuses(
            uow, office.owner, sla.SlaQuery(job=job), EVERYTHING, now=fixed(now)
        )
    assert total == 1
    return found[0]


def _listed(ctx: Context, office: Office, now: str, **query: str) -> list[JobSla]:
    with ctx.uow() as uow:
        found, total = sla.statuses(
            uow, office.owner, sla.SlaQuery(**query), EVERYTHING, now=fixed(now)
        )
    assert total == len(found)
    return found


def _targets(ctx: Context, office: Office, priority: str, **sent: object) -> None:
    with ctx.uow() as uow:
        ref = reference.ItemRef(id=office.priorities[priority])
        reference.update(uow, office.owner, "priorities", ref, sent)


@pytest.mark.parametrize(
    ("now", "state", "remaining"),
    [
        ("2026-12-01 09:59:59", "within", 1),
        ("2026-12-01 10:00:00", "within", 0),
        ("2026-12-01 10:00:01", "overdue", -1),
        ("2026-12-02 08:00:00", "overdue", -79200),
        ("2026-12-02 08:00:01", "breached", -1),
    ],
)
def test_a_calendar_hours_job_read_from_its_history_at_each_boundary(
    ctx: Context, now: str, state: str, remaining: int
) -> None:
    office = _office(ctx)  # Emergency: respond in 2 hours, complete in 24
    job = _job(ctx, office, "Emergency", "2026-12-01 08:00")
    found = _one(ctx, office, job, now)
    assert (found.state, found.standing.seconds_remaining) == (state, remaining)
    assert (found.standing.response_due_at, found.standing.completion_due_at) == (
        at("2026-12-01 10:00"), at("2026-12-02 08:00"),
    )  # fmt: skip
    assert (found.priority_name, found.reference, found.title) == (
        "Emergency", f"J{found.id:06d}", "Job at 2026-12-01 08:00",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("now", "state"),
    [("2026-12-31 17:29:59", "within"), ("2026-12-31 17:30", "within"),
     ("2026-12-31 17:30:01", "breached")],
)  # fmt: skip
def test_a_working_days_job_over_christmas_with_a_pause(ctx: Context, now: str, state: str) -> None:
    office = _office(ctx)
    _targets(ctx, office, "Normal", response_target=1, response_clock="working_days",
             completion_target=2, completion_clock="working_days")  # fmt: skip
    job = _job(
        ctx, office, "Normal", "2026-12-24 10:00",
        ("assigned", "2026-12-24 11:00"),
        # A working day waiting for access: 25 to 28 December are holidays and a weekend.
        ("awaiting_access", "2026-12-29 09:00"),
        ("in_progress", "2026-12-30 09:00"),
    )  # fmt: skip
    found = _one(ctx, office, job, now).standing
    assert (found.response_due_at, found.responded_at) == (
        at("2026-12-29 17:30"), at("2026-12-24 11:00"),
    )  # fmt: skip
    assert found.completion_due_at == at("2026-12-31 17:30")
    assert (found.state, found.window, found.paused) == (state, "completion", False)


def test_a_job_waiting_for_parts_now_is_paused(ctx: Context) -> None:
    office = _office(ctx)
    job = _job(
        ctx, office, "Emergency", "2026-12-01 08:00",
        ("assigned", "2026-12-01 09:00"), ("parts_on_order", "2026-12-01 10:00"),
    )  # fmt: skip
    found = _one(ctx, office, job, "2026-12-03 10:00").standing
    assert (found.paused, found.state) == (True, "within")
    # 22 of the 24 hours were left when the parts were ordered, and still are.
    assert found.seconds_remaining == 22 * 3600


def test_a_company_in_scotland_keeps_its_own_bank_holidays(ctx: Context) -> None:
    office = _office(ctx)
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, office.owner.company_id)
        company.bank_holidays = "SCT"
        company.working_day_starts, company.working_day_ends = time(8), time(16)
    _targets(ctx, office, "Urgent", response_target=1, response_clock="working_days")
    job = _job(ctx, office, "Urgent", "2026-01-01 10:00")
    # 2 January is a Scottish bank holiday; Monday the 5th ends at 16:00.
    assert _one(ctx, office, job, "2026-01-02 12:00").standing.response_due_at == at(
        "2026-01-05 16:00"
    )


def test_open_jobs_are_listed_most_urgent_first_and_filtered_by_state(ctx: Context) -> None:
    office = _office(ctx)
    now = "2026-12-10 12:00"
    within = _job(ctx, office, "Low", "2026-12-10 09:00")
    unmeasured = _job(ctx, office, None, "2026-12-01 09:00")
    breached = _job(ctx, office, "Emergency", "2026-12-08 09:00", ("assigned", "2026-12-08 09:30"))
    overdue = _job(ctx, office, "Urgent", "2026-12-09 09:00")
    within_sooner = _job(ctx, office, "Urgent", "2026-12-10 09:00")
    done = _job(ctx, office, "Emergency", "2026-12-01 09:00", ("completed", "2026-12-01 10:00"))
    closed = _job(ctx, office, "Emergency", "2026-12-01 09:00", ("closed", "2026-12-02 10:00"))
    listed = _listed(ctx, office, now)
    assert [str(item.uuid) for item in listed] == [
        breached, overdue, within_sooner, within, unmeasured,
    ]  # fmt: skip
    assert [item.state for item in listed] == ["breached", "overdue", "within", "within", None]
    assert [str(item.uuid) for item in _listed(ctx, office, now, state="overdue")] == [overdue]
    assert [str(i.uuid) for i in _listed(ctx, office, now, state="within")] == [
        within_sooner, within,
    ]  # fmt: skip
    # A job finished with is answered when asked for by name, whatever its stage.
    assert _one(ctx, office, done, now).state == "within"
    assert _one(ctx, office, closed, now).state == "breached"
    with ctx.uow() as uow:
        window = SliceRequest(offset=1, limit=2, maximum=200)
        page, total = sla.statuses(uow, office.owner, sla.SlaQuery(), window, now=fixed(now))
    assert ([str(item.uuid) for item in page], total) == ([overdue, within_sooner], 5)


@pytest.mark.parametrize("batch", [100, 7])
def test_the_most_urgent_of_many_open_jobs_are_those_measuring_every_job_would_give(
    ctx: Context, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The list measures only the jobs that could be on the page asked for; this compares it,
    # page by page, with every open job measured by name and put in the documented order.
    office = _office(ctx)
    _targets(ctx, office, "Urgent", response_target=4, response_clock="working_hours",
             completion_target=2, completion_clock="working_days")  # fmt: skip
    _targets(ctx, office, "High", response_target=1, response_clock="working_days",
             completion_target=3, completion_clock="working_days")  # fmt: skip
    _targets(ctx, office, "Low", response_target=None, completion_target=400)
    kinds = ["Emergency", "Urgent", "High", "Normal", "Low", None]
    opened = []
    for n in range(150):
        created = datetime(2026, 10, 1, 7, tzinfo=UTC) + timedelta(minutes=457 * n)
        moves = [
            [],
            [("assigned", created + timedelta(hours=1))],
            [("awaiting_access", created + timedelta(hours=2))],
            [
                ("assigned", created + timedelta(hours=1)),
                ("parts_on_order", created + timedelta(days=1)),
                ("in_progress", created + timedelta(days=4)),
            ],
            [
                ("completed", created + timedelta(hours=30)),
                ("in_progress", created + timedelta(days=2)),
            ],
        ][n % 5]
        job = _job(ctx, office, kinds[n % 6], f"{created:%Y-%m-%d %H:%M}",
                   *((code, f"{when:%Y-%m-%d %H:%M}") for code, when in moves))  # fmt: skip
        if n % 7:
            opened.append(job)
        else:
            _job_moved(ctx, office, job, "closed", created + timedelta(days=5))
    now = "2026-11-20 12:00"
    # Jobs are measured a batch at a time: small batches stop early more often.
    monkeypatch.setattr(sla, "_BATCH", batch)
    expected = sorted((_one(ctx, office, job, now) for job in opened), key=_documented_order)
    assert {item.state for item in expected} == {"breached", "overdue", "within", None}
    for offset, limit in [(0, 1), (0, 3), (5, 5), (0, 10), (0, 50), (45, 30), (120, 50), (200, 10)]:
        with ctx.uow() as uow:
            window = SliceRequest(offset=offset, limit=limit, maximum=200)
            page, total = sla.statuses(uow, office.owner, sla.SlaQuery(), window, now=fixed(now))
        assert total == len(opened)
        assert page == expected[offset : offset + limit]


@pytest.mark.parametrize("batch", [1, 4, 100])
def test_the_most_urgent_page_merges_each_prioritys_jobs_in_clock_order(
    ctx: Context, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each priority's jobs are read in the order their clocks started and merged: this mixes
    # priorities whose urgency runs against the start order of another, two without targets
    # (one of them no priority), starts within one second whose ids run another way, and a
    # contractor who reaches a third of the jobs; every page must be what measuring all gives.
    office = _office(ctx)
    _targets(ctx, office, "Urgent", response_target=4, response_clock="working_hours",
             completion_target=2, completion_clock="working_days")  # fmt: skip
    _targets(ctx, office, "High", response_target=1, response_clock="working_days",
             completion_target=None)  # fmt: skip
    _targets(ctx, office, "Normal", response_target=None, completion_target=None)
    _targets(ctx, office, "Low", response_target=None, completion_target=400)
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, office.owner.company_id)
        worker = users.create(uow, company, "c@acme.example", role="contractor")
        contractor = dataclasses.replace(
            users.acting_as(worker), permissions=office.owner.permissions
        )
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    kinds = ["Emergency", "Urgent", "High", "Normal", "Low", None, "Emergency"]
    # The three most urgent start within one second, in neither id order nor its reverse.
    oldest = now - timedelta(days=25)
    opened = [
        _job(ctx, office, "Emergency", f"{oldest + timedelta(seconds=part):%Y-%m-%d %H:%M:%S.%f}")
        for part in (0.9, 0.1, 0.5)
    ]
    theirs = []
    for n in range(84):
        # Starts spread over three weeks out of creation order; each pair of jobs starts
        # within one second, the one made second (the higher id) the earlier.
        pair = (n // 2 * 7919) % (21 * 24 * 60) * timedelta(minutes=1)
        created = now - pair + (timedelta(microseconds=800_000) if n % 2 == 0 else timedelta(0))
        moves = [[], [], [("assigned", created + timedelta(minutes=50))],
                 [("parts_on_order", created + timedelta(hours=3))]][n // 2 % 4]  # fmt: skip
        job = _job(ctx, office, kinds[n // 2 % 7], f"{created:%Y-%m-%d %H:%M:%S.%f}",
                   *((code, f"{when:%Y-%m-%d %H:%M:%S.%f}") for code, when in moves))  # fmt: skip
        if n % 11 == 10:
            _job_moved(ctx, office, job, "closed", created + timedelta(hours=1))
            continue
        opened.append(job)
        if n % 3 == 0:
            with ctx.uow() as uow:
                jobs.get(uow, office.owner, job).contractor_id = worker.id
            theirs.append(job)
    monkeypatch.setattr(sla, "_BATCH", batch)
    at_now = f"{now:%Y-%m-%d %H:%M}"
    everyone = sorted((_one(ctx, office, job, at_now) for job in opened), key=_documented_order)
    assert {item.state for item in everyone} == {"breached", "overdue", "within", None}
    mine = [item for item in everyone if str(item.uuid) in theirs]
    for caller, expected in [(office.owner, everyone), (contractor, mine)]:
        for offset, limit in [(0, 1), (1, 1), (3, 2), (0, 7), (10, 5), (20, 13), (40, 30), (0, 80)]:
            with ctx.uow() as uow:
                window = SliceRequest(offset=offset, limit=limit, maximum=200)
                page, total = sla.statuses(uow, caller, sla.SlaQuery(), window, now=lambda: now)
            assert total == len(expected)
            assert page == expected[offset : offset + limit], (caller.role, offset, limit)


def test_a_jobs_clocks_start_when_it_is_made_and_at_its_earliest_status_change(
    ctx: Context,
) -> None:
    office = _office(ctx)
    with ctx.uow() as uow:
        job = jobs.open_job(uow, office.owner, "Leak")
        bare = Job(company_id=office.owner.company_id, title="No status", reference="BARE-1",
                   vat_rate=Decimal("20.00"))  # fmt: skip
        uow.session.add(bare)
        uow.session.flush()
        created, job_id = job.created_at, job.id
        assert (job.clock_started_at, bare.clock_started_at) == (created, bare.created_at)
        for code, when in [("assigned", created + timedelta(hours=1)),
                           ("in_progress", created - timedelta(days=1)),
                           ("open", created + timedelta(hours=2))]:  # fmt: skip
            lifecycle.move(uow, job, uow.session.get_one(JobStatus, office.statuses[code]), when)
    with ctx.uow() as uow:
        assert uow.session.get_one(Job, job_id).clock_started_at == created - timedelta(days=1)


def _job_moved(ctx: Context, office: Office, job: str, code: str, when: datetime) -> None:
    with ctx.uow() as uow:
        row = jobs.get(uow, office.owner, job)
        lifecycle.move(uow, row, uow.session.get_one(JobStatus, office.statuses[code]), when)


def _documented_order(item: JobSla) -> tuple[int, bool, int, int]:
    """Breached, overdue, within, then not measured; the least time left first; then by id."""
    remaining = item.standing.seconds_remaining
    rank = ["breached", "overdue", "within", None].index(item.state)
    return (rank, remaining is None, remaining or 0, item.id)


def test_a_job_from_before_status_history_is_measured_from_when_it_was_created(
    ctx: Context,
) -> None:
    office = _office(ctx)
    job = _job(ctx, office, "Emergency", "2026-12-01 08:00")
    with ctx.uow() as uow:
        job_id = uow.session.scalars(select(Job.id).where(Job.title.contains("08:00"))).one()
        uow.session.execute(delete(JobStatusChange).where(JobStatusChange.job_id == job_id))
    found = _one(ctx, office, job, "2026-12-01 10:00:01")
    assert (found.state, found.standing.response_due_at) == ("overdue", at("2026-12-01 10:00"))


def test_who_may_ask_and_which_jobs_they_reach(ctx: Context) -> None:
    office, other = _office(ctx), _office(ctx, "Rival")
    theirs = _job(ctx, other, "Emergency", "2026-12-01 08:00")
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, office.owner.company_id)
        contractor = users.acting_as(
            users.create(uow, company, "c@acme.example", role="contractor")
        )
    lister = dataclasses.replace(office.owner, permissions=frozenset({"api.jobs.manage.list"}))
    with ctx.uow() as uow:
        for caller in (contractor, lister):
            with pytest.raises(MissingPermission):
                sla.statuses(uow, caller, sla.SlaQuery(), EVERYTHING)
        with pytest.raises(NotFound):
            sla.statuses(uow, office.owner, sla.SlaQuery(job=theirs), EVERYTHING)
        with pytest.raises(Invalid) as refused:
            sla.statuses(uow, office.owner, sla.SlaQuery(state="late"), EVERYTHING)
    assert refused.value.fields == {"state": ["must be one of within, overdue, breached"]}
    assert _listed(ctx, office, "2026-12-01 09:00") == []


def test_a_company_whose_working_week_cannot_be_used_is_told_why(ctx: Context) -> None:
    office = _office(ctx)
    with ctx.uow() as uow:
        uow.session.get_one(Company, office.owner.company_id).time_zone = "Europe/Atlantis"
    with ctx.uow() as uow, pytest.raises(Conflict, match="Europe/Atlantis"):
        sla.statuses(uow, office.owner, sla.SlaQuery(), EVERYTHING)
