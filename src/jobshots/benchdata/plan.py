"""How much to make and how it is spread: Zipf-like across companies, heavy-tailed per job."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

# Company k's share is proportional to k ** -ZIPF: with 50 companies the first holds ~35%.
ZIPF = 1.3
# Photos per job follow a Pareto law of this index; this share of jobs has none.
PARETO = 1.16
NO_PHOTOS = 0.15
# Weights above this are cut, so the largest job holds thousands of photos, not a third.
WEIGHT_CAP = 2000.0


class BenchDataRefused(Exception):
    """Bench data cannot be made as asked: a size out of range, or a database unfit for it."""


@dataclass(frozen=True)
class Plan:
    """What `jobshots bench-data` makes; the same seed makes the same rows."""

    photos: int
    jobs: int
    companies: int
    seed: int = 1
    # Open jobs of the first (largest) company, measured by the SLA route; jobs // 10 if None.
    sla_open_jobs: int | None = None

    def checked(self) -> Plan:
        """This plan, or BenchDataRefused naming the size that cannot be made."""
        if self.companies < 1:
            raise BenchDataRefused("--companies must be at least 1")
        if self.jobs < self.companies:
            raise BenchDataRefused("--jobs must be at least --companies (each company gets a job)")
        if self.photos < 0:
            raise BenchDataRefused("--photos must not be negative")
        if self.sla_open_jobs is not None and self.sla_open_jobs < 0:
            raise BenchDataRefused("--sla-open-jobs must not be negative")
        return self

    @property
    def open_jobs_of_first(self) -> int:
        """How many of the first company's jobs are open."""
        wanted = self.jobs // 10 if self.sla_open_jobs is None else self.sla_open_jobs
        return min(wanted, spread(self.jobs, company_weights(self.companies))[0])


def company_weights(companies: int) -> list[float]:
    """Each company's share, the first the largest."""
    return [rank**-ZIPF for rank in range(1, companies + 1)]


def spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), each share whole."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [total if i == 0 else 0 for i in range(len(weights))]
    exact = [total * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - exact[i])
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def at_least_one(shares: list[int]) -> list[int]:
    """The shares, each raised to one at the expense of the largest."""
    for i, share in enumerate(shares):
        if share == 0:
            shares[i] = 1
            shares[shares.index(max(shares))] -= 1
    return shares


def photo_counts(rng: random.Random, jobs: int, photos: int) -> list[int]:
    """How many photos each of a company's jobs holds: many none or few, a handful thousands."""
    weights = [
        0.0 if rng.random() < NO_PHOTOS else min(rng.paretovariate(PARETO), WEIGHT_CAP)
        for _ in range(jobs)
    ]
    return spread(photos, weights)


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator, so reruns make the same ones."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
