"""The scheduled check of every company's history chain, and its recorded results."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.evidence import chain
from jobshots.core.evidence.chain import Verdict
from jobshots.core.tasks import Task
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import AuditEvent, ChainCheck
from jobshots.db.types import utcnow

log = logging.getLogger(__name__)

VERIFY_HISTORY = "verify_history"


def task_for(company_id: int) -> Task:
    """The background task that verifies one company's chain."""
    return Task(VERIFY_HISTORY, {"company_id": company_id})


def due(ctx: Context) -> list[int]:
    """Companies with a history whose last check is older than the interval, or never made."""
    cutoff = utcnow() - timedelta(seconds=ctx.settings.audit_verify_interval_seconds)
    last = (
        select(ChainCheck.company_id, func.max(ChainCheck.checked_at).label("at"))
        .group_by(ChainCheck.company_id)
        .subquery()
    )
    query = (
        select(AuditEvent.company_id)
        .distinct()
        .outerjoin(last, last.c.company_id == AuditEvent.company_id)
        .where((last.c.at.is_(None)) | (last.c.at < cutoff))
        .order_by(AuditEvent.company_id)
    )
    with ctx.uow() as uow:
        return list(uow.session.scalars(query))


def run(ctx: Context, company_id: int) -> chain.Verdict:
    """Verify one company's chain with the server's public key and record the result."""
    with ctx.uow() as uow:
        verdict = chain.verify(uow.session, company_id, uow.signer.public_key)
        uow.session.add(
            ChainCheck(
                company_id=company_id,
                checked_at=utcnow(),
                events=verdict.events,
                ok=verdict.ok,
                broken_seq=verdict.broken_seq,
                broken_event_uuid=verdict.broken_event_uuid,
                reason=verdict.reason,
            )
        )
    if not verdict.ok:
        log.error("history chain broken: %s", verdict.describe())
    return verdict


def latest(ctx: Context, company_id: int) -> ChainCheck | None:
    """The company's most recent recorded check."""
    with ctx.uow() as uow:
        return uow.session.scalar(
            select(ChainCheck)
            .where(ChainCheck.company_id == company_id)
            .order_by(ChainCheck.checked_at.desc(), ChainCheck.id.desc())
            .limit(1)
        )


def verify_now(uow: UnitOfWork, company_ref: str | None, public_key: str | None) -> list[Verdict]:
    """Verify one company's chain (by id or UUID) or every company's, with the given public key
    or the server's own."""
    key = public_key or uow.signer.public_key
    if company_ref is not None:
        ids = [companies.get(uow, company_ref).id]
    else:
        ids = list(chain.companies(uow.session))
    return [chain.verify(uow.session, company_id, key) for company_id in ids]
