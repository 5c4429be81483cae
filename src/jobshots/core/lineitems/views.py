"""Line items as the APIs show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from jobshots.db.models import LineItem


@dataclass(frozen=True)
class LineItemView:
    """An inspection, estimate, supplemental or change-order item of a job."""

    id: int
    job_id: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal | None
    created_at: datetime


def line_item_view(item: LineItem) -> LineItemView:
    """The view of a line item."""
    return LineItemView(
        id=item.id,
        job_id=item.job_id,
        kind=item.kind,
        description=item.description,
        quantity=item.quantity,
        unit_price=item.unit_price,
        created_at=item.created_at,
    )
