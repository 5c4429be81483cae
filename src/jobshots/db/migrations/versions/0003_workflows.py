"""workflows: status history, SLA clocks and working week, approval rules, note delivery

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 07:40:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import time

import sqlalchemy as sa
from alembic import op

import jobshots.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_with_default(table: str, column: sa.Column[object], default: object) -> None:
    """A NOT NULL column filled in for existing rows, then left without a server default."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(column)
    values = sa.table(table, sa.column(column.name, column.type))
    op.execute(values.update().values({column.name: default}))
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column.name, existing_type=column.type, nullable=False)


def upgrade() -> None:
    _add_with_default("companies", sa.Column("time_zone", sa.String(64)), "Europe/London")
    _add_with_default("companies", sa.Column("working_day_starts", sa.Time()), time(9))
    _add_with_default("companies", sa.Column("working_day_ends", sa.Time()), time(17, 30))
    _add_with_default("companies", sa.Column("bank_holidays", sa.String(3)), "ENG")

    _add_with_default("job_statuses", sa.Column("pauses_sla", sa.Boolean()), False)
    with op.batch_alter_table("job_statuses") as batch:
        batch.drop_column("requires_approval")

    with op.batch_alter_table("job_priorities") as batch:
        batch.alter_column("response_hours", new_column_name="response_target")
        batch.alter_column("completion_hours", new_column_name="completion_target")
    for clock in ("response_clock", "completion_clock"):
        _add_with_default("job_priorities", sa.Column(clock, sa.String(20)), "calendar_hours")

    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("awaiting_approval")

    op.create_table(
        "job_status_changes",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("pauses_sla", sa.Boolean(), nullable=False),
        sa.Column("changed_at", jobshots.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_job_status_changes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_status_changes_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["job_statuses.id"],
            name=op.f("fk_job_status_changes_status_id_job_statuses"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_status_changes")),
        sa.UniqueConstraint("uuid", name=op.f("uq_job_status_changes_uuid")),
    )
    op.create_index(
        op.f("ix_job_status_changes_job_id"), "job_status_changes", ["job_id"], unique=False
    )
    _record_current_statuses()

    op.create_table(
        "approval_rules",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("budget_over", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("type_ids", jobshots.db.types.JSONType, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", jobshots.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jobshots.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_approval_rules_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["job_statuses.id"],
            name=op.f("fk_approval_rules_status_id_job_statuses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_rules")),
        sa.UniqueConstraint("company_id", name=op.f("uq_approval_rules_company_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_approval_rules_uuid")),
    )

    with op.batch_alter_table("case_notes") as batch:
        batch.add_column(sa.Column("author_name_enc", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("email_state", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("email_error", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("email_sent_at", jobshots.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    _add_with_default("case_notes", sa.Column("email_attempts", sa.Integer()), 0)

    with op.batch_alter_table("recalls") as batch:
        batch.add_column(sa.Column("previous_status_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "previous_completed_at",
                jobshots.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_recalls_previous_status_id_job_statuses"),
            "job_statuses",
            ["previous_status_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_recalls_closed_by_id_users"), "users", ["closed_by_id"], ["id"]
        )

    _add_with_default("remedial_links", sa.Column("reason", sa.Text()), "")
    with op.batch_alter_table("remedial_links") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_remedial_links_created_by_id_users"), "users", ["created_by_id"], ["id"]
        )

    _add_with_default("amendment_requests", sa.Column("decision_notes", sa.Text()), "")


def _record_current_statuses() -> None:
    """Each existing job's status as its first recorded change, so its SLA can be measured."""
    when = jobshots.db.types.UTCDateTime(timezone=True)
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Integer()),
        sa.column("company_id", sa.Integer()),
        sa.column("status_id", sa.Integer()),
        sa.column("created_at", when),
    )
    statuses = sa.table(
        "job_statuses",
        sa.column("id", sa.Integer()),
        sa.column("stage", sa.String()),
        sa.column("pauses_sla", sa.Boolean()),
    )
    rows = (
        op.get_bind()
        .execute(
            sa.select(
                jobs.c.company_id,
                jobs.c.id,
                jobs.c.status_id,
                statuses.c.stage,
                statuses.c.pauses_sla,
                jobs.c.created_at,
            ).join(statuses, statuses.c.id == jobs.c.status_id)
        )
        .all()
    )
    changes = sa.table(
        "job_status_changes",
        sa.column("uuid", sa.Uuid()),
        sa.column("company_id", sa.Integer()),
        sa.column("job_id", sa.Integer()),
        sa.column("status_id", sa.Integer()),
        sa.column("stage", sa.String()),
        sa.column("pauses_sla", sa.Boolean()),
        sa.column("changed_at", when),
    )
    if rows:
        op.bulk_insert(
            changes,
            [
                {
                    "uuid": uuid.uuid4(),
                    "company_id": company_id,
                    "job_id": job_id,
                    "status_id": status_id,
                    "stage": stage,
                    "pauses_sla": bool(pauses),
                    "changed_at": created_at,
                }
                for company_id, job_id, status_id, stage, pauses, created_at in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("amendment_requests") as batch:
        batch.drop_column("decision_notes")
    with op.batch_alter_table("remedial_links") as batch:
        batch.drop_constraint(op.f("fk_remedial_links_created_by_id_users"), type_="foreignkey")
        batch.drop_column("created_by_id")
        batch.drop_column("reason")
    with op.batch_alter_table("recalls") as batch:
        batch.drop_constraint(op.f("fk_recalls_closed_by_id_users"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_recalls_previous_status_id_job_statuses"), type_="foreignkey"
        )
        batch.drop_column("closed_by_id")
        batch.drop_column("previous_completed_at")
        batch.drop_column("previous_status_id")
    with op.batch_alter_table("case_notes") as batch:
        for name in ("email_attempts", "email_sent_at", "email_error", "email_state"):
            batch.drop_column(name)
        batch.drop_column("author_name_enc")
    op.drop_table("approval_rules")
    op.drop_index(op.f("ix_job_status_changes_job_id"), table_name="job_status_changes")
    op.drop_table("job_status_changes")
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("awaiting_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("job_priorities") as batch:
        batch.drop_column("completion_clock")
        batch.drop_column("response_clock")
        batch.alter_column("completion_target", new_column_name="completion_hours")
        batch.alter_column("response_target", new_column_name="response_hours")
    with op.batch_alter_table("job_statuses") as batch:
        batch.add_column(
            sa.Column("requires_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_column("pauses_sla")
    with op.batch_alter_table("companies") as batch:
        for name in ("bank_holidays", "working_day_ends", "working_day_starts", "time_zone"):
            batch.drop_column(name)
