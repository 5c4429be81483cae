"""Creating, finding and listing a company's line items."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, select

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.ids import storable
from jobshots.core.jobs import service as jobs
from jobshots.core.lineitems.views import LineItemView, line_item_view
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import LINE_ITEM_KINDS, Job, LineItem


def create(
    uow: UnitOfWork,
    principal: Principal,
    job_id: int,
    kind: str,
    description: str = "",
    quantity: str | int | float | None = None,
    unit_price: str | int | float | None = None,
) -> LineItemView:
    """Add a line item of `kind` to one of the caller's jobs."""
    principal.require(permissions.JOBS_MANAGE)
    if kind not in LINE_ITEM_KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(LINE_ITEM_KINDS)}")
    job = jobs.find(uow, principal, job_id)
    if job is None:
        raise Invalid.field("job", "does not exist")
    item = LineItem(
        company_id=principal.company_id,
        job_id=job.id,
        kind=kind,
        description=description,
        quantity=_decimal(quantity, "quantity") if quantity is not None else Decimal(1),
        unit_price=_decimal(unit_price, "unit_price") if unit_price is not None else None,
    )
    uow.session.add(item)
    uow.session.flush()
    audit.record(uow, principal, "line_item.created", "line_item", item.uuid, job_id=job.id)
    return line_item_view(item)


def get(uow: UnitOfWork, principal: Principal, item_id: int, kind: str) -> LineItem:
    """The caller's line item of that kind; anything else is NotFound."""
    if not storable(item_id):
        raise NotFound(f"{kind} line item not found")
    query = select(LineItem).where(
        LineItem.id == item_id, LineItem.kind == kind, *_within_reach(principal)
    )
    item = uow.session.scalars(query).one_or_none()
    if item is None:
        raise NotFound(f"{kind} line item not found")
    return item


def list_for(
    uow: UnitOfWork, principal: Principal, job_id: int | None, kind: str | None
) -> list[LineItemView]:
    """The caller's line items (of the jobs they reach), optionally of one job and one kind."""
    query = select(LineItem).where(*_within_reach(principal))
    if job_id is not None:
        if not storable(job_id):
            return []
        query = query.where(LineItem.job_id == job_id)
    if kind is not None:
        query = query.where(LineItem.kind == kind)
    return [line_item_view(item) for item in uow.session.scalars(query.order_by(LineItem.id))]


def _within_reach(principal: Principal) -> list[ColumnElement[bool]]:
    """Line items of the caller's company on jobs the caller reaches (a contractor's own)."""
    reach = jobs.reach_of(principal)
    reached = select(Job.id).where(*reach.live_jobs())
    return [LineItem.company_id == principal.company_id, LineItem.job_id.in_(reached)]


def _decimal(value: str | int | float, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise Invalid.field(field, "must be a number") from exc
