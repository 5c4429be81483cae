"""job photo flags: each job's count of shown photos kept by triggers, and whether it has any
on the job row, so a list filtered on photos counts and pages in an index

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ("insert", "update", "delete")
_LIVE = sa.text("deleted_at IS NULL")
_SHOWN_LIVE = sa.text("state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL")

# Shown and live as in 0010 (and core/photos/repository.py's `shown`), on a job. Every SQL
# string here is built from these constants alone (hence the S608 exemptions).
_SHOWN = "state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL AND job_id IS NOT NULL"
BACKFILL = (
    f"INSERT INTO job_photo_tallies (job_id, shown) SELECT job_id, count(*) FROM photos"  # noqa: S608
    f" WHERE {_SHOWN} GROUP BY job_id",
    "UPDATE jobs SET has_photos = true"
    " WHERE id IN (SELECT job_id FROM job_photo_tallies WHERE shown > 0)",
)

# The count is the truth and its row lock orders concurrent changes to one job: a job's flag
# is written only when its count crosses zero, judged from the count and this statement's
# change alone, never from a flag another transaction may be changing. Jobs in id order.
_CHANGES = """
    WITH deltas AS (
        SELECT job_id, sum(change) AS change FROM ({rows}) AS changes
        GROUP BY job_id HAVING sum(change) <> 0
    ), counted AS (
        INSERT INTO job_photo_tallies AS tallies (job_id, shown)
        SELECT job_id, change FROM deltas ORDER BY job_id
        ON CONFLICT (job_id) DO UPDATE SET shown = tallies.shown + excluded.shown
        RETURNING job_id, shown
    )
    UPDATE jobs SET has_photos = counted.shown > 0
    FROM counted JOIN deltas USING (job_id)
    WHERE jobs.id = counted.job_id AND (counted.shown > 0) <> (counted.shown - deltas.change > 0);
"""
_ADDED = f"SELECT job_id, 1 AS change FROM new_rows WHERE {_SHOWN}"  # noqa: S608
_REMOVED = f"SELECT job_id, -1 AS change FROM old_rows WHERE {_SHOWN}"  # noqa: S608
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION job_photo_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_CHANGES.format(rows=_ADDED)}
    ELSIF TG_OP = 'DELETE' THEN {_CHANGES.format(rows=_REMOVED)}
    ELSE {_CHANGES.format(rows=_ADDED + " UNION ALL " + _REMOVED)}
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGERS = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}
# PostgreSQL fires a statement's triggers in name order: "photos_..." after 0010's
# "photo_tallies_...", so every writer takes its company's tally before any job's.
TRIGGER = "photos_job_tallies_{event}"


def _shown(row: str) -> str:
    """`_SHOWN` of a row trigger's NEW or OLD row."""
    return (
        f"{row}.state IN ('stored', 'processed', 'failed') AND {row}.deleted_at IS NULL"
        f" AND {row}.job_id IS NOT NULL"
    )


_NEW_SHOWN, _OLD_SHOWN = _shown("NEW"), _shown("OLD")
SQLITE_PLUS = f"""
INSERT INTO job_photo_tallies (job_id, shown) SELECT NEW.job_id, 1 WHERE {_NEW_SHOWN}
ON CONFLICT (job_id) DO UPDATE SET shown = shown + excluded.shown;
UPDATE jobs SET has_photos = 1 WHERE id = NEW.job_id AND NOT has_photos AND {_NEW_SHOWN};
"""  # noqa: S608
SQLITE_MINUS = f"""
INSERT INTO job_photo_tallies (job_id, shown) SELECT OLD.job_id, -1 WHERE {_OLD_SHOWN}
ON CONFLICT (job_id) DO UPDATE SET shown = shown + excluded.shown;
UPDATE jobs SET has_photos = 0 WHERE id = OLD.job_id AND has_photos AND {_OLD_SHOWN}
AND (SELECT shown FROM job_photo_tallies WHERE job_id = OLD.job_id) = 0;
"""  # noqa: S608
SQLITE_TRIGGERS = {
    "insert": SQLITE_PLUS,
    "update": SQLITE_MINUS + SQLITE_PLUS,
    "delete": SQLITE_MINUS,
}


def upgrade() -> None:
    op.create_table(
        "job_photo_tallies",
        sa.Column("job_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shown", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_photo_tallies")),
    )
    op.add_column(
        "jobs",
        sa.Column("has_photos", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index(
        "ix_jobs_live_photos",
        "jobs",
        ["company_id", "has_photos", "created_at", "id"],
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )
    # A prefix of 0010's ix_photos_shown_job_uploaded, which serves the same lookups.
    op.drop_index("ix_photos_shown_by_job", table_name="photos")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for event, tables in POSTGRESQL_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {TRIGGER.format(event=event)} AFTER {event.upper()} ON photos"
                f" REFERENCING {tables} FOR EACH STATEMENT"
                " EXECUTE FUNCTION job_photo_tallies_keep()"
            )
    else:
        for event, body in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {TRIGGER.format(event=event)} AFTER {event.upper()} ON photos"
                f" FOR EACH ROW BEGIN {body} END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in EVENTS:
        op.execute(
            f"DROP TRIGGER {TRIGGER.format(event=event)}" + (" ON photos" if postgresql else "")
        )
    if postgresql:
        op.execute("DROP FUNCTION job_photo_tallies_keep()")
    op.create_index(
        "ix_photos_shown_by_job",
        "photos",
        ["job_id"],
        postgresql_where=_SHOWN_LIVE,
        sqlite_where=_SHOWN_LIVE,
    )
    op.drop_index("ix_jobs_live_photos", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("has_photos")
    op.drop_table("job_photo_tallies")
