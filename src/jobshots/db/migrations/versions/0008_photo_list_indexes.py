"""photo lists: indexes that read a company's shown photos in each list's order

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Partial: only the photos a list shows (stored, not deleted), as on the model.
_SHOWN_LIVE = sa.text("state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_photos_shown_uploaded",
        "photos",
        ["company_id", "created_at", "id"],
        postgresql_where=_SHOWN_LIVE,
        sqlite_where=_SHOWN_LIVE,
    )
    # Latest capture first, no capture time last: "taken_at IS NULL" first, as NULLS LAST
    # cannot be said in SQLite's indexes.
    op.create_index(
        "ix_photos_shown_taken",
        "photos",
        [
            sa.column("company_id"),
            sa.column("taken_at").is_(None),
            sa.column("taken_at").desc(),
            sa.column("created_at").desc(),
            sa.column("id").desc(),
        ],
        postgresql_where=_SHOWN_LIVE,
        sqlite_where=_SHOWN_LIVE,
    )
    op.create_index(
        "ix_photos_shown_updated",
        "photos",
        ["company_id", "updated_at", "id"],
        postgresql_where=_SHOWN_LIVE,
        sqlite_where=_SHOWN_LIVE,
    )


def downgrade() -> None:
    for name in ("ix_photos_shown_updated", "ix_photos_shown_taken", "ix_photos_shown_uploaded"):
        op.drop_index(name, table_name="photos")
