"""Which jobs an approval rule holds, and which statuses lie at or beyond its gate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jobshots.core.jobs import gates
from jobshots.db.models import ApprovalRule, JobStatus


def _rule(budget_over: str | None = None, type_ids: list[int] | None = None) -> ApprovalRule:
    over = Decimal(budget_over) if budget_over is not None else None
    return ApprovalRule(company_id=1, status_id=1, budget_over=over, type_ids=type_ids or [])


@pytest.mark.parametrize(
    ("rule", "type_id", "budget", "held"),
    [
        (_rule(), None, None, True),
        (_rule(type_ids=[3, 4]), 4, None, True),
        (_rule(type_ids=[3, 4]), 5, Decimal("9999"), False),
        (_rule(type_ids=[3, 4]), None, None, False),
        (_rule("500.00"), 7, Decimal("500.01"), True),
        (_rule("500.00"), 7, Decimal("500.00"), False),
        (_rule("500.00"), 7, None, False),
        (_rule("500.00", [3]), 3, Decimal("750"), True),
        (_rule("500.00", [3]), 3, Decimal("250"), False),
        (_rule("500.00", [3]), 8, Decimal("750"), False),
    ],
    ids=[
        "no-condition-holds-all", "one-of-its-types", "another-type", "no-type",
        "budget-above", "budget-at-threshold", "no-budget",
        "both-match", "type-but-not-budget", "budget-but-not-type",
    ],
)  # fmt: skip
def test_a_rule_holds_the_jobs_that_match_every_condition_it_sets(
    rule: ApprovalRule, type_id: int | None, budget: Decimal | None, held: bool
) -> None:
    assert gates.holds(rule, type_id, budget) is held


def _status(stage: str, sort_order: int) -> JobStatus:
    return JobStatus(company_id=1, name=f"{stage}-{sort_order}", code="x", stage=stage,
                     sort_order=sort_order)  # fmt: skip


def test_a_status_reaches_the_gate_by_stage_first_then_by_its_place() -> None:
    gate = _status("assigned", 5)
    assert gates.reaches(_status("assigned", 5), gate)
    assert gates.reaches(_status("assigned", 6), gate)
    assert not gates.reaches(_status("assigned", 4), gate)
    # A later stage is beyond the gate whatever its place in the list, an earlier one before it.
    assert gates.reaches(_status("closed", 0), gate)
    assert not gates.reaches(_status("new", 99), gate)
