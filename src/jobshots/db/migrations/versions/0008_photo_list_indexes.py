"""photo lists: indexes that read a company's photos in each list's order

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_photos_company_uploaded", "photos", ["company_id", "created_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_photos_company_uploaded", table_name="photos")
