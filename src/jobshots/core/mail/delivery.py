"""Sending a queued note: one attempt per run, retried with a doubling wait, never lost.

A note waiting to be sent is `queued` in the database, so the recovery sweep finds it again
after a crash; each run honours the wait since the last failed attempt, so running it too
soon, or twice, only says how long is left.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from jobshots.config import Settings
from jobshots.core import audit
from jobshots.core.context import Context
from jobshots.core.mail import outbound
from jobshots.core.mail.mailer import MailNotSent
from jobshots.core.notes import views
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import CaseNote, Job, User
from jobshots.db.types import utcnow

log = logging.getLogger(__name__)

NO_SMTP = "no SMTP server is configured"
NO_PARTIES = "the job has no contractor, agent or private contact to e-mail but the note's author"
ERROR_MAX = 500


@dataclass(frozen=True)
class Outcome:
    """Where a note stands after a run and, while attempts remain, which is next and when."""

    state: str
    next_attempt: int | None = None
    retry_in: float | None = None

    def __str__(self) -> str:
        if self.retry_in is None:
            return self.state
        return f"{self.state}, attempt {self.next_attempt} in {self.retry_in:.1f}s"


def backoff(settings: Settings, failed_attempts: int) -> float:
    """The wait after `failed_attempts` failures: the configured wait, doubling each time."""
    return float(settings.mail_retry_seconds * 2 ** max(failed_attempts - 1, 0))


def deliver(ctx: Context, note_id: int, attempt: int | None = None) -> Outcome:
    """Make attempt number `attempt` (by default the next) at e-mailing a queued note, if it
    is due; record what happened. An attempt already made is not made again."""
    with ctx.uow() as uow:
        note = uow.session.get(CaseNote, note_id)
        if note is None or note.email_state != "queued":
            return Outcome((note.email_state or "not queued") if note else "missing")
        if attempt is not None and attempt != note.email_attempts + 1:
            return Outcome(f"attempt {attempt} already made")
        wait = _still_to_wait(ctx.settings, note)
        if wait > 0:
            return Outcome("queued", note.email_attempts + 1, wait)
        if ctx.mailer is None:
            return _skip(uow, note, NO_SMTP)
        job = uow.session.get_one(Job, note.job_id)
        author = uow.session.get(User, note.author_id) if note.author_id else None
        recipients = outbound.recipients(job, author)
        if not recipients:
            return _skip(uow, note, NO_PARTIES)
        answering = uow.session.get(CaseNote, note.parent_id) if note.parent_id else None
        name = views.author_name(note, author)
        message = outbound.message(ctx.settings, note, job, name, answering)
        # Kept before sending, so a reply that comes back fast finds its note.
        note.email_message_id = str(message["Message-ID"])
        attempt = note.email_attempts + 1
    try:
        refused = ctx.mailer.send(message, outbound.sender(ctx.settings), recipients)
    except MailNotSent as exc:
        return _record_failure(ctx, note_id, attempt, _redacted(exc.reason, recipients))
    except Exception as exc:
        # A transport's own bug still counts as a failed attempt: attempts stay bounded.
        log.exception("e-mailing note %s failed unexpectedly", note_id)
        reason = _redacted(f"{type(exc).__name__}: {exc}", recipients)
        return _record_failure(ctx, note_id, attempt, reason)
    return _record_sent(ctx, note_id, attempt, len(recipients), len(refused))


def waiting(
    ctx: Context, queued_before: datetime | None, limit: int = 500
) -> list[tuple[int, int]]:
    """Notes still queued to be e-mailed (a crash or a lost enqueue left them), oldest first,
    each with the number of the attempt it waits for."""
    query = select(CaseNote.id, CaseNote.email_attempts).where(CaseNote.email_state == "queued")
    if queued_before is not None:
        query = query.where(CaseNote.updated_at <= queued_before)
    with ctx.uow() as uow:
        rows = uow.session.execute(query.order_by(CaseNote.updated_at).limit(limit)).all()
    return [(note_id, attempts + 1) for note_id, attempts in rows]


def grace_cutoff(ctx: Context) -> datetime:
    """Notes untouched since before this have waited long enough to be picked up again."""
    return utcnow() - timedelta(seconds=ctx.settings.recovery_grace_seconds)


def _still_to_wait(settings: Settings, note: CaseNote) -> float:
    if not note.email_attempts:
        return 0.0
    # The row changes at each failed attempt, so its update time is the last attempt's.
    due = note.updated_at + timedelta(seconds=backoff(settings, note.email_attempts))
    return max((due - utcnow()).total_seconds(), 0.0)


def _skip(uow: UnitOfWork, note: CaseNote, reason: str) -> Outcome:
    note.email_state, note.email_error = "skipped", reason
    _audit(uow, note, "case_note.email_skipped", {"reason": reason})
    return Outcome("skipped")


def _record_failure(ctx: Context, note_id: int, attempt: int, reason: str) -> Outcome:
    with ctx.uow() as uow:
        note = uow.session.get(CaseNote, note_id)
        if note is None or note.email_state != "queued":
            return Outcome((note.email_state or "not queued") if note else "missing")
        note.email_attempts, note.email_error = attempt, reason[:ERROR_MAX]
        note.updated_at = utcnow()
        if attempt < ctx.settings.mail_attempts:
            return Outcome("queued", attempt + 1, backoff(ctx.settings, attempt))
        note.email_state = "failed"
        _audit(uow, note, "case_note.email_failed", {"attempts": attempt, "reason": reason})
        return Outcome("failed")


def _record_sent(
    ctx: Context, note_id: int, attempt: int, recipients: int, refused: int
) -> Outcome:
    with ctx.uow() as uow:
        note = uow.session.get(CaseNote, note_id)
        if note is None:
            return Outcome("missing")
        note.email_state, note.email_attempts, note.email_sent_at = "sent", attempt, utcnow()
        note.email_error = (
            f"the mail server refused {refused} of {recipients} recipients" if refused else None
        )
        data = {"recipients": recipients - refused, "attempts": attempt}
        _audit(uow, note, "case_note.emailed", data)
        return Outcome("sent")


def _audit(uow: UnitOfWork, note: CaseNote, action: str, data: Mapping[str, object]) -> None:
    audit.record(
        uow, None, action, "case_note", note.uuid,
        company_id=note.company_id, job_id=note.job_id, data=dict(data),
    )  # fmt: skip


def _redacted(reason: str, recipients: Sequence[str]) -> str:
    """A server's reason without the parties' addresses (a private contact's is sealed)."""
    for address in recipients:
        reason = reason.replace(address, "<recipient>")
    return reason
