"""Each company's history as a hash chain: appended under a lock, its head signed, verifiable."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jobshots.core.evidence import signing
from jobshots.db.chain_hash import GENESIS, HASHED, event_hash, head_message
from jobshots.db.models import AuditChain, AuditEvent
from jobshots.db.types import utcnow

# Events read per round trip while verifying, so a long chain never sits in memory.
_BATCH = 2000


@dataclass(frozen=True)
class Head:
    """Where a company's chain ends: its length, last hash and the signature over both."""

    company_id: int
    seq: int
    hash: str
    signature: str


@dataclass(frozen=True)
class Verdict:
    """The result of recomputing a company's chain."""

    company_id: int
    events: int
    ok: bool
    broken_seq: int | None = None
    broken_event_uuid: str | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line for a person: intact, or the first event that fails and why."""
        if self.ok:
            return f"company {self.company_id}: {self.events} events, chain intact, head signed"
        where = (
            f"event {self.broken_seq} ({self.broken_event_uuid})"
            if self.broken_event_uuid
            else "the chain head"
        )
        return f"company {self.company_id}: {where} does not match: {self.reason}"


def append(session: Session, signer: signing.Signer, events: list[AuditEvent]) -> None:
    """Link `events` onto their companies' chains, in order, and sign each new head.

    The head row is locked first (companies in id order, so two writers never deadlock), so
    concurrent transactions append one after the other and the chain never forks.
    """
    ordered = sorted(enumerate(events), key=lambda item: (item[1].company_id, item[0]))
    for company_id, group in groupby(ordered, key=lambda item: item[1].company_id):
        head = _locked_head(session, company_id)
        for _, event in group:
            event.seq = head.seq + 1
            event.prev_hash = head.head_hash
            event.hash = event_hash(_hashed(event))
            head.seq, head.head_hash = event.seq, event.hash
            session.add(event)
        head.signature = signer.sign(head_message(company_id, head.seq, head.head_hash))
        head.signed_at = utcnow()
    session.flush()


def head(session: Session, company_id: int) -> Head | None:
    """The company's signed chain head, if its chain has grown since it began to be signed."""
    row = session.scalar(select(AuditChain).where(AuditChain.company_id == company_id))
    if row is None or not row.signature:
        return None
    return Head(company_id, row.seq, row.head_hash, row.signature)


def verify(session: Session, company_id: int, public_key: str) -> Verdict:
    """Recompute the company's chain from the stored events and check the signed head."""
    seq, prev, last_uuid = 0, GENESIS, None
    for event in _events(session, company_id):
        fault = _fault(event, seq + 1, prev)
        if fault:
            return Verdict(company_id, seq, False, event["seq"], str(event["uuid"]), fault)
        seq, prev, last_uuid = event["seq"], event["hash"], str(event["uuid"])
    row = session.scalar(select(AuditChain).where(AuditChain.company_id == company_id))
    if row is None:
        return Verdict(company_id, seq, True)
    if row.seq < seq:
        reason = f"events after {row.seq} were added outside the chain"
        return Verdict(company_id, seq, False, seq, last_uuid, reason)
    if row.seq > seq or row.head_hash != prev:
        reason = f"the signed head is event {row.seq}, but the stored chain ends at {seq}"
        return Verdict(company_id, seq, False, reason=reason)
    message = head_message(company_id, row.seq, row.head_hash)
    if not signing.is_signed(public_key, message, row.signature):
        reason = "the head's signature does not verify with this public key"
        return Verdict(company_id, seq, False, reason=reason)
    return Verdict(company_id, seq, True)


def _fault(event: Mapping[str, Any], seq: int, prev: str) -> str:
    if event["seq"] != seq:
        return f"expected event {seq} next, found {event['seq']}: an event is missing"
    if event["prev_hash"] != prev:
        return "its previous hash is not the hash of the event before it"
    if event["hash"] != event_hash(event):
        return "its contents do not match its hash"
    return ""


_COLUMNS = [getattr(AuditEvent, name) for name in HASHED] + [AuditEvent.hash]


def _events(session: Session, company_id: int) -> Iterator[Mapping[str, Any]]:
    """The company's events in chain order as plain rows, a batch at a time (keyset on seq)."""
    after = 0
    while True:
        batch = (
            session.execute(
                select(*_COLUMNS)
                .where(AuditEvent.company_id == company_id, AuditEvent.seq > after)
                .order_by(AuditEvent.seq)
                .limit(_BATCH)
            )
            .mappings()
            .all()
        )
        yield from (dict(row) for row in batch)
        if len(batch) < _BATCH:
            return
        after = batch[-1]["seq"]


def _hashed(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED}


def _locked_head(session: Session, company_id: int) -> AuditChain:
    query = select(AuditChain).where(AuditChain.company_id == company_id).with_for_update()
    row = session.scalar(query)
    if row is not None:
        return row
    # The first append since the chain began (or since events were chained by migration):
    # start the head where the stored events end. A writer that lost the race finds its row.
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.company_id == company_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, hashed = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    values = {"company_id": company_id, "seq": seq, "head_hash": hashed, "signature": "",
              "signed_at": utcnow(), "uuid": uuid.uuid4()}  # fmt: skip
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AuditChain).values(**values).on_conflict_do_nothing())
    return session.scalars(query.execution_options(populate_existing=True)).one()


def companies(session: Session) -> Iterable[int]:
    """Every company that has a history, in id order."""
    return session.scalars(select(AuditEvent.company_id).distinct().order_by(AuditEvent.company_id))
