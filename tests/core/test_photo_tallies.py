"""A company's photo tally, kept by the database's triggers, is the exact count of its shown
photos through every change to them, and is the total its unfiltered lists answer with."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.pagination import PageRequest
from jobshots.core.photos import service as photos
from jobshots.db.models import STORED_STATES, Photo
from jobshots.db.models.photos import PhotoTally
from jobshots.db.types import utcnow

STATES = ("pending", "stored", "processed", "failed")


def _company(ctx: Context, name: str) -> tuple[int, str]:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        return made.company.id, made.api_key


def _add(ctx: Context, company_id: int, states: list[str], deleted: bool = False) -> None:
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {
            "uuid": uuid.uuid4(),
            "company_id": company_id,
            "state": state,
            "photo_type": "before" if n % 2 else "after",
            "storage_key": f"{uuid.uuid4()}/original.jpg",
            "created_at": now,
            "updated_at": now,
            "deleted_at": now if deleted else None,
            "tags": [],
            "related_to": [],
        }
        for n, state in enumerate(states)
    ]
    with ctx.uow() as uow:
        uow.session.execute(insert(Photo), rows)


def _tally_and_count(ctx: Context, company_id: int) -> tuple[int, int]:
    with ctx.uow() as uow:
        tally = uow.session.scalar(
            select(PhotoTally.shown).where(PhotoTally.company_id == company_id)
        )
        counted = uow.session.scalar(
            select(func.count())
            .select_from(Photo)
            .where(
                Photo.company_id == company_id,
                Photo.state.in_(STORED_STATES),
                Photo.deleted_at.is_(None),
            )
        )
        return tally or 0, counted or 0


def _change(ctx: Context, *statements: Any) -> None:
    with ctx.uow() as uow:
        for statement in statements:
            uow.session.execute(statement)


def test_the_tally_follows_every_change_to_a_companys_photos(ctx: Context) -> None:
    north, _ = _company(ctx, "North")
    south, _ = _company(ctx, "South")
    _add(ctx, north, [STATES[n % 4] for n in range(12)])
    _add(ctx, north, ["processed", "stored"], deleted=True)
    _add(ctx, south, ["processed"] * 5)
    assert _tally_and_count(ctx, north) == (9, 9)
    assert _tally_and_count(ctx, south) == (5, 5)

    of_north = Photo.company_id == north
    first_of_north = select(func.min(Photo.id)).where(of_north).scalar_subquery()
    steps = [
        # Uploads finished, then processed: pending -> stored counts; stored -> processed keeps.
        update(Photo).where(of_north, Photo.state == "pending").values(state="stored"),
        update(Photo).where(of_north, Photo.state == "stored").values(state="processed"),
        # Soft deletes and restores, one and many.
        update(Photo).where(of_north, Photo.photo_type == "before").values(deleted_at=utcnow()),
        update(Photo).where(of_north, Photo.state == "failed").values(deleted_at=None),
        # An edit that touches no counted field; a hard delete (a purge of the company's rows).
        update(Photo).where(of_north).values(name="renamed"),
        delete(Photo).where(of_north, Photo.photo_type == "after", Photo.deleted_at.is_(None)),
        # A photo given to the other company, in one statement with both companies' rows.
        update(Photo).where(Photo.id == first_of_north).values(company_id=south),
    ]  # fmt: skip
    for step in steps:
        _change(ctx, step)
        tally, counted = _tally_and_count(ctx, north)
        assert tally == counted, step
        tally, counted = _tally_and_count(ctx, south)
        assert tally == counted, step


def test_a_rolled_back_change_leaves_the_tally(ctx: Context) -> None:
    company, _ = _company(ctx, "Rollback")
    _add(ctx, company, ["processed"] * 3)

    def delete_all_then_fail() -> None:
        with ctx.uow() as uow:
            uow.session.execute(update(Photo).values(deleted_at=utcnow()))
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        delete_all_then_fail()
    assert _tally_and_count(ctx, company) == (3, 3)


def test_lists_answer_with_the_exact_total(ctx: Context) -> None:
    company, key = _company(ctx, "Totals")
    _add(ctx, company, ["processed"] * 7 + ["pending"] * 2)
    _add(ctx, company, ["processed"] * 3, deleted=True)
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, key, None)
        everything = photos.page(uow, principal, photos.PhotoFilter(), PageRequest(2, 5, 100))
        before = photos.page(
            uow, principal, photos.PhotoFilter(photo_type="before"), PageRequest(1, 5, 100)
        )
        deleted_too = photos.page(
            uow, principal, photos.PhotoFilter(include_deleted=True), PageRequest(1, 50, 100)
        )
    assert (everything.total, len(everything.items)) == (7, 2)
    assert before.total == 3  # processed photos 1, 3, 5 of the first seven
    assert (deleted_too.total, len(deleted_too.items)) == (10, 10)
