"""SQLite transactions: reads never wait for the write lock, writers take turns and lose nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from jobshots.db.engine import make_engine
from jobshots.db.sqlite_writes import queue_writers

metadata = MetaData()
counters = Table(
    "counters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hits", Integer, nullable=False),
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'writes.db'}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(counters), [{"id": n, "hits": 0} for n in range(1, 101)])
    yield engine
    engine.dispose()


def _hits(engine: Engine, row: int = 1) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(counters.c.hits).where(counters.c.id == row)) or 0)


def test_a_read_is_answered_while_another_transaction_holds_the_write_lock(engine: Engine) -> None:
    writing, read_done = threading.Event(), threading.Event()
    committed: list[bool] = []

    def writer() -> None:
        with engine.begin() as conn:
            conn.execute(sql_update(counters).where(counters.c.id == 1).values(hits=99))
            writing.set()
            read_done.wait(timeout=15)
        committed.append(True)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writing.wait(timeout=15)
    seen = _hits(engine)
    answered_before_commit = not committed
    read_done.set()
    thread.join(timeout=15)

    # A reader that waited for the lock would only be answered after the commit, seeing 99.
    assert answered_before_commit
    assert seen == 0
    assert _hits(engine) == 99


def test_a_write_commits_while_a_long_read_is_still_streaming(engine: Engine) -> None:
    finished: list[bool] = []

    def writer() -> None:
        with engine.begin() as conn:
            conn.execute(sql_update(counters).where(counters.c.id == 50).values(hits=7))
        finished.append(True)

    with engine.connect() as conn:
        rows = conn.execute(select(counters).order_by(counters.c.id))
        first = rows.fetchone()
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=20)
        rest = rows.fetchall()

    assert finished, "the writer waited for the reader to finish"
    assert first is not None
    assert first.id == 1
    assert len(rest) == 99
    assert _hits(engine, 50) == 7


def test_concurrent_read_modify_writes_under_for_update_lose_no_update(engine: Engine) -> None:
    threads, rounds = 8, 15

    def bump() -> None:
        for _ in range(rounds):
            with engine.begin() as conn:
                query = select(counters.c.hits).where(counters.c.id == 1).with_for_update()
                hits = conn.scalar(query) or 0
                conn.execute(sql_update(counters).where(counters.c.id == 1).values(hits=hits + 1))

    workers = [threading.Thread(target=bump) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert _hits(engine) == threads * rounds


def test_a_failed_write_hands_the_lock_on(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'short.db'}")
    event.listen(engine, "connect", lambda dbapi, _: setattr(dbapi, "isolation_level", None))
    # A lock kept by the failed writer would refuse the next writer after one second.
    queue_writers(engine, wait=1.0)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(counters).values(id=1, hits=0))

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(counters).values(id=1, hits=5))

    outcome: list[int] = []

    def next_writer() -> None:
        with engine.begin() as conn:
            conn.execute(insert(counters).values(id=2, hits=3))
        outcome.append(_hits(engine, 2))

    # The failed writer's pooled connection is taken here, so the next writer opens another.
    with engine.connect():
        thread = threading.Thread(target=next_writer)
        thread.start()
        thread.join(timeout=20)
    assert outcome == [3]
    assert _hits(engine, 1) == 0
    engine.dispose()
