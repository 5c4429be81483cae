"""Queries for rate-limit counters: one atomic upsert per counted request."""

from __future__ import annotations

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jobshots.db.models import RateCount


def hit(session: Session, bucket: str, window_start: int) -> int:
    """Count one request of `bucket` in the window; the window's count including it."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        # A count lost to a crash is harmless; waiting for the WAL to reach the disk costs
        # every request milliseconds.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = postgresql.insert if on_postgresql else sqlite.insert
    statement = insert(RateCount).values(bucket=bucket, window_start=window_start, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateCount.bucket, RateCount.window_start],
        set_={"hits": RateCount.hits + 1},
    )
    hits = session.execute(statement.returning(RateCount.hits)).scalar_one()
    return int(hits)


def drop_before(session: Session, window_start: int) -> int:
    """Delete the counters of windows that began before `window_start`; how many went."""
    result = session.execute(delete(RateCount).where(RateCount.window_start < window_start))
    return int(getattr(result, "rowcount", 0) or 0)
