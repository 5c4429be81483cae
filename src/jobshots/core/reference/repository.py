"""Queries for reference data, always within one company; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from jobshots.db.models import (
    DocumentCategory,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    TimeRange,
)

Row = (
    JobStatus
    | JobPriority
    | JobType
    | PaymentStatus
    | TimeRange
    | DocumentCategory
    | PropertyAddress
)
Column = InstrumentedAttribute[Any]
R = TypeVar("R", bound=Row)


def matching(words: Sequence[str], columns: Sequence[Column]) -> list[ColumnElement[bool]]:
    """Every word found, ignoring case, in at least one of `columns`."""
    return [or_(*(column.icontains(word, autoescape=True) for column in columns)) for word in words]


def page(
    session: Session,
    model: type[R],
    company_id: int,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Column],
    window: tuple[int, int],
) -> tuple[list[R], int]:
    """One window (offset, limit) of the company's rows matching `where`, and how many match."""
    query = select(model).where(model.company_id == company_id, *where)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset, limit = window
    rows = session.scalars(query.order_by(*order).offset(offset).limit(limit))
    return list(rows), total


def find(session: Session, model: type[R], company_id: int, match: ColumnElement[bool]) -> R | None:
    """The company's row that `match` names; None for another company's or a missing one."""
    query = select(model).where(model.company_id == company_id, match)
    return session.scalars(query).one_or_none()


def taken(
    session: Session, column: Column, company_id: int, value: str, other_than: int | None
) -> bool:
    """True when another of the company's rows already has `value` in `column`, in any case."""
    model = column.class_
    query = select(model.id).where(
        model.company_id == company_id, func.lower(column) == value.lower()
    )
    if other_than is not None:
        query = query.where(model.id != other_than)
    return session.scalars(query.limit(1)).first() is not None


def next_position(session: Session, sort_order: Column, company_id: int) -> int:
    """One past the company's last position in a list, to add a new option at its end."""
    model = sort_order.class_
    last = session.scalar(select(func.max(sort_order)).where(model.company_id == company_id))
    return 0 if last is None else int(last) + 1


def uses(session: Session, column: Column, row_id: int) -> int:
    """How many rows point at `row_id` through `column` (e.g. jobs with this status)."""
    query = select(func.count()).select_from(column.class_).where(column == row_id)
    return session.scalar(query) or 0
