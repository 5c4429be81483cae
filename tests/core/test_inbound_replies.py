"""Threading e-mailed replies as case notes: who may reply, to what, and what is kept."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.mail import inbound, threads, tokens
from jobshots.core.mail.refusals import (
    AutomaticMessage,
    EmptyReply,
    UnknownAddressee,
    UnknownSender,
)
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, CaseNote

DOMAIN = "replies.example.com"
CONTRACTOR = "dave@plumbing.example"
CONTACT = "paul@home.example"


@dataclass(frozen=True)
class Thread:
    """A job with a contractor and a private contact, and a note e-mailed to them."""

    job_id: int
    note_id: int
    note_uuid: uuid.UUID


@pytest.fixture
def mail_ctx(ctx: Context) -> Context:
    """The core context with a reply domain of its own."""
    ctx.settings = ctx.settings.model_copy(update={"mail_reply_domain": DOMAIN})
    return ctx


@pytest.fixture
def thread(mail_ctx: Context) -> Thread:
    with mail_ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Olive Owner")
        owner = users.acting_as(made.owner)
        contractor = users.create(
            uow, made.company, CONTRACTOR, role="contractor", first_name="Dave", last_name="Bloggs"
        )
        users.create(uow, made.company, "other@plumbing.example", role="contractor")
        users.create(uow, made.company, "viewer@acme.example", role="viewer")
        job = jobs.open_job(uow, owner, "Boiler service")
        job.contractor_id = contractor.id
        job.private_contact_name = "Paul Contact"
        job.private_contact_email = "Paul@Home.example"
        note = CaseNote(company_id=made.company.id, job_id=job.id, author_id=made.owner.id)
        uow.session.add(note)
        note.body = "Please confirm when the parts arrive."
        note.send_email = True
        uow.session.flush()
        note.email_message_id = tokens.message_id(uow.settings, note.uuid)
        return Thread(job.id, note.id, note.uuid)


def _reply(
    to: str,
    text: str = "Parts arrived, on site Thursday.\n\n> Please confirm when the parts arrive.\n",
    sender: str = CONTRACTOR,
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = "Re: Boiler service"
    mail["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@mail.example>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return bytes(mail)


def _address(ctx: Context, thread: Thread) -> str:
    return tokens.reply_address(ctx.settings, thread.note_uuid)


def _stored(ctx: Context) -> tuple[int, int]:
    with ctx.uow() as uow:
        notes = uow.session.scalar(select(func.count()).select_from(CaseNote))
        events = uow.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "case_note.received")
        )
    return int(notes or 0), int(events or 0)


def test_a_contractor_reply_becomes_a_note_under_the_one_it_answers(
    mail_ctx: Context, thread: Thread
) -> None:
    raw = _reply(_address(mail_ctx, thread), message_id="<reply-1@plumbing.example>")
    with mail_ctx.uow() as uow:
        threaded = inbound.receive(uow, raw)
    assert (threaded.note.in_reply_to, threaded.note.job_id) == (thread.note_uuid, thread.job_id)
    assert (threaded.note.author_name, threaded.already_threaded) == ("Dave Bloggs", False)
    with mail_ctx.uow() as uow:
        note = uow.session.scalars(
            select(CaseNote).where(CaseNote.uuid == threaded.note.uuid)
        ).one()
        contractor = users.by_email(uow, note.company_id, CONTRACTOR)
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_note.received")
        ).one()
        body, author_name = note.body, note.author_name
    assert contractor is not None
    assert (note.parent_id, note.job_id, note.author_id) == (
        thread.note_id,
        thread.job_id,
        contractor.id,
    )
    assert (body, author_name, note.send_email) == ("Parts arrived, on site Thursday.", None, False)
    assert note.email_message_id == "<reply-1@plumbing.example>"
    assert (event.job_id, event.actor_user_id, event.entity_uuid) == (
        thread.job_id,
        contractor.id,
        str(threaded.note.uuid),
    )
    assert event.data["in_reply_to"] == str(thread.note_uuid)
    assert event.data["matched_by"] == "reply_address"


def test_the_same_message_delivered_twice_is_threaded_once(
    mail_ctx: Context, thread: Thread
) -> None:
    raw = _reply(_address(mail_ctx, thread))
    with mail_ctx.uow() as uow:
        first = inbound.receive(uow, raw)
    before = _stored(mail_ctx)
    with mail_ctx.uow() as uow:
        again = inbound.receive(uow, raw)
    assert again.already_threaded
    assert again.note.uuid == first.note.uuid
    assert again.note.author_name == "Dave Bloggs"
    assert _stored(mail_ctx) == before


def test_the_private_contact_replies_by_in_reply_to_under_their_sealed_name(
    mail_ctx: Context, thread: Thread
) -> None:
    # Sent to some other address of ours, found by the Message-ID it answers.
    note_id = tokens.message_id(mail_ctx.settings, thread.note_uuid)
    raw = _reply(f"office@{DOMAIN}", sender="Paul C <PAUL@home.example>", In_Reply_To=note_id)
    with mail_ctx.uow() as uow:
        threaded = inbound.receive(uow, raw)
    with mail_ctx.uow() as uow:
        note = uow.session.get_one(CaseNote, threaded.note.id)
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_note.received")
        ).one()
        author_name = note.author_name
    assert (note.author_id, author_name, threaded.note.author_name) == (
        None,
        "Paul Contact",
        "Paul Contact",
    )
    assert note.author_name_enc is not None
    assert b"Paul" not in note.author_name_enc
    assert (event.actor_user_id, event.data["matched_by"]) == (None, "in_reply_to")
    assert event.data["author"] == "private_contact"


def test_the_last_reference_of_ours_names_the_note(mail_ctx: Context, thread: Thread) -> None:
    ours = tokens.message_id(mail_ctx.settings, thread.note_uuid)
    raw = _reply("someone@elsewhere.example", References=f"<a@x.example> {ours} <b@y.example>")
    with mail_ctx.uow() as uow:
        assert inbound.receive(uow, raw).note.in_reply_to == thread.note_uuid


def test_the_envelope_recipient_is_looked_at_first(mail_ctx: Context, thread: Thread) -> None:
    raw = _reply("undisclosed-recipients:;")
    with mail_ctx.uow() as uow:
        threaded = inbound.receive(uow, raw, [_address(mail_ctx, thread)])
    assert threaded.note.in_reply_to == thread.note_uuid


@pytest.mark.parametrize(
    "sender",
    [
        "stranger@elsewhere.example",
        # A contractor of the company, but not of this job.
        "other@plumbing.example",
        # Reaches every job, but may not add notes.
        "viewer@acme.example",
        "owner@elsewhere.example",
    ],
)
def test_a_reply_from_someone_not_party_to_the_job_is_refused_and_not_stored(
    mail_ctx: Context, thread: Thread, sender: str
) -> None:
    before = _stored(mail_ctx)
    with mail_ctx.uow() as uow, pytest.raises(UnknownSender) as refused:
        inbound.receive(uow, _reply(_address(mail_ctx, thread), sender=sender))
    assert "not a party" in refused.value.message
    assert _stored(mail_ctx) == before


def test_a_deactivated_user_may_not_reply(mail_ctx: Context, thread: Thread) -> None:
    with mail_ctx.uow() as uow:
        note = uow.session.get_one(CaseNote, thread.note_id)
        contractor = users.by_email(uow, note.company_id, CONTRACTOR)
        assert contractor is not None
        contractor.is_active = False
    with mail_ctx.uow() as uow, pytest.raises(UnknownSender):
        inbound.receive(uow, _reply(_address(mail_ctx, thread)))


def test_a_tampered_reply_address_is_refused_even_with_a_good_in_reply_to(
    mail_ctx: Context, thread: Thread
) -> None:
    address = _address(mail_ctx, thread)
    local, _, domain = address.partition("@")
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b")
    ours = tokens.message_id(mail_ctx.settings, thread.note_uuid)
    before = _stored(mail_ctx)
    with mail_ctx.uow() as uow, pytest.raises(UnknownAddressee) as refused:
        inbound.receive(uow, _reply(f"{flipped}@{domain}", In_Reply_To=ours))
    assert "forged" in refused.value.message
    assert _stored(mail_ctx) == before


def test_an_expired_reply_address_is_refused(mail_ctx: Context, thread: Thread) -> None:
    long_ago = time.time() - (mail_ctx.settings.reply_token_ttl_days + 1) * 86_400
    expired = tokens.reply_address(mail_ctx.settings, thread.note_uuid, now=long_ago)
    with mail_ctx.uow() as uow, pytest.raises(UnknownAddressee) as refused:
        inbound.receive(uow, _reply(expired))
    assert "expired" in refused.value.message


def test_a_message_to_none_of_our_notes_is_refused(mail_ctx: Context, thread: Thread) -> None:
    with mail_ctx.uow() as uow, pytest.raises(UnknownAddressee) as refused:
        inbound.receive(uow, _reply("office@acme.example", In_Reply_To="<x@mail.example>"))
    assert "not a reply" in refused.value.message


def test_a_reply_to_a_note_deleted_since_is_refused(mail_ctx: Context, thread: Thread) -> None:
    raw = _reply(_address(mail_ctx, thread))
    with mail_ctx.uow() as uow:
        uow.session.delete(uow.session.get_one(CaseNote, thread.note_id))
    with mail_ctx.uow() as uow, pytest.raises(UnknownAddressee) as refused:
        inbound.receive(uow, raw)
    assert "no longer exists" in refused.value.message


def test_a_reply_with_nothing_but_the_quote_is_refused(mail_ctx: Context, thread: Thread) -> None:
    text = "\nOn Tue, 3 Dec 2024 at 09:12, Jobshots wrote:\n> Please confirm.\n-- \nDave\n"
    before = _stored(mail_ctx)
    with mail_ctx.uow() as uow, pytest.raises(EmptyReply):
        inbound.receive(uow, _reply(_address(mail_ctx, thread), text=text))
    assert _stored(mail_ctx) == before


def test_an_out_of_office_from_a_party_is_refused(mail_ctx: Context, thread: Thread) -> None:
    raw = _reply(_address(mail_ctx, thread), Auto_Submitted="auto-replied")
    with mail_ctx.uow() as uow, pytest.raises(AutomaticMessage):
        inbound.receive(uow, raw)
    assert _stored(mail_ctx) == (1, 0)


def test_markup_in_a_reply_is_cleaned_like_any_note(mail_ctx: Context, thread: Thread) -> None:
    raw = _reply(_address(mail_ctx, thread), text="Done <script>alert(1)</script><b>today</b>")
    with mail_ctx.uow() as uow:
        threaded = inbound.receive(uow, raw)
    with mail_ctx.uow() as uow:
        assert uow.session.get_one(CaseNote, threaded.note.id).body == "Done <b>today</b>"


def test_a_second_delivery_racing_the_first_is_answered_with_the_first_note(
    mail_ctx: Context, thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _reply(_address(mail_ctx, thread), message_id="<race@plumbing.example>")
    with mail_ctx.uow() as uow:
        first = inbound.receive(uow, raw)
    before = _stored(mail_ctx)
    looked_up = threads.note_by_message_id
    calls: list[str] = []

    def not_yet_committed(session: Session, message_id: str) -> CaseNote | None:
        # The first look finds nothing, as when the other delivery had not committed yet.
        calls.append(message_id)
        return None if len(calls) == 1 else looked_up(session, message_id)

    monkeypatch.setattr(threads, "note_by_message_id", not_yet_committed)
    with mail_ctx.uow() as uow:
        again = inbound.receive(uow, raw)
    assert len(calls) == 2
    assert again.already_threaded
    assert again.note.uuid == first.note.uuid
    assert _stored(mail_ctx) == before
