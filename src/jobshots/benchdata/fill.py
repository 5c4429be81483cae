"""Fill an empty, migrated PostgreSQL database at scale: companies through the core, the
rest by COPY in the same transaction, so a failure leaves the database as it was.

The history chain: companies and their people are made by the core services, which record
their events and sign each company's chain. Jobs, photos, notes, messages and documents are
written without history, as rows imported from elsewhere would be, so `audit verify` holds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from jobshots.benchdata import jobs as job_rows
from jobshots.benchdata import people, plan, samples
from jobshots.benchdata.copying import copy_rows
from jobshots.benchdata.extras import DOCUMENT_COLUMNS, MESSAGE_COLUMNS, NOTE_COLUMNS, ExtraRows
from jobshots.benchdata.photos import PHOTO_COLUMNS, RENDITION_COLUMNS, PhotoRows
from jobshots.benchdata.plan import BenchDataRefused
from jobshots.core.context import Context
from jobshots.core.uow import UnitOfWork
from jobshots.db.sealed import KeyRing
from jobshots.db.types import utcnow

# Tables whose ids are given here, then their sequences moved past them.
TABLES = ("property_addresses", "jobs", "job_status_changes", "photos", "renditions",
          "case_notes", "job_messages", "documents")  # fmt: skip
# Jobs whose photos are written per COPY, so memory stays bounded at any size.
JOBS_PER_BATCH = 2000


@dataclass
class Filled:
    """What was made: counts, each company's credentials, and the rows the bench measures."""

    counts: dict[str, int] = field(default_factory=dict)
    companies: list[dict[str, Any]] = field(default_factory=list)
    probes: dict[str, str] = field(default_factory=dict)
    files_linked: bool = False
    seconds: float = 0.0


def fill(ctx: Context, wanted: plan.Plan, progress: Callable[[str], None] = print) -> Filled:
    """Make `wanted`'s rows in `ctx`'s database and its sample files in its storage."""
    wanted = wanted.checked()
    if not ctx.settings.uses_postgresql:
        raise BenchDataRefused("bench-data needs PostgreSQL (JOBSHOTS_DATABASE_URL)")
    started = time.monotonic()
    made = Filled()
    links: list[tuple[str, str]] = []
    with ctx.uow() as uow:
        _check_empty(uow)
        # The ids are given here from each table's largest: nothing else may write meanwhile.
        uow.session.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE"))
        photo_samples, pdf = samples.store_samples(ctx.storage)
        now = utcnow().replace(microsecond=0)
        rng = random.Random(wanted.seed)  # noqa: S311  (made-up rows, reproducible, not secrets)
        companies = [people.make_company(uow, rank) for rank in range(1, wanted.companies + 1)]
        uow.session.flush()
        progress(f"{len(companies)} companies with their people")
        conn = uow.session.connection().connection.driver_connection
        assert isinstance(conn, psycopg.Connection)
        # Table names from TABLES, never from input.
        last = {t: uow.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {t}")) or 0  # noqa: S608
                for t in TABLES}  # fmt: skip
        bench_jobs = _jobs(conn, rng, wanted, companies, last, now, made)
        progress(f"{made.counts['jobs']} jobs")
        links += _photos(conn, rng, wanted, bench_jobs, photo_samples, last, now, made, progress)
        links += _extras(conn, rng, uow.session.info["keyring"], pdf, bench_jobs, last, now, made)
        for table in TABLES:
            uow.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            ))  # fmt: skip
        made.companies = [_credentials(c) for c in companies]
    made.files_linked = samples.link_folders(ctx.storage, links)
    _analyse(ctx)
    made.probes = _probes(ctx, companies[0].id)
    made.seconds = time.monotonic() - started
    return made


def _check_empty(uow: UnitOfWork) -> None:
    try:
        held = uow.session.scalar(text("SELECT count(*) FROM companies"))
    except ProgrammingError as exc:
        raise BenchDataRefused("the database is not migrated: run `jobshots db upgrade`") from exc
    if held:
        raise BenchDataRefused(f"the database already holds {held} companies; use an empty one")


