"""The case-note e-mail round trip, for real: a note is sent to an SMTP server, and replies built
from the message it received come back through `jobshots mail receive` and the HTTP endpoint."""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from sqlalchemy import func, select

from jobshots.db.models import AuditEvent, CaseNote, User
from tests.support.maintenance import bearer, write_headers
from tests.support.smtp import Received, SmtpServer, smtp_server
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

NOTES = "/api/jobs/case-notes"
INBOUND = "/api/inbound/email"
SECRET = "inbound-" + uuid.uuid4().hex
REPLY_DOMAIN = "replies.example.com"
CONTACT = ("Paula Contact", "paula@home.example")
EX_DATAERR, EX_NOUSER, EX_NOPERM = 65, 67, 77


@dataclass
class MailStack:
    """A server that sends through a real SMTP server and takes replies back."""

    stack: Stack
    smtp: SmtpServer


@dataclass
class Sent:
    """A note e-mailed to its job's parties, and the message the SMTP server received."""

    owner: Tenant
    contractor: Tenant
    job_uuid: str
    note_uuid: str
    received: Received


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mail_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailStack]:
    tmp = tmp_path_factory.mktemp(f"mail-{request.param}")
    with smtp_server() as smtp:
        env = {
            "JOBSHOTS_SMTP_URL": smtp.url,
            "JOBSHOTS_INBOUND_SECRET": SECRET,
            "JOBSHOTS_MAIL_REPLY_DOMAIN": REPLY_DOMAIN,
            "JOBSHOTS_MAIL_FROM": "Acme Repairs <jobs@acme.example>",
        }
        with running_stack(request.param, "local", tmp, None, env) as stack:
            yield MailStack(stack, smtp)


def _user_id(stack: Stack, person: Tenant) -> int:
    [found] = stack.scalars(select(User.id).where(User.email == person.owner_email))
    return int(found)


@pytest.fixture
def sent(mail_stack: MailStack) -> Sent:
    """A fresh company whose owner writes a note with send_email on a job with a contractor and
    a private contact; the message that reached the SMTP server."""
    stack, smtp = mail_stack.stack, mail_stack.smtp
    smtp.clear()
    owner = stack.new_tenant("Acme Repairs")
    contractor = stack.new_colleague(owner, "contractor")
    job = stack.new_job(owner, "Boiler service")
    with stack.client() as client:
        parties = client.post(
            "/api/jobs/manage", headers=write_headers(client, owner),
            json={"action": "update", "uuid": job,
                  "contractor_id": _user_id(stack, contractor),
                  "private_contact_name": CONTACT[0], "private_contact_email": CONTACT[1]},
        )  # fmt: skip
        assert parties.status_code == 200, parties.text
        made = client.post(
            NOTES, headers=write_headers(client, owner),
            json={"job_uuid": job, "note_text": "Please confirm when the parts arrive.",
                  "send_email": True},
        )  # fmt: skip
    assert made.status_code == 200, made.text
    [received] = smtp.wait_for(1)
    assert sorted(received.recipients) == sorted([contractor.owner_email, CONTACT[1]])
    return Sent(owner, contractor, job, made.json()["data"]["uuid"], received)


def _reply(sent: Sent, sender: str, words: str, *, to: str | None = None, **headers: str) -> str:
    """A reply as a mail client writes one: to the Reply-To, answering the Message-ID, with the
    original quoted below an attribution line, and a signature."""
    original = sent.received.message
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to or str(original["Reply-To"])
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply["Message-ID"] = make_msgid(domain="mail.example")
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = str(original["Message-ID"])
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    quoted = "\n".join(f"> {line}" for line in sent.received.text().splitlines())
    reply.set_content(
        f"{words}\n\n-- \nSent by a person\n\n"
        f"On {original['Date']}, {original['From']} wrote:\n\n{quoted}\n"
    )
    return reply.as_string()


def _received_by_cli(stack: Stack, message: str) -> tuple[int, str, str]:
    done = stack.server.cli("mail", "receive", check=False, stdin=message)
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def _posted(stack: Stack, message: str, secret: str | None = SECRET) -> Any:
    headers = {"Content-Type": "message/rfc822"}
    if secret is not None:
        headers["X-Inbound-Secret"] = secret
    with stack.client() as client:
        return client.post(INBOUND, content=message.encode(), headers=headers)


