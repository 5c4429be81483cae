"""A case note as an e-mail: its recipients, its message, and queueing it to be sent."""

from __future__ import annotations

import html
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from jobshots.config import Settings
from jobshots.core.mail import tokens
from jobshots.core.notes import text
from jobshots.core.tasks import Task
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import CaseNote, Job, User
from jobshots.db.types import utcnow

DELIVER_NOTE = "deliver_note"
# Envelope recipients only: the parties never see each other's addresses.
UNDISCLOSED = "undisclosed-recipients:;"
_SUBJECT_MAX = 200
ADDRESS_MAX = 320  # RFC 5321: the longest a forward path may be


def task_for(note_id: int, attempt: int = 1) -> Task:
    """The background task that makes one attempt at e-mailing a note; each attempt is its own
    task, so a retry enqueued while the failed attempt is still running is never merged into it."""
    return Task(DELIVER_NOTE, {"note_id": note_id, "attempt": attempt})


def queue(uow: UnitOfWork, note: CaseNote) -> None:
    """Mark a flushed note to be e-mailed and send it once the transaction commits."""
    note.email_state = "queued"
    note.email_error = None
    note.email_attempts = 0
    uow.enqueue(task_for(note.id))


def recipients(job: Job, author: User | None) -> list[str]:
    """The job's parties to e-mail: its contractor, its agent and its private contact,
    never the author, each address once (compared without regard to case)."""
    people = [user for user in (job.contractor, job.agent) if user is not None and user.is_active]
    candidates = [user.email for user in people]
    candidates.append(job.private_contact_email or "")
    excluded = {author.email.strip().lower()} if author is not None else set()
    found: list[str] = []
    for address in candidates:
        address = address.strip()
        key = address.lower()
        if not is_address(address) or key in excluded:
            continue
        excluded.add(key)
        found.append(address)
    return found


def message(
    settings: Settings,
    note: CaseNote,
    job: Job,
    author_name: str,
    answering: CaseNote | None = None,
) -> EmailMessage:
    """The e-mail that carries a note: a reply address and Message-ID that lead back to it,
    a text body and its HTML alternative; addressed to no one visibly."""
    mail = EmailMessage(policy=policy.SMTP)
    subject = _one_line(f"[{job.reference}] {job.title}")[:_SUBJECT_MAX]
    mail["Subject"] = f"Re: {subject}" if answering is not None else subject
    mail["From"] = settings.mail_from
    mail["To"] = UNDISCLOSED
    mail["Reply-To"] = tokens.reply_address(settings, note.uuid)
    mail["Message-ID"] = tokens.message_id(settings, note.uuid)
    mail["Date"] = format_datetime(utcnow())
    mail["Auto-Submitted"] = "auto-generated"
    if answering is not None and answering.email_message_id:
        mail["In-Reply-To"] = answering.email_message_id
        mail["References"] = answering.email_message_id
    intro = f"{_one_line(author_name)} added a note to job {job.reference}, {_one_line(job.title)}:"
    footer = "Reply to this e-mail to add your reply to the job's notes."
    mail.set_content(f"{intro}\n\n{text.plain_text(note.body)}\n\n-- \n{footer}\n")
    mail.add_alternative(_html(intro, text.as_html(note.body), footer), subtype="html")
    return mail


def sender(settings: Settings) -> str:
    """The envelope sender: the address of `mail_from`."""
    return parseaddr(settings.mail_from)[1] or settings.mail_from


def _html(intro: str, body: str, footer: str) -> str:
    escape = html.escape
    return (
        "<!DOCTYPE html>\n<html><body>\n"
        f"<p>{escape(intro)}</p>\n<div>{body}</div>\n"
        f"<hr>\n<p>{escape(footer)}</p>\n</body></html>\n"
    )


def is_address(value: str) -> bool:
    """True for one plain e-mail address (`name@example.com`), nothing more around it."""
    local, _, domain = value.rpartition("@")
    if not local or "." not in domain or len(value) > ADDRESS_MAX:
        return False
    if any(c.isspace() or c in '<>,;"()' for c in value):
        return False
    try:
        Address(addr_spec=value)
    except (ValueError, IndexError):
        return False
    return True


def _one_line(value: str) -> str:
    return " ".join(value.split())