def _jobs(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    wanted: plan.Plan,
    companies: list[people.BenchCompany],
    last: dict[str, int],
    now: datetime,
    made: Filled,
) -> list[job_rows.BenchJob]:
    shares = plan.at_least_one(plan.spread(wanted.jobs, plan.company_weights(wanted.companies)))
    made_jobs: list[job_rows.BenchJob] = []
    address_rows, jobs_rows, change_rows = [], [], []
    for company, count in zip(companies, shares, strict=True):
        places, rows = job_rows.addresses(
            rng, company, max(1, count // 4), last["property_addresses"] + 1, now
        )
        last["property_addresses"] += len(places)
        address_rows += rows
        open_count = wanted.open_jobs_of_first if company.rank == 1 else None
        ids = (last["jobs"] + 1, last["job_status_changes"] + 1)
        these, rows, changes = job_rows.jobs(rng, company, places, count, open_count, ids, now)
        last["jobs"] += len(these)
        last["job_status_changes"] += len(changes)
        made_jobs += these
        jobs_rows += rows
        change_rows += changes
    made.counts["property_addresses"] = copy_rows(
        conn, "property_addresses", job_rows.ADDRESS_COLUMNS, address_rows
    )
    made.counts["jobs"] = copy_rows(conn, "jobs", job_rows.JOB_COLUMNS, jobs_rows)
    made.counts["job_status_changes"] = copy_rows(
        conn, "job_status_changes", job_rows.STATUS_CHANGE_COLUMNS, change_rows
    )
    return made_jobs


def _photos(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    wanted: plan.Plan,
    bench_jobs: list[job_rows.BenchJob],
    photo_samples: list[dict[str, samples.SampleFile]],
    last: dict[str, int],
    now: datetime,
    made: Filled,
    progress: Callable[[str], None],
) -> list[tuple[str, str]]:
    """Each company's share of the photos spread over its jobs, written a batch at a time."""
    shares = plan.spread(wanted.photos, plan.company_weights(wanted.companies))
    counts: dict[int, int] = {}
    for rank, share in enumerate(shares, start=1):
        of_company = [job for job in bench_jobs if job.company.rank == rank]
        for job, count in zip(
            of_company, plan.photo_counts(rng, len(of_company), share), strict=True
        ):
            counts[job.id] = count
    links: list[tuple[str, str]] = []
    ids = (last["photos"] + 1, last["renditions"] + 1)
    made.counts["photos"] = made.counts["renditions"] = 0
    for first in range(0, len(bench_jobs), JOBS_PER_BATCH):
        batch = PhotoRows(photo_samples)
        for job in bench_jobs[first : first + JOBS_PER_BATCH]:
            ids = batch.add_job(rng, job, counts[job.id], ids, now)
        made.counts["photos"] += copy_rows(conn, "photos", PHOTO_COLUMNS, batch.photos)
        made.counts["renditions"] += copy_rows(
            conn, "renditions", RENDITION_COLUMNS, batch.renditions
        )
        links += batch.links
        progress(f"{made.counts['photos']} photos")
    return links


def _extras(
    conn: psycopg.Connection[Any],
    rng: random.Random,
    ring: KeyRing,
    pdf: samples.SampleFile,
    bench_jobs: list[job_rows.BenchJob],
    last: dict[str, int],
    now: datetime,
    made: Filled,
) -> list[tuple[str, str]]:
    extras = ExtraRows(ring, pdf, last)
    for job in bench_jobs:
        extras.add_job(rng, job, now)
    made.counts["case_notes"] = copy_rows(conn, "case_notes", NOTE_COLUMNS, extras.notes)
    made.counts["job_messages"] = copy_rows(conn, "job_messages", MESSAGE_COLUMNS, extras.messages)
    made.counts["documents"] = copy_rows(conn, "documents", DOCUMENT_COLUMNS, extras.documents)
    return extras.links


def _credentials(company: people.BenchCompany) -> dict[str, Any]:
    return {
        "rank": company.rank,
        "id": company.id,
        "uuid": company.uuid,
        "name": company.name,
        "api_key": company.api_key,
        "owner_email": company.owner_email,
        "password": people.PASSWORD,
    }


def _analyse(ctx: Context) -> None:
    """Fresh planner statistics and visibility maps, as autovacuum would make them later.

    Without the visibility map every index-only scan also reads the table."""
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _probes(ctx: Context, company_id: int) -> dict[str, str]:
    """Rows of the first company a bench asks for: its busiest job, a photo deep in it, and
    a job with notes and documents."""
    with ctx.engine.connect() as conn:
        busiest = conn.execute(text(
            "SELECT j.id, j.uuid FROM jobs j JOIN photos p ON p.job_id = j.id "
            "WHERE j.company_id = :c GROUP BY j.id ORDER BY count(*) DESC, j.id LIMIT 1"
        ), {"c": company_id}).one()  # fmt: skip
        photo = conn.execute(text(
            "SELECT uuid FROM photos WHERE job_id = :j ORDER BY created_at, id "
            "OFFSET (SELECT count(*) / 2 FROM photos WHERE job_id = :j) LIMIT 1"
        ), {"j": busiest.id}).scalar_one()  # fmt: skip
        noted = conn.execute(text(
            "SELECT j.uuid FROM jobs j WHERE j.company_id = :c "
            "AND EXISTS (SELECT 1 FROM documents d WHERE d.job_id = j.id) "
            "AND (SELECT count(*) FROM case_notes n WHERE n.job_id = j.id) >= 2 "
            "ORDER BY j.id LIMIT 1"
        ), {"c": company_id}).scalar_one()  # fmt: skip
    return {"busiest_job": str(busiest.uuid), "photo": str(photo), "job_with_notes": str(noted)}
