"""Sending a queued note: one attempt per run, the wait between attempts honoured, the
last failure recorded, the SMTP transport itself, and the sweep finding notes left queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.mail import delivery, outbound
from jobshots.core.mail.mailer import MailNotSent
from jobshots.core.notes import service as notes
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, CaseNote, Job
from jobshots.db.types import utcnow
from jobshots.mailer.smtp import SmtpMailer, SmtpServer
from jobshots.media.pipeline import DecodeJob, DecodeResult
from jobshots.tasks import registry
from tests.support.smtp import closed_smtp_url, smtp_server

CONTACT = "tess@example.org"


@dataclass
class ScriptedMailer:
    """A transport that fails as often as told, then takes every message."""

    failures: int = 0
    sent: list[tuple[EmailMessage, str, tuple[str, ...]]] = field(default_factory=list)
    tries: int = 0

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> list[str]:
        self.tries += 1
        if self.tries <= self.failures:
            raise MailNotSent(f"451 mailbox {recipients[0]} busy, try later")
        self.sent.append((message, sender, tuple(recipients)))
        return []


@pytest.fixture
def mailing(ctx: Context) -> Context:
    """The context with three attempts an hour apart: no retry falls due by itself."""
    ctx.settings = ctx.settings.model_copy(
        update={"mail_attempts": 3, "mail_retry_seconds": 3600, "mail_reply_domain": "r.example"}
    )
    return ctx


def _queued_note(ctx: Context) -> tuple[Principal, int]:
    """A note, meant for e-mail, on a job with a contractor and a private contact."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Mailing Ltd", "owner@mailing.example")
        contractor = users.create(
            uow, made.company, "carl@mailing.example", role="contractor", first_name="Carl"
        )
        principal = users.acting_as(made.owner)
        job_uuid = jobs.create(uow, principal, "Leaking roof").uuid
        job = uow.session.scalars(select(Job).where(Job.uuid == job_uuid)).one()
        job.contractor_id = contractor.id
        job.private_contact_email = CONTACT
        note = notes.create(uow, principal, job.id, "Roofer booked", send_email=True)
    return principal, note.id


def _no_decoding(job: DecodeJob) -> DecodeResult:
    raise AssertionError("sending a note decodes no media")


def _note(ctx: Context, note_id: int) -> CaseNote:
    with ctx.uow() as uow:
        note = uow.session.get_one(CaseNote, note_id)
        uow.session.expunge(note)
    return note


def _make_due(ctx: Context, note_id: int) -> None:
    """Move the last attempt back past any wait, as time passing would."""
    with ctx.uow() as uow:
        uow.session.execute(
            update(CaseNote)
            .where(CaseNote.id == note_id)
            .values(updated_at=utcnow() - timedelta(days=1))
        )


def _actions(ctx: Context, note_id: int) -> list[str]:
    with ctx.uow() as uow:
        note_uuid = str(uow.session.get_one(CaseNote, note_id).uuid)
        query = select(AuditEvent.action).where(AuditEvent.entity_uuid == note_uuid)
        return list(uow.session.scalars(query.order_by(AuditEvent.id)))


def test_a_failed_attempt_waits_its_turn_then_the_next_one_sends(mailing: Context) -> None:
    _, note_id = _queued_note(mailing)
    mailing.mailer = mailer = ScriptedMailer(failures=1)

    first = delivery.deliver(mailing, note_id)
    early = delivery.deliver(mailing, note_id)
    assert first == delivery.Outcome("queued", next_attempt=2, retry_in=3600)
    assert early.state == "queued"
    assert early.next_attempt == 2
    assert early.retry_in is not None
    assert 0 < early.retry_in <= 3600
    assert mailer.tries == 1
    failed_once = _note(mailing, note_id)
    assert failed_once.email_attempts == 1
    # The recipient's address is not kept in the reason: a private contact's is sealed.
    assert failed_once.email_error == "451 mailbox <recipient> busy, try later"

    _make_due(mailing, note_id)
    # A task for the attempt already made (a duplicate, or one the sweep raced) does nothing.
    assert delivery.deliver(mailing, note_id, attempt=1).state == "attempt 1 already made"
    assert mailer.tries == 1
    assert delivery.deliver(mailing, note_id, attempt=2) == delivery.Outcome("sent")
    [(message, sender, recipients)] = mailer.sent
    assert sorted(recipients) == ["carl@mailing.example", CONTACT]
    assert sender == "jobshots@localhost"
    sent = _note(mailing, note_id)
    assert sent.email_state == "sent"
    assert sent.email_attempts == 2
    assert sent.email_error is None
    assert sent.email_message_id == message["Message-ID"] == f"<note.{sent.uuid.hex}@r.example>"
    assert delivery.deliver(mailing, note_id) == delivery.Outcome("sent")
    assert mailer.tries == 2
    assert _actions(mailing, note_id) == ["case_note.created", "case_note.emailed"]


def test_the_waits_double(mailing: Context) -> None:
    assert [delivery.backoff(mailing.settings, n) for n in (1, 2, 3, 4)] == [
        3600,
        7200,
        14400,
        28800,
    ]


