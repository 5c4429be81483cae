"""job reports made by a worker for the web app

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 11:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jobshots.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = jobshots.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_exports",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("include_locations", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=True),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_job_exports_company_id_companies"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_exports_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_job_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_exports")),
        sa.UniqueConstraint("uuid", name=op.f("uq_job_exports_uuid")),
    )  # fmt: skip
    op.create_index(op.f("ix_job_exports_job_id"), "job_exports", ["job_id"], unique=False)
    op.create_index(op.f("ix_job_exports_state"), "job_exports", ["state"], unique=False)
    op.create_index(op.f("ix_job_exports_expires_at"), "job_exports", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("job_exports")
