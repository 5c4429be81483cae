"""Rate-limit counters: one atomic upsert per request, fixed windows, 0 turns a limit off."""

from __future__ import annotations

import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from jobshots.core.context import Context
from jobshots.core.principal import Principal
from jobshots.core.ratelimits import service as ratelimits
from jobshots.db.models import RateCount

WINDOW = 60
NOW = 1_800_000_030.0  # 30 s into a window (1_800_000_000 is a multiple of 60)


def _limited(ctx: Context, per_key: int = 3, per_ip: int = 5) -> Context:
    settings = ctx.settings.model_copy(
        update={
            "rate_limit_per_key": per_key,
            "rate_limit_per_ip": per_ip,
            "rate_limit_window_seconds": WINDOW,
        }
    )
    return dataclasses.replace(ctx, settings=settings)


def _caller(key: int | None, user: int = 1) -> Principal:
    return Principal(1, uuid.uuid4(), user, "owner", frozenset(), api_key_id=key)


def test_a_window_counts_up_to_its_limit_then_over(ctx: Context) -> None:
    limited = _limited(ctx)
    tallies = []
    for _ in range(4):
        with limited.uow() as uow:
            tallies.append(ratelimits.count_caller(uow, _caller(7), NOW))
    assert [(t.used, t.remaining, t.exceeded) for t in tallies if t] == [
        (1, 2, False), (2, 1, False), (3, 0, False), (4, 0, True),
    ]  # fmt: skip
    assert {t.reset for t in tallies if t} == {1_800_000_060}
    assert tallies[-1] is not None
    assert tallies[-1].retry_after(NOW) == 30


def test_the_next_window_starts_again_and_buckets_are_apart(ctx: Context) -> None:
    limited = _limited(ctx)
    with limited.uow() as uow:
        for _ in range(4):
            ratelimits.count_caller(uow, _caller(7), NOW)
        later = ratelimits.count_caller(uow, _caller(7), NOW + WINDOW)
        other_key = ratelimits.count_caller(uow, _caller(8), NOW)
        by_account = ratelimits.count_caller(uow, _caller(None, user=7), NOW)
        address = ratelimits.count_address(uow, "192.0.2.1", NOW)
    assert later is not None
    assert (later.used, later.reset) == (1, 1_800_000_120)
    assert [t.used if t else None for t in (other_key, by_account, address)] == [1, 1, 1]


def test_concurrent_requests_are_each_counted_once(ctx: Context) -> None:
    limited = _limited(ctx, per_ip=1000)

    def hit(_: int) -> int:
        with limited.uow() as uow:
            tally = ratelimits.count_address(uow, "192.0.2.9", NOW)
        assert tally is not None
        return tally.used

    with ThreadPoolExecutor(4) as pool:
        counts = sorted(pool.map(hit, range(60)))
    assert counts == list(range(1, 61))


def test_zero_turns_a_limit_off(ctx: Context) -> None:
    off = _limited(ctx, per_key=0, per_ip=0)
    with off.uow() as uow:
        assert ratelimits.count_caller(uow, _caller(7), NOW) is None
        assert ratelimits.count_address(uow, "192.0.2.1", NOW) is None
    with ctx.uow() as uow:
        assert uow.session.scalars(select(RateCount)).all() == []


def test_the_sweep_deletes_windows_that_have_ended(ctx: Context) -> None:
    limited = _limited(ctx)
    with limited.uow() as uow:
        ratelimits.count_address(uow, "192.0.2.1", NOW - 2 * WINDOW)
        ratelimits.count_address(uow, "192.0.2.2", NOW - WINDOW)
        ratelimits.count_address(uow, "192.0.2.3", NOW)
    with limited.uow() as uow:
        assert ratelimits.sweep(uow, NOW) == 2
    with ctx.uow() as uow:
        kept = uow.session.scalars(select(RateCount.bucket)).all()
    assert kept == ["ip:192.0.2.3"]


def test_a_caller_over_its_limit_is_refused_from_memory_until_the_window_ends(
    ctx: Context,
) -> None:
    limited = _limited(ctx)
    refusals = ratelimits.Refusals()
    with limited.uow() as uow:
        tallies = [ratelimits.count_caller(uow, _caller(7), NOW, refusals) for _ in range(6)]
        next_window = ratelimits.count_caller(uow, _caller(7), NOW + WINDOW, refusals)
    assert [t.exceeded for t in tallies if t] == [False] * 3 + [True] * 3
    with ctx.uow() as uow:
        hits = uow.session.scalars(select(RateCount.hits).order_by(RateCount.window_start)).all()
    # The fifth and sixth were refused without counting; the next window counts again.
    assert hits == [4, 1]
    assert next_window is not None
    assert not next_window.exceeded
