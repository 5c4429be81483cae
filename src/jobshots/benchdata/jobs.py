"""Addresses, jobs and their status histories, as COPY rows."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from jobshots.benchdata import words
from jobshots.benchdata.people import BenchCompany
from jobshots.benchdata.plan import new_uuid

FIVE_YEARS = timedelta(days=5 * 365)
# Open jobs were opened lately; how far back, so the SLA clocks give every state.
OPEN_WITHIN = timedelta(days=60)
OPEN_STATUSES = ["open", "assigned", "in_progress", "awaiting_access", "parts_on_order"]
CLOSED_STATUSES = ["completed", "closed", "cancelled", "archived"]
PRIORITY_WEIGHTS = {"Emergency": 5, "Urgent": 15, "High": 20, "Normal": 45, "Low": 15}
# Other companies' jobs are open this often.
OPEN_SHARE = 0.2

ADDRESS_COLUMNS = ("id", "uuid", "company_id", "line1", "line2", "city", "postcode", "country",
                   "latitude", "longitude", "created_at", "updated_at")  # fmt: skip
JOB_COLUMNS = (
    "id", "uuid", "company_id", "title", "description", "reference", "status_id", "priority_id",
    "type_id", "payment_status_id", "time_range_id", "address_id", "agent_id", "contractor_id",
    "created_by_id", "budget", "contractor_budget", "vat_rate", "start_date", "completion_date",
    "works_order_ref", "invoice_number", "quote_number", "is_recalled", "completed_at",
    "created_at", "updated_at", "clock_started_at",
)  # fmt: skip
STATUS_CHANGE_COLUMNS = ("id", "uuid", "company_id", "job_id", "status_id", "stage",
                         "pauses_sla", "changed_at")  # fmt: skip


@dataclass(frozen=True)
class Address:
    """A property: its row id and where it is."""

    id: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class BenchJob:
    """What photos, notes and documents need of a job."""

    id: int
    uuid: uuid.UUID
    company: BenchCompany
    created_at: datetime
    is_open: bool
    address: Address


def addresses(
    rng: random.Random, company: BenchCompany, count: int, first_id: int, now: datetime
) -> tuple[list[Address], list[tuple[Any, ...]]]:
    """The company's properties, and their rows."""
    made, rows = [], []
    for n in range(count):
        town, lat, lon, area = rng.choice(words.TOWNS)
        place = Address(first_id + n, lat + rng.uniform(-0.08, 0.08), lon + rng.uniform(-0.1, 0.1))
        made.append(place)
        line1 = f"{rng.randint(1, 240)} {rng.choice(words.STREETS)}"
        postcode = (
            f"{area}{rng.randint(1, 28)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        created = now - FIVE_YEARS
        lat, lon = round(place.latitude, 6), round(place.longitude, 6)
        rows.append((place.id, new_uuid(rng), company.id, line1, "", town, postcode, "GB",
                     lat, lon, created, created))  # fmt: skip
    return made, rows


def jobs(
    rng: random.Random,
    company: BenchCompany,
    places: list[Address],
    count: int,
    open_count: int | None,
    ids: tuple[int, int],
    now: datetime,
) -> tuple[list[BenchJob], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The company's jobs (the first `open_count` open, else a fifth), their rows and their
    status histories' rows; `ids` are the first job id and the first status change id."""
    made: list[BenchJob] = []
    job_rows: list[tuple[Any, ...]] = []
    change_rows: list[tuple[Any, ...]] = []
    next_job, next_change = ids
    priorities = list(PRIORITY_WEIGHTS)
    weights = list(PRIORITY_WEIGHTS.values())
    for n in range(count):
        is_open = n < open_count if open_count is not None else rng.random() < OPEN_SHARE
        if is_open:
            created = now - OPEN_WITHIN * rng.random()
            code = rng.choice(OPEN_STATUSES)
        else:
            # More jobs lately than five years ago: the density grows with time.
            created = now - FIVE_YEARS * (1 - math.sqrt(rng.random()))
            code = rng.choices(CLOSED_STATUSES, [60, 25, 10, 5])[0]
        status_id, stage, pauses = company.statuses[code]
        job = BenchJob(next_job, new_uuid(rng), company, created, is_open, rng.choice(places))
        made.append(job)
        next_job += 1
        moved = created + timedelta(hours=rng.uniform(1, 72))
        finished = moved if stage in ("complete", "closed", "archived") else None
        open_id, open_stage, open_pauses = company.statuses["open"]
        history = [(open_id, open_stage, open_pauses, created)]
        if code != "open" and moved < now:
            history.append((status_id, stage, pauses, moved))
        for s_id, s_stage, s_pauses, at in history:
            change_rows.append((next_change, new_uuid(rng), company.id, job.id, s_id, s_stage,
                                s_pauses, at))  # fmt: skip
            next_change += 1
        job_rows.append(_job_row(rng, company, job, status_id, priorities, weights, finished))
    return made, job_rows, change_rows


def _job_row(
    rng: random.Random,
    company: BenchCompany,
    job: BenchJob,
    status_id: int,
    priorities: list[str],
    weights: list[int],
    finished: datetime | None,
) -> tuple[Any, ...]:
    issue = rng.choice(words.ISSUES)
    room = rng.choice(words.ROOMS)
    rare = f" Survey found {words.RARE_WORD} in the {room}." if rng.random() < 0.005 else ""
    description = (
        f"{issue} in the {room}. {rng.choice(words.NOTES)} "
        f"Check the {rng.choice(words.ITEMS)} as well.{rare}"
    )
    budget = Decimal(rng.randint(80, 6000))
    people = company.people
    return (
        job.id, job.uuid, company.id, f"{issue} ({room})", description, f"J{job.id:06d}",
        status_id, company.priorities[rng.choices(priorities, weights)[0]],
        rng.choice(company.types), rng.choice(company.payments), rng.choice(company.time_ranges),
        job.address.id, rng.choice(people["agent"]), rng.choice(people["contractor"]),
        rng.choice([company.owner_id, *people["manager"], *people["staff"]]),
        budget, (budget * Decimal("0.7")).quantize(Decimal("0.01")), Decimal("20.00"),
        (job.created_at + timedelta(days=rng.randint(1, 10))).date(),
        finished.date() if finished else None,
        f"WO-{job.id:07d}", f"INV-{job.id:07d}" if finished else "", "", False, finished,
        job.created_at, finished or job.created_at, job.created_at,
    )  # fmt: skip