def _listed(stack: Stack, sent: Sent) -> dict[str, dict[str, Any]]:
    with stack.client() as client:
        answer = client.get(
            NOTES, params={"action": "list", "job_uuid": sent.job_uuid}, headers=bearer(sent.owner)
        )
    assert answer.status_code == 200, answer.text
    return {note["uuid"]: note for note in answer.json()["data"]}


def _stored(stack: Stack) -> tuple[int, int]:
    [notes] = stack.scalars(select(func.count()).select_from(CaseNote))
    [events] = stack.scalars(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "case_note.received")
    )
    return int(notes), int(events)


def test_replies_through_the_pipe_and_the_endpoint_are_threaded_under_the_note(
    mail_stack: MailStack, sent: Sent
) -> None:
    stack = mail_stack.stack
    message = sent.received.message
    assert str(message["Reply-To"]).startswith("notes+")
    assert str(message["Reply-To"]).endswith(f"@{REPLY_DOMAIN}")

    by_pipe = _reply(sent, sent.contractor.owner_email, "Parts arrived, on site Thursday at 9.")
    status, printed, _ = _received_by_cli(stack, by_pipe)
    assert status == 0
    piped_uuid = str(uuid.UUID(printed))

    by_post = _reply(sent, f"Paula <{CONTACT[1].upper()}>", "Thursday suits, I'm in from 8.")
    answer = _posted(stack, by_post)
    assert answer.status_code == 200, answer.text
    posted = answer.json()
    assert (posted["success"], posted["already_threaded"]) == (True, False)
    assert posted["data"]["in_reply_to"] == sent.note_uuid
    assert posted["data"]["job_uuid"] == sent.job_uuid

    notes = _listed(stack, sent)
    piped, by_contact = notes[piped_uuid], notes[posted["data"]["uuid"]]
    assert piped["in_reply_to"] == by_contact["in_reply_to"] == sent.note_uuid
    assert notes[sent.note_uuid]["in_reply_to"] is None
    assert piped["note_text"] == "Parts arrived, on site Thursday at 9."
    assert by_contact["note_text"] == "Thursday suits, I'm in from 8."
    assert by_contact["created_by_name"] == CONTACT[0]
    assert piped["created_by_name"] == sent.contractor.owner_email
    assert piped["send_email"] is by_contact["send_email"] is False
    # Each reply is in the job's audit trail, with the reply's author as the actor.
    [(actor, job_id)] = stack.rows(
        select(AuditEvent.actor_user_id, AuditEvent.job_id).where(
            AuditEvent.entity_uuid == piped_uuid, AuditEvent.action == "case_note.received"
        )
    )
    assert actor == _user_id(stack, sent.contractor)
    assert job_id is not None


def test_the_same_reply_delivered_twice_is_threaded_once(mail_stack: MailStack, sent: Sent) -> None:
    stack = mail_stack.stack
    reply = _reply(sent, sent.contractor.owner_email, "Done.")
    status, first, _ = _received_by_cli(stack, reply)
    assert status == 0
    before = _stored(stack)
    again = _posted(stack, reply)
    assert again.status_code == 200, again.text
    assert again.json()["already_threaded"] is True
    assert again.json()["data"]["uuid"] == first
    status, second, said = _received_by_cli(stack, reply)
    assert (status, second) == (0, first)
    assert "already threaded" in said
    assert _stored(stack) == before


def test_a_stranger_and_a_tampered_reply_address_are_refused_and_stored_nowhere(
    mail_stack: MailStack, sent: Sent
) -> None:
    stack = mail_stack.stack
    before = _stored(stack)
    stranger = _reply(sent, "someone@elsewhere.example", "Let me in.")
    status, printed, said = _received_by_cli(stack, stranger)
    assert (status, printed) == (EX_NOPERM, "")
    assert "not a party" in said
    refused = _posted(stack, stranger)
    assert refused.status_code == 422
    assert refused.json() == {"success": False, "error": "the sender is not a party to the job"}

    local, _, domain = str(sent.received.message["Reply-To"]).partition("@")
    tampered_local = local[:-1] + ("a" if local[-1] != "a" else "b")
    tampered = _reply(sent, sent.contractor.owner_email, "Hi", to=f"{tampered_local}@{domain}")
    status, printed, said = _received_by_cli(stack, tampered)
    assert (status, printed) == (EX_NOUSER, "")
    assert "forged" in said
    answer = _posted(stack, tampered)
    assert answer.status_code == 422
    assert "forged" in answer.json()["error"]

    assert _stored(stack) == before
    assert set(_listed(stack, sent)) == {sent.note_uuid}


