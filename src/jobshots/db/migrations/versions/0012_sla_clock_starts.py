"""SLA clock starts: when each job's clocks started, on the job row, so the most urgent open
jobs are read in clock order from an index instead of every open job's history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from jobshots.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("deleted_at IS NULL")
# Where the SLA measures a job from: its first status change, or its creation without one.
BACKFILL = """
UPDATE jobs SET clock_started_at = coalesce(
    (SELECT min(changed_at) FROM job_status_changes WHERE job_status_changes.job_id = jobs.id),
    created_at
)
"""


@contextmanager
def _rebuilding_jobs() -> Iterator[BatchOperations]:
    """A batch alteration of `jobs`. SQLite rebuilds it under another name and renames that,
    checking every trigger as it does: 0011's triggers on photos name `jobs`, gone by then.
    The legacy rename checks none (they work again once the name is back)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA legacy_alter_table = ON")
    try:
        with op.batch_alter_table("jobs") as batch:
            yield batch
    finally:
        if sqlite:
            op.execute("PRAGMA legacy_alter_table = OFF")


def upgrade() -> None:
    op.add_column("jobs", sa.Column("clock_started_at", UTCDateTime(), nullable=True))
    op.execute(BACKFILL)
    with _rebuilding_jobs() as batch:
        batch.alter_column("clock_started_at", existing_type=UTCDateTime(), nullable=False)
    op.create_index(
        "ix_jobs_live_clock",
        "jobs",
        ["company_id", "priority_id", "status_id", "clock_started_at", "id"],
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_live_clock", table_name="jobs")
    with _rebuilding_jobs() as batch:
        batch.drop_column("clock_started_at")
