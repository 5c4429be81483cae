"""job lists: live jobs in listing and status order, photos and files counted, search, SLA starts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Partial, as on the models: the live jobs, and the photos a job's count counts.
_LIVE = sa.text("deleted_at IS NULL")
_SHOWN_LIVE = sa.text("state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL")
# The fields a job search looks for words in.
_SEARCHED = ("title", "reference", "description")


def upgrade() -> None:
    op.create_index(
        "ix_jobs_live_listing",
        "jobs",
        ["company_id", "created_at", "id"],
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )
    op.create_index(
        "ix_jobs_live_status",
        "jobs",
        ["company_id", "status_id", "priority_id"],
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )
    # Replaces the index on job_id alone: the same lookups, and a history read in order.
    op.create_index(
        "ix_job_status_changes_job_changed",
        "job_status_changes",
        ["job_id", "changed_at", "id"],
    )
    op.drop_index("ix_job_status_changes_job_id", table_name="job_status_changes")
    op.create_index(op.f("ix_documents_case_note_id"), "documents", ["case_note_id"])
    op.create_index(
        "ix_photos_shown_by_job",
        "photos",
        ["job_id"],
        postgresql_where=_SHOWN_LIVE,
        sqlite_where=_SHOWN_LIVE,
    )
    # Substring search (ILIKE '%word%') by trigrams within one company, on PostgreSQL
    # (btree_gin puts the company in the same index); SQLite scans, as before.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.create_index(
            "ix_jobs_searched_trgm",
            "jobs",
            ["company_id", *_SEARCHED],
            postgresql_using="gin",
            postgresql_ops=dict.fromkeys(_SEARCHED, "gin_trgm_ops"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_jobs_searched_trgm", table_name="jobs")
    op.drop_index("ix_photos_shown_by_job", table_name="photos")
    op.drop_index(op.f("ix_documents_case_note_id"), table_name="documents")
    op.create_index("ix_job_status_changes_job_id", "job_status_changes", ["job_id"])
    op.drop_index("ix_job_status_changes_job_changed", table_name="job_status_changes")
    op.drop_index("ix_jobs_live_status", table_name="jobs")
    op.drop_index("ix_jobs_live_listing", table_name="jobs")
