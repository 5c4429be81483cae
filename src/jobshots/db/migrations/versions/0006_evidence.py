"""evidence: the history's hash chain, dispute flags, perceptual hashes, legal hold, retention

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import jobshots.db.types
from jobshots.db.chain_hash import GENESIS, HASHED, event_hash

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = jobshots.db.types.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_uuid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_audit_events_company_id_seq"), ["company_id", "seq"]
        )

    op.create_table(
        "audit_chains",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("signed_at", _WHEN, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_audit_chains_company_id_companies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chains")),
        sa.UniqueConstraint("company_id", name=op.f("uq_audit_chains_company_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_audit_chains_uuid")),
    )  # fmt: skip
    op.create_table(
        "chain_checks",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", _WHEN, nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("broken_seq", sa.BigInteger(), nullable=True),
        sa.Column("broken_event_uuid", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_chain_checks_company_id_companies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_checks")),
        sa.UniqueConstraint("uuid", name=op.f("uq_chain_checks_uuid")),
    )  # fmt: skip
    op.create_index(op.f("ix_chain_checks_company_id"), "chain_checks", ["company_id"])

    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("flags", _JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("credentials", _JSON, nullable=True))
        batch_op.add_column(sa.Column("perceptual_hash", sa.BigInteger(), nullable=True))
        for band in range(4):
            batch_op.add_column(sa.Column(f"hash_band_{band}", sa.Integer(), nullable=True))
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.alter_column("flags", existing_type=_JSON, server_default=None)
        batch_op.create_index(
            "ix_photos_company_checksum", ["company_id", "checksum_sha256"], unique=False
        )
        for band in range(4):
            batch_op.create_index(
                f"ix_photos_hash_band_{band}", ["company_id", f"hash_band_{band}"], unique=False
            )

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("legal_hold_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("geofence_metres", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_jobs_legal_hold_by_id_users"), "users", ["legal_hold_by_id"], ["id"]
        )

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("capture_gap_hours", sa.Integer(), nullable=False, server_default="72")
        )
        batch_op.add_column(
            sa.Column("geofence_metres", sa.Integer(), nullable=False, server_default="250")
        )


def _chain_existing_events() -> None:
    """Chain the events recorded before this revision, per company in the order they happened.

    Their heads are signed by the server the first time each company's chain grows.
    """
    events = sa.table(
        "audit_events",
        *(sa.column(name) for name in HASHED if name not in ("uuid", "created_at", "data")),
        sa.column("id"), sa.column("hash"), sa.column("uuid", sa.Uuid()),
        sa.column("created_at", _WHEN), sa.column("data", _JSON),
    )  # fmt: skip
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(events).order_by(events.c.company_id, events.c.created_at, events.c.id)
    ).mappings()
    company, seq, prev = None, 0, GENESIS
    updates = []
    for row in rows:
        if row["company_id"] != company:
            company, seq, prev = row["company_id"], 0, GENESIS
        seq += 1
        values = dict(row) | {"seq": seq, "prev_hash": prev, "job_uuid": None}
        prev = event_hash(values)
        updates.append({"row_id": row["id"], "seq": seq, "prev_hash": values["prev_hash"],
                        "hash": prev})  # fmt: skip
    if updates:
        conn.execute(
            events.update()
            .where(events.c.id == sa.bindparam("row_id"))
            .values(
                seq=sa.bindparam("seq"),
                prev_hash=sa.bindparam("prev_hash"),
                hash=sa.bindparam("hash"),
            ),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("geofence_metres")
        batch_op.drop_column("capture_gap_hours")
        batch_op.drop_column("retention_days")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_jobs_legal_hold_by_id_users"), type_="foreignkey")
        batch_op.drop_column("geofence_metres")
        batch_op.drop_column("legal_hold_by_id")
        batch_op.drop_column("legal_hold_reason")
        batch_op.drop_column("legal_hold_at")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        for band in range(4):
            batch_op.drop_index(f"ix_photos_hash_band_{band}")
            batch_op.drop_column(f"hash_band_{band}")
        batch_op.drop_index("ix_photos_company_checksum")
        batch_op.drop_column("perceptual_hash")
        batch_op.drop_column("credentials")
        batch_op.drop_column("flags")
        batch_op.drop_column("purged_at")
    op.drop_table("chain_checks")
    op.drop_table("audit_chains")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_company_id_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("job_uuid")