def test_after_the_last_attempt_the_note_fails_with_the_reason_and_is_kept(
    mailing: Context,
) -> None:
    _, note_id = _queued_note(mailing)
    mailing.mailer = ScriptedMailer(failures=10)
    outcomes = []
    for _ in range(3):
        _make_due(mailing, note_id)
        outcomes.append(delivery.deliver(mailing, note_id).state)
    assert outcomes == ["queued", "queued", "failed"]
    failed = _note(mailing, note_id)
    assert failed.email_state == "failed"
    assert failed.email_attempts == 3
    assert failed.email_error == "451 mailbox <recipient> busy, try later"
    assert _actions(mailing, note_id) == ["case_note.created", "case_note.email_failed"]
    _make_due(mailing, note_id)
    assert delivery.deliver(mailing, note_id) == delivery.Outcome("failed")


class BrokenMailer:
    """A transport with a bug of its own."""

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> list[str]:
        raise RuntimeError(f"cannot encode {recipients[-1]}")


def test_a_transport_that_crashes_still_uses_up_an_attempt(mailing: Context) -> None:
    _, note_id = _queued_note(mailing)
    mailing.mailer = BrokenMailer()
    assert delivery.deliver(mailing, note_id).state == "queued"
    broken = _note(mailing, note_id)
    assert broken.email_attempts == 1
    assert broken.email_error == "RuntimeError: cannot encode <recipient>"


def test_without_a_mailer_the_note_is_skipped(mailing: Context) -> None:
    _, note_id = _queued_note(mailing)
    mailing.mailer = None
    assert delivery.deliver(mailing, note_id) == delivery.Outcome("skipped")
    skipped = _note(mailing, note_id)
    assert (skipped.email_state, skipped.email_error) == ("skipped", delivery.NO_SMTP)


def test_the_sweep_finds_notes_left_queued_once_their_grace_is_over(mailing: Context) -> None:
    _, note_id = _queued_note(mailing)
    first = outbound.task_for(note_id, attempt=1)
    assert first in registry.waiting(mailing, everything=True)
    assert first not in registry.waiting(mailing, everything=False)
    mailing.mailer = ScriptedMailer(failures=1)
    assert delivery.deliver(mailing, note_id, attempt=1).state == "queued"
    # A crash now loses the wait before the second attempt; the sweep finds that attempt.
    _make_due(mailing, note_id)
    second = outbound.task_for(note_id, attempt=2)
    found = registry.waiting(mailing, everything=False)
    assert second in found
    assert first not in found
    handler = registry.handlers(mailing, _no_decoding)[second.name]
    assert handler(second.payload) == "sent"
    assert [t for t in registry.waiting(mailing, everything=True) if t.name == second.name] == []


def test_the_smtp_transport_logs_in_with_the_urls_decoded_password() -> None:
    message = EmailMessage()
    message["Subject"] = "Hello"
    message["From"] = "jobs@example.test"
    message["To"] = outbound.UNDISCLOSED
    message.set_content("Body")
    with smtp_server(login=("mailer", "p@ss:word")) as smtp:
        url = f"smtp://mailer:{quote('p@ss:word', safe='')}@{smtp.host}:{smtp.port}"
        refused = SmtpMailer(url).send(message, "jobs@example.test", ["a@example.org"])
        [received] = smtp.messages
    assert refused == []
    assert received.recipients == ("a@example.org",)
    assert received.mail_from == "jobs@example.test"


def _hello() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Hello"
    message["From"] = "jobs@example.test"
    message.set_content("Body")
    return message


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_the_smtp_transport_speaks_tls_and_checks_the_certificate(
    tls: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(tls=tls) as smtp:
        with pytest.raises(MailNotSent) as untrusted:
            SmtpMailer(smtp.url).send(_hello(), "jobs@example.test", ["a@example.org"])
        assert smtp.ca_file is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(smtp.ca_file))
        refused = SmtpMailer(smtp.url).send(_hello(), "jobs@example.test", ["a@example.org"])
        [received] = smtp.messages
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.value.reason
    assert refused == []
    assert received.recipients == ("a@example.org",)


def test_a_server_that_requires_starttls_refuses_plain_smtp_with_its_reason() -> None:
    with smtp_server(tls="starttls") as smtp:
        plain = f"smtp://{smtp.host}:{smtp.port}"
        with pytest.raises(MailNotSent) as refusal:
            SmtpMailer(plain).send(_hello(), "jobs@example.test", ["a@example.org"])
    assert refusal.value.reason.startswith(f"{plain} answered 530")


def test_an_smtp_server_that_is_down_is_a_reason_not_a_crash() -> None:
    with pytest.raises(MailNotSent) as refusal:
        SmtpMailer(closed_smtp_url()).send(EmailMessage(), "a@example.test", ["b@example.org"])
    assert refusal.value.reason.startswith("could not send through smtp://127.0.0.1:")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", SmtpServer("smtp", "mail.example", 25)),
        ("smtp+starttls://u%40x:p%2Fw@mail.example", SmtpServer(
            "smtp+starttls", "mail.example", 587, "u@x", "p/w")),
        ("smtps://mail.example:2465", SmtpServer("smtps", "mail.example", 2465)),
    ],
)  # fmt: skip
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == expected
    assert "p/w" not in str(SmtpServer.from_url(url))
