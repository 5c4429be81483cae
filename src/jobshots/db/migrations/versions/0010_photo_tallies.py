"""photo tallies: each company's count of shown photos, kept by triggers; a job's photos in
upload order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ("insert", "update", "delete")

# A photo is counted while shown and live: state IN ('stored', 'processed', 'failed') AND
# deleted_at IS NULL, the rule of core/photos/repository.py's `shown` and the list indexes.
BACKFILL = """
INSERT INTO photo_tallies (company_id, shown)
SELECT company_id, count(*) FROM photos
WHERE state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL
GROUP BY company_id
"""

# Statement triggers: a COPY or a bulk update changes each company's row once, and a change
# that keeps the count (a photo processed, edited, moved between jobs) neither writes nor
# locks it. Companies in id order, so two statements never wait on each other crosswise.
_CHANGES = """
    INSERT INTO photo_tallies (company_id, shown)
    SELECT company_id, sum(change) FROM ({rows}) AS changes
    GROUP BY company_id HAVING sum(change) <> 0 ORDER BY company_id
    ON CONFLICT (company_id) DO UPDATE SET shown = photo_tallies.shown + excluded.shown;
"""
_ADDED = """
        SELECT company_id, 1 AS change FROM new_rows
        WHERE state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL
"""
_REMOVED = """
        SELECT company_id, -1 AS change FROM old_rows
        WHERE state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL
"""
# Each branch reads only its event's transition tables (a branch is planned when first run).
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION photo_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$
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

# SQLite has row triggers only; its writers take turns anyway.
SQLITE_PLUS = """
INSERT INTO photo_tallies (company_id, shown)
SELECT NEW.company_id, 1
WHERE NEW.state IN ('stored', 'processed', 'failed') AND NEW.deleted_at IS NULL
ON CONFLICT (company_id) DO UPDATE SET shown = shown + excluded.shown;
"""
SQLITE_MINUS = """
INSERT INTO photo_tallies (company_id, shown)
SELECT OLD.company_id, -1
WHERE OLD.state IN ('stored', 'processed', 'failed') AND OLD.deleted_at IS NULL
ON CONFLICT (company_id) DO UPDATE SET shown = shown + excluded.shown;
"""
SQLITE_TRIGGERS = {
    "insert": SQLITE_PLUS,
    "update": SQLITE_MINUS + SQLITE_PLUS,
    "delete": SQLITE_MINUS,
}


def upgrade() -> None:
    op.create_table(
        "photo_tallies",
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shown", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_photo_tallies")),
    )
    op.execute(BACKFILL)
    shown_live = sa.text("state IN ('stored', 'processed', 'failed') AND deleted_at IS NULL")
    op.create_index(
        "ix_photos_shown_job_uploaded",
        "photos",
        ["job_id", "company_id", "created_at", "id"],
        postgresql_where=shown_live,
        sqlite_where=shown_live,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        for event, tables in POSTGRESQL_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER photo_tallies_{event} AFTER {event.upper()} ON photos"
                f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION photo_tallies_keep()"
            )
    else:
        for event, body in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER photo_tallies_{event} AFTER {event.upper()} ON photos"
                f" FOR EACH ROW BEGIN {body} END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in EVENTS:
        op.execute(f"DROP TRIGGER photo_tallies_{event}" + (" ON photos" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION photo_tallies_keep()")
    op.drop_index("ix_photos_shown_job_uploaded", table_name="photos")
    op.drop_table("photo_tallies")
