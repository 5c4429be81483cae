"""`jobshots bench-data`'s distributions: skewed across companies and jobs, and reproducible."""

from __future__ import annotations

import random

import pytest

from jobshots.benchdata import plan


def test_the_first_of_fifty_companies_holds_a_third_of_the_photos() -> None:
    shares = plan.spread(1_000_000, plan.company_weights(50))
    assert sum(shares) == 1_000_000
    assert 0.30 <= shares[0] / 1_000_000 <= 0.40
    assert shares == sorted(shares, reverse=True)


def test_a_million_photos_give_some_jobs_none_and_a_few_thousands() -> None:
    counts = plan.photo_counts(random.Random(1), 34_433, 344_329)
    assert sum(counts) == 344_329
    assert 0.1 < counts.count(0) / len(counts) < 0.2
    assert 1_000 <= max(counts) <= 5_000


def test_the_same_seed_spreads_the_photos_the_same_way() -> None:
    first = plan.photo_counts(random.Random(7), 500, 5_000)
    again = plan.photo_counts(random.Random(7), 500, 5_000)
    other = plan.photo_counts(random.Random(8), 500, 5_000)
    assert first == again
    assert first != other


def test_every_company_gets_a_job_even_when_its_share_rounds_to_none() -> None:
    shares = plan.at_least_one(plan.spread(50, plan.company_weights(50)))
    assert sum(shares) == 50
    assert min(shares) == 1


def test_the_first_company_holds_a_tenth_of_the_jobs_open_unless_told() -> None:
    assert plan.Plan(1_000_000, 100_000, 50).open_jobs_of_first == 10_000
    assert plan.Plan(10_000, 1_000, 50).open_jobs_of_first == 100
    assert plan.Plan(200, 20, 3, sla_open_jobs=5).open_jobs_of_first == 5


@pytest.mark.parametrize(
    ("sizes", "named"),
    [((10, 5, 0), "--companies"), ((10, 2, 3), "--jobs"), ((-1, 5, 1), "--photos")],
)
def test_sizes_that_cannot_be_made_are_refused_by_name(
    sizes: tuple[int, int, int], named: str
) -> None:
    with pytest.raises(plan.BenchDataRefused, match=named):
        plan.Plan(*sizes).checked()
