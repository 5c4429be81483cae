"""Replies to e-mailed case notes, threaded back as case notes of the same job."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from jobshots.core import audit, permissions
from jobshots.core.errors import Invalid
from jobshots.core.jobs import service as jobs
from jobshots.core.mail import reading, threads, tokens
from jobshots.core.mail.reading import IncomingMail
from jobshots.core.mail.refusals import EmptyReply, ReplyRefused, UnknownAddressee, UnknownSender
from jobshots.core.notes import service as notes
from jobshots.core.notes import text as note_text
from jobshots.core.notes.views import NoteView
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.core.users import service as users
from jobshots.db.models import CaseNote, Job, User


@dataclass(frozen=True)
class ThreadedReply:
    """A reply stored as a case note under the note it answers."""

    note: NoteView
    # The same message came in before: `note` is what it was threaded as then.
    already_threaded: bool


@dataclass(frozen=True)
class _Party:
    user: User | None
    name: str


def receive(uow: UnitOfWork, raw: bytes, envelope_recipients: Sequence[str] = ()) -> ThreadedReply:
    """Thread a raw RFC 822 reply under the note it answers; ReplyRefused saying why not.

    `envelope_recipients` are the addresses the MTA delivered it to, looked at first.
    """
    mail = reading.read(raw)
    answered, matched_by = _answered_note(uow, mail, envelope_recipients)
    job = threads.live_job(uow.session, answered)
    if job is None:
        raise UnknownAddressee("the note replied to no longer exists")
    party = _party(uow, job, mail)
    earlier = threads.note_by_message_id(uow.session, mail.message_id)
    if earlier is not None:
        return _already_threaded(uow, earlier, answered)
    body = _note_body(mail.text)
    note = _stored(uow, job, answered, party, body, mail.message_id)
    if note is None:
        # Delivered twice at once, and the other delivery committed first; or the note
        # answered went meanwhile.
        earlier = threads.note_by_message_id(uow.session, mail.message_id)
        if earlier is None:
            raise UnknownAddressee("the note replied to no longer exists")
        return _already_threaded(uow, earlier, answered)
    principal = users.principal_of(party.user) if party.user is not None else None
    audit.record(uow, principal, "case_note.received", "case_note", note.uuid,
                 company_id=job.company_id, job_id=job.id,
                 data={"in_reply_to": str(answered.uuid), "matched_by": matched_by,
                       "author": "user" if party.user else "private_contact",
                       "message_id": mail.message_id})  # fmt: skip
    return ThreadedReply(notes.view(uow, note), already_threaded=False)


def _answered_note(
    uow: UnitOfWork, mail: IncomingMail, envelope_recipients: Sequence[str]
) -> tuple[CaseNote, str]:
    """The note a reply answers, and how it was found; the reply address first."""
    settings = uow.settings
    addressed = (*envelope_recipients, *mail.recipients)
    ours = [a for a in addressed if tokens.is_reply_address(settings, a)]
    try:
        named = [tokens.note_of_address(settings, address) for address in ours]
    except tokens.TokenRefused as exc:
        raise UnknownAddressee(exc.message) from exc
    found = [(note_uuid, "reply_address") for note_uuid in named]
    found += [(n, "in_reply_to") for n in _notes_of_ids(uow, mail.in_reply_to)]
    # The last reference is the message answered; earlier ones are older in the thread.
    found += [(n, "references") for n in _notes_of_ids(uow, reversed(mail.references))]
    if not found:
        raise UnknownAddressee("the message is not a reply to a case note of ours")
    note_uuid, matched_by = found[0]
    note = threads.note_by_uuid(uow.session, note_uuid)
    if note is None:
        raise UnknownAddressee("the note replied to no longer exists")
    return note, matched_by


def _notes_of_ids(uow: UnitOfWork, message_ids: Iterable[str]) -> list[uuid.UUID]:
    named = (tokens.note_of_message_id(uow.settings, value) for value in message_ids)
    return [note_uuid for note_uuid in named if note_uuid is not None]


def _party(uow: UnitOfWork, job: Job, mail: IncomingMail) -> _Party:
    """Who wrote the reply: a user who may add notes to the job, or its private contact."""
    user = users.by_email(uow, job.company_id, mail.sender_address)
    if user is not None and user.is_active and _may_add_notes(uow, users.principal_of(user), job):
        return _Party(user, user.display_name)
    contact = (job.private_contact_email or "").strip().lower()
    if contact and contact == mail.sender_address:
        name = (job.private_contact_name or "").strip() or mail.sender_name
        return _Party(None, name or mail.sender_address)
    raise UnknownSender("the sender is not a party to the job")


def _may_add_notes(uow: UnitOfWork, principal: Principal, job: Job) -> bool:
    reaches = jobs.find(uow, principal, job.id) is not None
    return reaches and permissions.CASE_NOTES in principal.permissions


def _note_body(words: str) -> str:
    """The reply's words as a note keeps them; a long reply is cut rather than lost."""
    try:
        return note_text.cleaned(words[: note_text.MAX_CHARACTERS])
    except Invalid as exc:
        raise EmptyReply("nothing is left once quoted history and signature are trimmed") from exc


def _stored(
    uow: UnitOfWork, job: Job, answered: CaseNote, party: _Party, body: str, message_id: str
) -> CaseNote | None:
    """The reply as a new note; None when a note with its Message-ID was stored meanwhile."""
    try:
        with uow.session.begin_nested():
            note = CaseNote(
                company_id=job.company_id,
                job_id=job.id,
                author_id=party.user.id if party.user is not None else None,
                send_email=False,
                email_message_id=message_id,
                parent_id=answered.id,
            )
            uow.session.add(note)
            note.body = body
            if party.user is None:
                note.author_name = party.name
            uow.session.flush()
    except IntegrityError:
        return None
    return note


def _already_threaded(uow: UnitOfWork, earlier: CaseNote, answered: CaseNote) -> ThreadedReply:
    if earlier.parent_id != answered.id:
        raise ReplyRefused("the message's Message-ID is already used by another case note")
    return ThreadedReply(notes.view(uow, earlier), already_threaded=True)