def test_an_out_of_office_is_refused_by_the_pipe_and_by_the_endpoint(
    mail_stack: MailStack, sent: Sent
) -> None:
    stack = mail_stack.stack
    before = _stored(stack)
    away = _reply(sent, sent.contractor.owner_email, "I am away.", Auto_Submitted="auto-replied")
    status, printed, said = _received_by_cli(stack, away)
    assert (status, printed) == (65, "")
    assert said.startswith("refused: not written by a person")
    answer = _posted(stack, away)
    assert answer.status_code == 422
    assert "Auto-Submitted" in answer.json()["error"]
    assert _stored(stack) == before


def test_the_envelope_recipient_the_mta_passes_is_looked_at_first(
    mail_stack: MailStack, sent: Sent
) -> None:
    stack = mail_stack.stack
    reply = _reply(sent, sent.contractor.owner_email, "Done.", to="undisclosed-recipients:;")
    # Without In-Reply-To and References, only the reply address can name the note.
    ours = str(sent.received.message["Message-ID"])
    bare = "".join(line for line in reply.splitlines(keepends=True) if ours not in line)
    assert "In-Reply-To" not in bare
    status, _, said = _received_by_cli(stack, bare)
    assert status == EX_NOUSER
    assert "not a reply" in said
    reply_to = str(sent.received.message["Reply-To"])
    done = stack.server.cli("mail", "receive", "--recipient", reply_to, check=False, stdin=bare)
    assert done.returncode == 0, done.stderr
    assert _listed(stack, sent)[done.stdout.strip()]["in_reply_to"] == sent.note_uuid


def test_an_unreadable_message_is_refused(mail_stack: MailStack) -> None:
    stack = mail_stack.stack
    before = _stored(stack)
    for message in ("", "no headers at all, only words\n", "To: someone@example.com\n\nhi\n"):
        status, printed, said = _received_by_cli(stack, message)
        assert (status, printed) == (EX_DATAERR, ""), said
        assert said.startswith("refused: ")
        answer = _posted(stack, message)
        assert answer.status_code == 422, answer.text
        assert answer.json()["success"] is False
    assert _stored(stack) == before


def test_the_endpoint_needs_the_shared_secret(mail_stack: MailStack, sent: Sent) -> None:
    stack = mail_stack.stack
    before = _stored(stack)
    reply = _reply(sent, sent.contractor.owner_email, "Done.")
    for secret in (None, "wrong", SECRET + "x", ""):
        refused = _posted(stack, reply, secret=secret)
        assert refused.status_code == 403, (secret, refused.text)
        assert refused.json()["success"] is False
    assert _stored(stack) == before


def test_a_message_over_the_limit_is_refused_before_it_is_read(mail_stack: MailStack) -> None:
    host, port = mail_stack.stack.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", INBOUND)
        connection.putheader("X-Inbound-Secret", SECRET)
        connection.putheader("Content-Type", "message/rfc822")
        connection.putheader("Content-Length", str(50 * 1024 * 1024))
        connection.endheaders()
        answer = connection.getresponse()
        assert answer.status == 413
    finally:
        connection.close()


def test_without_a_configured_secret_the_endpoint_is_absent(single_stack: Stack) -> None:
    with single_stack.client() as client:
        answer = client.post(
            INBOUND, content=b"From: a@b.example\r\n\r\nhi", headers={"X-Inbound-Secret": ""}
        )
        missing = client.post("/api/inbound/nothing-here", content=b"x")
    assert answer.status_code == 404
    assert answer.json() == missing.json() == {"success": False, "error": "not found"}
