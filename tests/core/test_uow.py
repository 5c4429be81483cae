"""The unit of work: follow-ups after commit, cleanups after rollback, and a mid-way commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.db.models import Company


def _companies(ctx: Context) -> int:
    with ctx.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Company)) or 0


def test_commit_runs_follow_ups_and_rollback_runs_cleanups(ctx: Context) -> None:
    seen: list[str] = []
    with ctx.uow() as uow:
        uow.after_commit(lambda: seen.append("committed"))
        uow.on_rollback(lambda: seen.append("rolled back"))
    assert seen == ["committed"]

    class Boom(Exception):
        pass

    def fail() -> None:
        with ctx.uow() as uow:
            companies.create(uow, "Gone Ltd", "owner@gone.example")
            uow.after_commit(lambda: seen.append("never"))
            uow.on_rollback(lambda: seen.append("rolled back"))
            raise Boom

    with pytest.raises(Boom):
        fail()
    assert seen == ["committed", "rolled back"]
    assert _companies(ctx) == 0


def test_a_mid_way_commit_keeps_what_it_committed_when_the_rest_fails(ctx: Context) -> None:
    seen: list[str] = []

    class Boom(Exception):
        pass

    def commit_half_then_fail() -> None:
        with ctx.uow() as uow:
            companies.create(uow, "Kept Ltd", "owner@kept.example")
            uow.on_rollback(lambda: seen.append("first cleanup"))
            uow.after_commit(lambda: seen.append("first follow-up"))
            uow.commit()
            companies.create(uow, "Lost Ltd", "owner@lost.example")
            uow.on_rollback(lambda: seen.append("second cleanup"))
            raise Boom

    with pytest.raises(Boom):
        commit_half_then_fail()
    # The first part committed: its follow-up ran and its cleanup never will.
    assert seen == ["first follow-up", "second cleanup"]
    with ctx.uow() as uow:
        assert list(uow.session.scalars(select(Company.name))) == ["Kept Ltd"]
