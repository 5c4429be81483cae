"""rate limits: request counters per caller and window, shared by every server process

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_counts")),
    )
    op.create_index(
        op.f("ix_rate_counts_window_start"), "rate_counts", ["window_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counts_window_start"), table_name="rate_counts")
    op.drop_table("rate_counts")
