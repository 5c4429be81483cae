"""the maintenance job model: status stages, priority targets, quote numbers and totals

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stage of each status the first release seeded, by its code.
_STAGE_OF_CODE = {
    "new": "new",
    "awaiting_approval": "new",
    "scheduled": "assigned",
    "in_progress": "in_progress",
    "completed": "complete",
    "cancelled": "closed",
}


def upgrade() -> None:
    with op.batch_alter_table("job_statuses") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=20), nullable=True))
    statuses = sa.table(
        "job_statuses",
        sa.column("code", sa.String),
        sa.column("stage", sa.String),
        sa.column("is_closed", sa.Boolean),
    )
    for code, stage in _STAGE_OF_CODE.items():
        op.execute(statuses.update().where(statuses.c.code == code).values(stage=stage))
    op.execute(
        statuses.update()
        .where(statuses.c.stage.is_(None))
        .values(stage=sa.case((statuses.c.is_closed, "closed"), else_="new"))
    )
    with op.batch_alter_table("job_statuses") as batch:
        batch.alter_column("stage", existing_type=sa.String(length=20), nullable=False)
        batch.drop_column("is_closed")
    with op.batch_alter_table("job_priorities") as batch:
        batch.alter_column("sla_hours", new_column_name="completion_hours")
        batch.add_column(sa.Column("response_hours", sa.Integer(), nullable=True))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("total_amount", sa.Numeric(precision=12, scale=2)))
        batch.add_column(
            sa.Column("quote_number", sa.String(length=80), nullable=False, server_default="")
        )
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("quote_number", existing_type=sa.String(length=80), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("quote_number")
        batch.drop_column("total_amount")
    with op.batch_alter_table("job_priorities") as batch:
        batch.drop_column("response_hours")
        batch.alter_column("completion_hours", new_column_name="sla_hours")
    with op.batch_alter_table("job_statuses") as batch:
        batch.add_column(
            sa.Column("is_closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    statuses = sa.table(
        "job_statuses", sa.column("stage", sa.String), sa.column("is_closed", sa.Boolean)
    )
    op.execute(
        statuses.update()
        .where(statuses.c.stage.in_(("complete", "closed", "archived")))
        .values(is_closed=True)
    )
    with op.batch_alter_table("job_statuses") as batch:
        batch.drop_column("stage")
