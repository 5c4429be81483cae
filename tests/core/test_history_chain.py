"""The history as a signed hash chain: it verifies, names the first tampered event, and never
forks under concurrent writers."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from jobshots.core import audit
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.evidence import chain, checks
from jobshots.db.chain_hash import GENESIS
from jobshots.db.models import AuditChain, AuditEvent

EVENTS = 1000


def _company(ctx: Context, name: str = "Chain Ltd") -> int:
    with ctx.uow() as uow:
        return companies.create(uow, name, f"owner@{name.split()[0].lower()}.example").company.id


def _append(ctx: Context, company_id: int, count: int, per_commit: int = 10) -> None:
    for start in range(0, count, per_commit):
        with ctx.uow() as uow:
            for n in range(start, min(start + per_commit, count)):
                data = {"n": n, "caption": f"wall {n} — ünïcode", "ratio": n / 7}
                audit.record(
                    uow, None, "photo.updated", "photo", None, company_id=company_id, data=data
                )


def _verify(ctx: Context, company_id: int) -> chain.Verdict:
    with ctx.uow() as uow:
        return chain.verify(uow.session, company_id, uow.signer.public_key)


def _event_at(ctx: Context, company_id: int, seq: int) -> AuditEvent:
    with ctx.uow() as uow:
        return uow.session.scalars(
            select(AuditEvent).where(AuditEvent.company_id == company_id, AuditEvent.seq == seq)
        ).one()


def test_a_chain_of_a_thousand_events_verifies_and_its_head_is_signed(ctx: Context) -> None:
    company_id = _company(ctx)
    created = _verify(ctx, company_id).events  # the company's own creation events
    _append(ctx, company_id, EVENTS)
    verdict = _verify(ctx, company_id)
    assert verdict.ok, verdict.describe()
    assert verdict.events == created + EVENTS
    with ctx.uow() as uow:
        head = chain.head(uow.session, company_id)
        first = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.company_id == company_id, AuditEvent.seq == 1)
        ).one()
    assert head is not None
    assert head.seq == created + EVENTS
    assert first.prev_hash == GENESIS
    assert head.hash == _event_at(ctx, company_id, head.seq).hash
    # Each link names the hash of the one before it.
    assert _event_at(ctx, company_id, 500).prev_hash == _event_at(ctx, company_id, 499).hash


def test_changing_one_stored_event_names_that_event(ctx: Context) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, EVENTS)
    victim = _event_at(ctx, company_id, 617)
    with ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET action = 'photo.deleted' WHERE id = :id"),
            {"id": victim.id},
        )
    verdict = _verify(ctx, company_id)
    assert not verdict.ok
    assert (verdict.broken_seq, verdict.broken_event_uuid) == (617, str(victim.uuid))
    assert "do not match its hash" in verdict.reason
    assert str(victim.uuid) in verdict.describe()


def test_rewriting_an_event_and_its_hash_is_caught_by_the_next_link(ctx: Context) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, 50)
    victim = _event_at(ctx, company_id, 20)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET hash = :h WHERE id = :id"),
                     {"h": "f" * 64, "id": victim.id})  # fmt: skip
    verdict = _verify(ctx, company_id)
    assert (verdict.ok, verdict.broken_seq) == (False, 20)


def test_a_deleted_event_and_a_forged_head_are_found(ctx: Context) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, 40)
    gone = _event_at(ctx, company_id, 30)
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": gone.id})
    verdict = _verify(ctx, company_id)
    assert (verdict.ok, verdict.broken_seq) == (False, 31)
    assert "missing" in verdict.reason

    other = _company(ctx, "Other Ltd")
    _append(ctx, other, 5)
    forged = base64.b64encode(bytes(64)).decode()
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE audit_chains SET signature = :s WHERE company_id = :c"),
                     {"s": forged, "c": other})  # fmt: skip
    verdict = _verify(ctx, other)
    assert not verdict.ok
    assert "signature" in verdict.reason


def test_events_cut_from_the_end_no_longer_reach_the_signed_head(ctx: Context) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, 10)
    last = _verify(ctx, company_id).events
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE company_id = :c AND seq = :s"),
                     {"c": company_id, "s": last})  # fmt: skip
    verdict = _verify(ctx, company_id)
    assert not verdict.ok
    assert f"signed head is event {last}" in verdict.reason


def test_a_rolled_back_transaction_leaves_no_link(ctx: Context) -> None:
    company_id = _company(ctx)
    before = _verify(ctx, company_id).events

    class Boom(Exception):
        pass

    def commit_one_then_fail() -> None:
        with ctx.uow() as uow:
            audit.record(uow, None, "job.updated", "job", None, company_id=company_id)
            uow.commit()
            audit.record(uow, None, "job.updated", "job", None, company_id=company_id)
            raise Boom

    with pytest.raises(Boom):
        commit_one_then_fail()
    verdict = _verify(ctx, company_id)
    assert verdict.ok
    assert verdict.events == before + 1


def test_the_scheduled_check_records_each_result(ctx: Context) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, 20)
    assert company_id in checks.due(ctx)
    assert checks.run(ctx, company_id).ok
    assert company_id not in checks.due(ctx)
    victim = _event_at(ctx, company_id, 12)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET data = :d WHERE id = :id"),
                     {"d": json.dumps({"n": 999}), "id": victim.id})  # fmt: skip
    assert not checks.run(ctx, company_id).ok
    recorded = checks.latest(ctx, company_id)
    assert recorded is not None
    assert not recorded.ok
    assert (recorded.broken_seq, recorded.broken_event_uuid) == (12, str(victim.uuid))


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobshots", *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_audit_verify_on_the_command_line(ctx: Context, database_url: str) -> None:
    company_id = _company(ctx)
    _append(ctx, company_id, 30)
    env = {**os.environ, "JOBSHOTS_DEV": "1", "JOBSHOTS_DATABASE_URL": database_url}
    done = _cli(env, "audit", "verify", "--company", str(company_id))
    assert done.returncode == 0, done.stderr
    assert "chain intact" in done.stdout

    public = _cli(env, "keys", "public")
    with ctx.uow() as uow:
        assert public.stdout.strip() == uow.signer.public_key

    victim = _event_at(ctx, company_id, 25)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET ip = '10.9.9.9' WHERE id = :id"),
                     {"id": victim.id})  # fmt: skip
    done = _cli(env, "audit", "verify")
    assert done.returncode == 1
    assert f"event 25 ({victim.uuid}) does not match" in done.stdout
    other_key = base64.b64encode(bytes(32)).decode()
    done = _cli(env, "audit", "verify", "--company", str(company_id), "--public-key", other_key)
    assert done.returncode == 1


_WRITER = """
import sys
from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core import audit
url, company_id, writer, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ctx = build_context(Settings(dev=True, database_url=url, storage_url="file:///tmp/unused"))
for n in range(count):
    with ctx.uow() as uow:
        audit.record(uow, None, "photo.uploaded", "photo", None, company_id=company_id,
                     data={"writer": writer, "n": n})
ctx.close()
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_appending_at_once_leave_one_unbroken_chain(
    ctx: Context, database_url: str, tmp_path: Path
) -> None:
    company_id = _company(ctx)
    before = _verify(ctx, company_id).events
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    writers = [
        subprocess.Popen([sys.executable, str(script), database_url, str(company_id), name, "300"])
        for name in ("a", "b")
    ]
    assert [writer.wait(timeout=300) for writer in writers] == [0, 0]
    verdict = _verify(ctx, company_id)
    assert verdict.ok, verdict.describe()
    assert verdict.events == before + 600
    with ctx.uow() as uow:
        seqs = list(uow.session.scalars(
            select(AuditEvent.seq).where(AuditEvent.company_id == company_id)
            .order_by(AuditEvent.seq)
        ))  # fmt: skip
        writers_seen = {
            event.data["writer"]
            for event in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "photo.uploaded")
            )
        }
        heads = uow.session.scalars(select(AuditChain)).all()
    assert seqs == list(range(1, before + 601))
    assert writers_seen == {"a", "b"}
    assert [h.seq for h in heads if h.company_id == company_id] == [before + 600]
