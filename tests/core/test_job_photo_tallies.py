"""A job's photo tally and its `has_photos` flag, kept by the database's triggers, follow every
change to its photos, concurrent ones included, and are what job lists count and filter on."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import repository as job_rows
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users
from jobshots.db.models import STORED_STATES, Job, Photo
from jobshots.db.models.photos import JobPhotoTally
from jobshots.db.types import utcnow

STATES = ("pending", "stored", "processed", "failed")


def _office(ctx: Context, name: str, count: int) -> tuple[int, list[int]]:
    """A company and `count` of its jobs' ids."""
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        owner = users.acting_as(made.owner)
        opened = [jobs.open_job(uow, owner, f"{name} job {n}") for n in range(count)]
        uow.session.flush()
        return made.company.id, [job.id for job in opened]


def _add(ctx: Context, company_id: int, job_id: int, states: list[str]) -> None:
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "uuid": uuid.uuid4(),
            "company_id": company_id,
            "job_id": job_id,
            "state": state,
            "photo_type": "before" if n % 2 else "after",
            "storage_key": f"{uuid.uuid4()}/original.jpg",
            "created_at": now,
            "updated_at": now,
            "tags": [],
            "related_to": [],
        }
        for n, state in enumerate(states)
    ]
    with ctx.uow() as uow:
        uow.session.execute(insert(Photo), rows)


def _kept_and_counted(ctx: Context, job_ids: list[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """Each job's (tally, flag) as kept, and as counted from its photos."""
    with ctx.uow() as uow:
        tallies = dict(uow.session.execute(select(JobPhotoTally.job_id, JobPhotoTally.shown)).all())
        flags = dict(uow.session.execute(select(Job.id, Job.has_photos)).all())
        shown = Photo.state.in_(STORED_STATES) & Photo.deleted_at.is_(None)
        counted = dict(
            uow.session.execute(
                select(Photo.job_id, func.count()).where(shown).group_by(Photo.job_id)
            ).all()
        )
    kept = {job: (tallies.get(job, 0), flags.get(job)) for job in job_ids}
    # A deleted job has no flag, and its tally is back to 0.
    truth = {
        job: (counted.get(job, 0), counted.get(job, 0) > 0 if job in flags else None)
        for job in job_ids
    }
    return kept, truth


def _change(ctx: Context, statement: Any) -> None:
    with ctx.uow() as uow:
        uow.session.execute(statement)


def test_tallies_and_flags_follow_every_change_to_a_jobs_photos(ctx: Context) -> None:
    company, (first, second, third, empty) = _office(ctx, "North", 4)
    _add(ctx, company, first, [STATES[n % 4] for n in range(8)])
    _add(ctx, company, second, ["pending", "pending"])
    _add(ctx, company, third, ["processed"])
    everyone = [first, second, third, empty]
    kept, truth = _kept_and_counted(ctx, everyone)
    assert kept == truth
    assert (kept[first], kept[second], kept[empty]) == ((6, True), (0, False), (0, False))

    one_of_first = select(func.min(Photo.id)).where(Photo.job_id == first).scalar_subquery()
    steps = [
        # Uploads finished: the second job gains its first photos; processing keeps counts.
        update(Photo).where(Photo.job_id == second).values(state="stored"),
        update(Photo).where(Photo.state == "stored").values(state="processed"),
        # The third job's only photo deleted, then restored; then moved to the empty job.
        update(Photo).where(Photo.job_id == third).values(deleted_at=utcnow()),
        update(Photo).where(Photo.job_id == third).values(deleted_at=None),
        update(Photo).where(Photo.job_id == third).values(job_id=empty),
        # One photo taken off its job; the rest of the first job purged.
        update(Photo).where(Photo.id == one_of_first).values(job_id=None),
        delete(Photo).where(Photo.job_id == first),
        # A job deleted with its photos (the schema's cascade).
        delete(Job).where(Job.id == second),
    ]  # fmt: skip
    for step in steps:
        _change(ctx, step)
        kept, truth = _kept_and_counted(ctx, everyone)
        assert kept == truth, step
    assert kept == {first: (0, False), second: (0, None), third: (0, False), empty: (1, True)}


def test_the_last_photo_moved_off_while_another_arrives_leaves_the_job_with_photos(
    ctx: Context,
) -> None:
    # A move within a company leaves the company's tally alone, so only the job's tally row
    # orders the two transactions.
    company, (job, other) = _office(ctx, "Race", 2)
    _add(ctx, company, job, ["processed"])
    arrived = threading.Event()

    def upload() -> None:
        _add(ctx, company, job, ["stored"])
        arrived.set()

    with ctx.uow() as uow:
        uow.session.execute(update(Photo).where(Photo.job_id == job).values(job_id=other))
        uploader = threading.Thread(target=upload)
        uploader.start()
        # The upload waits for the move's transaction (the job's tally row, or SQLite's turn).
        time.sleep(0.5)
        assert not arrived.is_set()
    uploader.join(timeout=30)
    assert arrived.is_set()
    kept, truth = _kept_and_counted(ctx, [job, other])
    assert kept == truth == {job: (1, True), other: (1, True)}


def test_job_lists_filter_and_count_on_the_flag(ctx: Context) -> None:
    company, (held, bare, pending) = _office(ctx, "Lists", 3)
    _add(ctx, company, held, ["processed", "failed", "pending"])
    _add(ctx, company, pending, ["pending"])
    with ctx.uow() as uow:
        reach = job_rows.Reach(company_id=company)
        with_photos, counted = job_rows.search(
            uow.session, reach, job_rows.JobQuery(has_photos=True), 0, 10
        )
        without, counted_without = job_rows.search(
            uow.session, reach, job_rows.JobQuery(has_photos=False), 0, 10
        )
        tallied = job_rows.tallies(uow.session, 0, [held, bare, pending])
    assert ([job.id for job in with_photos], counted) == ([held], 1)
    assert (sorted(job.id for job in without), counted_without) == (sorted([bare, pending]), 2)
    assert {job: tally.photos for job, tally in tallied.items()} == {held: 2, bare: 0, pending: 0}
