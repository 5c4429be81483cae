"""`/api/jobs/case-notes` of the maintenance API, and case notes e-mailed to a real SMTP server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from jobshots.config import Settings
from jobshots.core.mail import tokens
from jobshots.db.models import AuditEvent, CaseNote, Document, User
from tests.support import images
from tests.support.maintenance import bearer as _read
from tests.support.maintenance import write_headers as _headers
from tests.support.s3server import free_port
from tests.support.smtp import SmtpServer, closed_smtp_url, smtp_server
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

NOTES = "/api/jobs/case-notes"
ATTACHMENTS = "/api/jobs/case-note-attachments"
PERMISSION = "api.jobs.case_notes.manage"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REPLY_DOMAIN = "replies.example.test"
MAIL_FROM = "Acme Jobs <jobs@example.test>"
BACKENDS = ["sqlite", "postgresql"]


def _mail_env(smtp_url: str | None) -> dict[str, str]:
    env = {
        "JOBSHOTS_MAIL_FROM": MAIL_FROM,
        "JOBSHOTS_MAIL_REPLY_DOMAIN": REPLY_DOMAIN,
        "JOBSHOTS_MAIL_RETRY_SECONDS": "0.1",
        "JOBSHOTS_MAIL_ATTEMPTS": "3",
    }
    if smtp_url is not None:
        env["JOBSHOTS_SMTP_URL"] = smtp_url
    return env


@dataclass
class Mailed:
    """A server whose notes go to a real SMTP server the test reads."""

    stack: Stack
    smtp: SmtpServer


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """The SMTP server notes are sent to."""
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module", params=BACKENDS)
def mailed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[Mailed]:
    """A server on each database, e-mailing through `smtp`."""
    tmp = tmp_path_factory.mktemp(f"{request.param}-mailed")
    with running_stack(request.param, "local", tmp, None, _mail_env(smtp.url)) as stack:
        yield Mailed(stack, smtp)


def _stack_with(request: pytest.FixtureRequest, tmp: Path, url: str | None) -> Iterator[Stack]:
    with running_stack(request.param, "local", tmp, None, _mail_env(url)) as stack:
        yield stack


@pytest.fixture(scope="module", params=BACKENDS)
def mail_down(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server whose SMTP server is down (nothing listens on its port)."""
    tmp = tmp_path_factory.mktemp(f"{request.param}-down")
    yield from _stack_with(request, tmp, closed_smtp_url())


@pytest.fixture(scope="module", params=BACKENDS)
def no_mail(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server with no SMTP server configured."""
    tmp = tmp_path_factory.mktemp(f"{request.param}-unconfigured")
    yield from _stack_with(request, tmp, None)


@dataclass
class Crew:
    """A company's owner, and a contractor and an agent who work on its jobs."""

    owner: Tenant
    contractor: Tenant
    agent: Tenant
    contractor_id: int
    agent_id: int


@dataclass
class Office:
    """One of the crew's jobs, with its contractor, its agent and a private contact."""

    owner: Tenant
    contractor: Tenant
    agent: Tenant
    job_id: int
    job_uuid: str
    contact_email: str


def _person(stack: Stack, owner: Tenant, role: str, name: str) -> Tenant:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    company = str(owner.company_id)
    stack.server.cli(
        "user", "create", "--company", company, "--email", email, "--role", role, "--name", name
    )
    key = stack.server.cli_json("apikey", "create", "--company", company, "--email", email)
    return Tenant(owner.company_id, owner.company_uuid, key["api_key"], email)


def _user_id(stack: Stack, person: Tenant) -> int:
    query = select(User.id).where(
        User.email == person.owner_email, User.company_id == person.company_id
    )
    [found] = stack.scalars(query)
    return int(found)


def _crew(stack: Stack, name: str) -> Crew:
    owner = stack.new_tenant(name)
    contractor = _person(stack, owner, "contractor", "Carl Contractor")
    agent = _person(stack, owner, "agent", "Agnes Agent")
    return Crew(owner, contractor, agent, _user_id(stack, contractor), _user_id(stack, agent))


def _office(stack: Stack, crew: Crew, title: str = "Leaking roof") -> Office:
    """A new job of the crew's company, given to its contractor and agent."""
    job_id, job_uuid = stack.new_job_ids(crew.owner, title)
    contact_email = f"tenant-{uuid.uuid4().hex[:6]}@example.org"
    with stack.client() as client:
        assigned = client.post(
            "/api/jobs/manage",
            headers=_headers(client, crew.owner),
            json={
                "action": "update",
                "uuid": job_uuid,
                "contractor_id": crew.contractor_id,
                "agent_id": crew.agent_id,
                "private_contact_name": "Tess Tenant",
                "private_contact_email": contact_email,
            },
        )
    assert assigned.status_code == 200, assigned.text
    return Office(crew.owner, crew.contractor, crew.agent, job_id, job_uuid, contact_email)


@pytest.fixture(scope="module")
def crew(mailed: Mailed) -> Crew:
    """The people of one company, shared by the module's tests on one server."""
    return _crew(mailed.stack, "Notes Ltd")


def _write(client: httpx.Client, who: Tenant, **body: Any) -> httpx.Response:
    return client.post(NOTES, headers=_headers(client, who), json=body)


def _list(client: httpx.Client, who: Tenant, **params: Any) -> httpx.Response:
    return client.get(NOTES, headers=_read(who), params={"action": "list", **params})


def _notes(client: httpx.Client, who: Tenant, job_uuid: str) -> list[dict[str, Any]]:
    answer = _list(client, who, job_uuid=job_uuid)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def _note_rows(stack: Stack) -> int:
    [count] = stack.scalars(select(func.count()).select_from(CaseNote))
    return int(count)


def _events(stack: Stack, note_uuid: str) -> list[tuple[str, int | None, dict[str, Any]]]:
    query = (
        select(AuditEvent.action, AuditEvent.job_id, AuditEvent.data)
        .where(AuditEvent.entity_uuid == note_uuid)
        .order_by(AuditEvent.id)
    )
    return [(str(a), j, dict(d)) for a, j, d in stack.rows(query)]


def _settled(
    client: httpx.Client, who: Tenant, job_uuid: str, note_uuid: str, timeout: float = 60
) -> dict[str, Any]:
    """The note once its e-mail is no longer queued (polled, never timed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [note] = [n for n in _notes(client, who, job_uuid) if n["uuid"] == note_uuid]
        if note["email_state"] != "queued":
            return note
        time.sleep(0.1)
    raise AssertionError(f"note {note_uuid} was still queued")


# --- writing, reading, changing and deleting notes -------------------------------------------


def test_a_note_is_written_listed_changed_and_deleted(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        made = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Roofer booked")
        note = made.json()["data"]
        listed = _list(client, office.owner, job_uuid=office.job_uuid)
        by_id = _list(client, office.owner, job_id=office.job_id)
        changed = client.post(
            NOTES,
            headers=_headers(client, office.owner),
            data={"action": "update", "note_uuid": note["uuid"], "is_pinned": "1",
                  "note_text": "Roofer booked for Tuesday"},
        )  # fmt: skip
        unpinned = _write(client, office.owner, action="update", uuid=note["uuid"], is_pinned=False)
        deleted = _write(client, office.owner, action="delete", uuid=note["uuid"])
        after = _list(client, office.owner, job_uuid=office.job_uuid)
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["success"] is True
    assert body["note_id"] == note["ID"]
    assert isinstance(body["note_id"], int)
    assert note["job_id"] == office.job_id
    assert note["job_uuid"] == office.job_uuid
    assert note["note_text"] == "Roofer booked"
    assert note["created_by_name"] == "Olive Owner"
    assert note["send_email"] is False
    assert note["email_state"] is None
    assert note["is_pinned"] is False
    assert note["attachments_count"] == 0
    assert note["in_reply_to"] is None
    assert note["created_at"].endswith("Z")
    assert listed.json()["data"] == [note]
    assert (listed.json()["count"], listed.json()["total"]) == (1, 1)
    assert by_id.json()["data"] == [note]
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["note_text"] == "Roofer booked for Tuesday"
    assert changed.json()["data"]["is_pinned"] is True
    assert unpinned.json()["data"]["is_pinned"] is False
    assert unpinned.json()["data"]["note_text"] == "Roofer booked for Tuesday"
    assert deleted.status_code == 200, deleted.text
    assert after.json()["data"] == []
    assert after.json()["total"] == 0
    events = _events(stack, note["uuid"])
    assert [action for action, _, _ in events] == [
        "case_note.created", "case_note.updated", "case_note.updated", "case_note.deleted"
    ]  # fmt: skip
    assert {job_id for _, job_id, _ in events} == {office.job_id}
    assert events[1][2]["changes"] == [
        {"field": "note_text", "sealed": True},
        {"field": "is_pinned", "before": False, "after": True},
    ]
    assert "Roofer" not in repr(events)


def test_the_note_text_is_sealed_at_rest(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        made = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Key safe 4711")
    assert made.status_code == 200, made.text
    [stored] = stack.scalars(
        select(CaseNote.body_enc).where(CaseNote.uuid == uuid.UUID(made.json()["data"]["uuid"]))
    )
    assert b"4711" not in bytes(stored)


def test_pinned_notes_come_first_then_the_newest(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        made = [
            _write(client, office.owner, job_uuid=office.job_uuid, note_text=f"note {n}")
            for n in range(3)
        ]
        first = made[0].json()["data"]["uuid"]
        _write(client, office.owner, action="update", uuid=first, is_pinned=True)
        found = _notes(client, office.owner, office.job_uuid)
        paged = _list(client, office.owner, job_uuid=office.job_uuid, limit=1, offset=1)
    assert [n["note_text"] for n in found] == ["note 0", "note 2", "note 1"]
    assert [n["note_text"] for n in paged.json()["data"]] == ["note 2"]
    assert (paged.json()["count"], paged.json()["total"]) == (1, 3)


def test_html_is_sanitised_and_plain_text_is_kept_as_sent(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    plain = 'Pressure < 1 bar & "falling"\nCall back > 5pm'
    with stack.client() as client:
        rich = _write(
            client, office.owner, job_uuid=office.job_uuid,
            note_text='<p style="color:red" onclick="x()">Fixed <b>valve</b></p>'
            '<script>alert(1)</script><img src="https://t.example/p.gif" onerror="alert(2)">'
            '<a href="javascript:alert(3)">bad</a><a href="https://example.com/q">quote</a>',
        )  # fmt: skip
        # URL-encoded, as a plain HTML form posts it.
        kept = client.post(
            NOTES,
            headers=_headers(client, office.owner),
            data={"job_uuid": office.job_uuid, "note_text": plain, "send_email": "0"},
        )
    assert rich.status_code == 200, rich.text
    assert rich.json()["data"]["note_text"] == (
        '<p>Fixed <b>valve</b></p><a rel="noopener noreferrer">bad</a>'
        '<a href="https://example.com/q" rel="noopener noreferrer">quote</a>'
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["data"]["note_text"] == plain
    assert kept.json()["data"]["email_state"] is None


def test_files_sent_with_a_note_are_documents_of_its_job(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        headers = _headers(client, office.owner)
        made = client.post(
            NOTES, headers=headers,
            data={"job_uuid": office.job_uuid, "note_text": "Invoice and photo attached"},
            files=[("attachments[]", ("invoice.pdf", PDF, "application/pdf")),
                   ("attachments[]", ("roof.png", images.png(), "image/png"))],
        )  # fmt: skip
        note = made.json()["data"]
        listed = client.get(ATTACHMENTS, headers=_read(office.owner),
                            params={"note_uuid": note["uuid"]})  # fmt: skip
        documents = client.get(
            "/api/jobs/documents", headers=_read(office.owner),
            params={"action": "list", "job_uuid": office.job_uuid},
        )  # fmt: skip
        first = listed.json()["data"][0]
        downloaded = client.get(first["download_url"], headers=_read(office.owner))
        reply = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Thanks",
                       in_reply_to=note["uuid"])  # fmt: skip
        deleted = _write(client, office.owner, action="delete", uuid=note["uuid"])
        remaining = _notes(client, office.owner, office.job_uuid)
        documents_after = client.get(
            "/api/jobs/documents", headers=_read(office.owner),
            params={"action": "list", "job_uuid": office.job_uuid},
        )  # fmt: skip
    assert made.status_code == 200, made.text
    assert note["attachments_count"] == 2
    assert listed.status_code == 200, listed.text
    assert [(d["file_name"], d["mime_type"]) for d in listed.json()["data"]] == [
        ("invoice.pdf", "application/pdf"), ("roof.png", "image/png")
    ]  # fmt: skip
    assert {d["uuid"] for d in documents.json()["data"]} == {
        d["uuid"] for d in listed.json()["data"]
    }
    assert downloaded.content == PDF
    assert reply.json()["data"]["in_reply_to"] == note["uuid"]
    assert deleted.status_code == 200, deleted.text
    # The note's files stay with the job, and the reply stays, answering nothing now.
    assert [(n["note_text"], n["in_reply_to"]) for n in remaining] == [("Thanks", None)]
    assert documents_after.json()["count"] == 2
    assert stack.scalars(
        select(func.count()).select_from(Document).where(Document.case_note_id.is_not(None))
    ) == [0]


def test_deleting_a_job_takes_its_notes_their_replies_and_files(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    objects = stack.stored_objects()
    with stack.client() as client:
        made = client.post(
            NOTES, headers=_headers(client, office.owner),
            data={"job_uuid": office.job_uuid, "note_text": "Invoice attached"},
            files={"attachments": ("invoice.pdf", PDF, "application/pdf")},
        )  # fmt: skip
        reply = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Paid",
                       in_reply_to=made.json()["data"]["uuid"])  # fmt: skip
        gone = client.post(
            "/api/jobs/manage", headers=_headers(client, office.owner),
            json={"action": "delete", "uuid": office.job_uuid},
        )  # fmt: skip
    assert made.status_code == 200, made.text
    assert reply.status_code == 200, reply.text
    assert gone.status_code == 200, gone.text
    rows = select(func.count()).select_from(CaseNote).where(CaseNote.job_id == office.job_id)
    assert stack.scalars(rows) == [0]
    assert stack.scalars(select(Document.id).where(Document.job_id == office.job_id)) == []
    assert stack.stored_objects() == objects


def test_a_refused_attachment_stores_neither_note_nor_file(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    notes, objects = _note_rows(stack), stack.stored_objects()
    with stack.client() as client:
        refused = client.post(
            NOTES, headers=_headers(client, office.owner),
            data={"job_uuid": office.job_uuid, "note_text": "Two files"},
            files=[("attachments", ("ok.pdf", PDF, "application/pdf")),
                   ("attachments", ("run.exe", b"MZ\x90\x00" * 64, "application/octet-stream"))],
        )  # fmt: skip
    assert refused.status_code == 400, refused.text
    assert "file type" in refused.json()["error"]
    assert _note_rows(stack) == notes
    assert stack.stored_objects() == objects


def test_a_reply_must_answer_a_note_of_the_same_job(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    other_job = stack.new_job(office.owner, "Another job")
    with stack.client() as client:
        note = _write(client, office.owner, job_uuid=office.job_uuid, note_text="First")
        refused = _write(client, office.owner, job_uuid=other_job, note_text="Re",
                         in_reply_to=note.json()["data"]["uuid"])  # fmt: skip
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "in_reply_to is not a note of this job"


# --- who may do what -----------------------------------------------------------------------


def test_a_key_without_the_case_notes_permission_is_refused(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    narrowed = stack.server.cli_json(
        "apikey", "create", "--company", str(office.owner.company_id),
        "--email", office.owner.owner_email, "--permission", "api.jobs.manage.manage",
    )  # fmt: skip
    key = Tenant(office.owner.company_id, office.owner.company_uuid, narrowed["api_key"], "")
    hyphenated = stack.server.cli_json(
        "apikey", "create", "--company", str(office.owner.company_id),
        "--email", office.owner.owner_email, "--permission", "api.jobs.case-notes.manage",
    )  # fmt: skip
    spelled = Tenant(office.owner.company_id, office.owner.company_uuid, hyphenated["api_key"], "")
    with stack.client() as client:
        note = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Hello").json()
        rows = _note_rows(stack)
        refusals = [
            _list(client, key, job_uuid=office.job_uuid),
            _write(client, key, job_uuid=office.job_uuid, note_text="Nope"),
            _write(client, key, action="delete", uuid=note["data"]["uuid"]),
            client.get(ATTACHMENTS, headers=_read(key), params={"note_uuid": note["data"]["uuid"]}),
        ]
        allowed = _list(client, spelled, job_uuid=office.job_uuid)
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == PERMISSION
    assert _note_rows(stack) == rows
    assert allowed.status_code == 200, allowed.text


def test_only_the_author_or_the_office_may_change_a_note(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    staff = _person(stack, office.owner, "staff", "Stan Staff")
    with stack.client() as client:
        by_owner = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Office note")
        by_contractor = _write(client, office.contractor, job_uuid=office.job_uuid,
                               note_text="On site")  # fmt: skip
        owners, contractors = by_owner.json()["data"]["uuid"], by_contractor.json()["data"]["uuid"]
        refused = [
            _write(client, office.contractor, action="update", uuid=owners, note_text="Mine now"),
            _write(client, office.agent, action="delete", uuid=contractors),
        ]
        own = _write(client, office.contractor, action="update", uuid=contractors,
                     note_text="On site, leak found")  # fmt: skip
        by_staff = _write(client, staff, action="update", uuid=contractors, is_pinned=True)
        seen = _notes(client, office.agent, office.job_uuid)
    for answer in refused:
        assert answer.status_code == 403, answer.text
    assert own.status_code == 200, own.text
    assert by_staff.status_code == 200, by_staff.text
    assert {n["note_text"] for n in seen} == {"Office note", "On site, leak found"}
    assert by_contractor.json()["data"]["created_by_name"] == "Carl Contractor"


def test_writes_without_the_csrf_token_are_refused_and_store_nothing(
    mailed: Mailed, crew: Crew
) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        note = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Kept").json()
        rows, objects = _note_rows(stack), stack.stored_objects()
        auth = _read(office.owner)
        refusals = [
            client.post(NOTES, headers=auth, json={"job_uuid": office.job_uuid, "note_text": "x"}),
            client.post(NOTES, headers=auth, data={"job_uuid": office.job_uuid, "note_text": "x"},
                        files={"attachments": ("a.pdf", PDF, "application/pdf")}),
            client.post(NOTES, headers=auth,
                        json={"action": "delete", "uuid": note["data"]["uuid"]}),
            client.post(NOTES, headers={**auth, "X-CSRF-Token": "1.forged"},
                        json={"action": "update", "uuid": note["data"]["uuid"],
                              "note_text": "Changed"}),
        ]  # fmt: skip
        after = _notes(client, office.owner, office.job_uuid)
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert "CSRF" in refused.json()["error"]
    assert _note_rows(stack) == rows
    assert stack.stored_objects() == objects
    assert [n["note_text"] for n in after] == ["Kept"]


def test_another_companys_jobs_and_notes_are_not_found(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    stranger = stack.new_tenant("Strangers Ltd")
    with stack.client() as client:
        note = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Private").json()
        mine = note["data"]["uuid"]
        answers = [
            _list(client, stranger, job_uuid=office.job_uuid),
            _list(client, stranger, job_id=office.job_id),
            _write(client, stranger, job_uuid=office.job_uuid, note_text="Hi"),
            _write(client, stranger, action="update", uuid=mine, note_text="Mine"),
            _write(client, stranger, action="update", note_id=note["note_id"], is_pinned=True),
            _write(client, stranger, action="delete", uuid=mine),
            client.get(ATTACHMENTS, headers=_read(stranger), params={"note_uuid": mine}),
        ]
        missing = [
            _write(client, stranger, action="delete", uuid=str(uuid.uuid4())),
            _list(client, stranger, job_uuid=str(uuid.uuid4())),
        ]
        after = _notes(client, office.owner, office.job_uuid)
    for answer in answers + missing:
        assert answer.status_code == 404, answer.text
    assert {a.json()["error"] for a in answers[3:6] + missing[:1]} == {"case note not found"}
    assert [(n["note_text"], n["is_pinned"]) for n in after] == [("Private", False)]


@pytest.fixture(scope="module")
def with_one_note(mailed: Mailed, crew: Crew) -> tuple[Office, str]:
    """A job with one note, that bad requests must leave as it is."""
    office = _office(mailed.stack, crew)
    with mailed.stack.client() as client:
        made = _write(client, office.owner, job_uuid=office.job_uuid, note_text="Original")
    assert made.status_code == 200, made.text
    return office, str(made.json()["data"]["uuid"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"note_text": "No job"}, "job_id or job_uuid is required"),
        ({"job_uuid": "JOB", "note_text": ""}, "note_text is required"),
        ({"job_uuid": "JOB", "note_text": "   "}, "note_text is required"),
        ({"job_uuid": "JOB"}, "note_text is required"),
        ({"job_uuid": "JOB", "note_text": 12.5}, "note_text must be text"),
        ({"job_uuid": "JOB", "note_text": "x" * 20_001},
         "note_text must be at most 20000 characters"),
        ({"job_uuid": "JOB", "note_text": "<script>x</script>"},
         "note_text has no text left once unsafe HTML is removed"),
        ({"job_uuid": "JOB", "note_text": "Hi", "send_email": "maybe"},
         "send_email must be true or false (or 1 or 0)"),
        ({"action": "archive", "job_uuid": "JOB", "note_text": "Hi"},
         "action must be create, update or delete"),
        ({"action": "update", "note_text": "Hi"}, "uuid is required"),
        ({"action": "update", "uuid": "NOTE"}, "note_text or is_pinned is required"),
        ({"action": "update", "uuid": "NOTE", "is_pinned": "perhaps"},
         "is_pinned must be true or false (or 1 or 0)"),
        ({"action": "delete"}, "uuid is required"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    mailed: Mailed, with_one_note: tuple[Office, str], body: dict[str, Any], error: str
) -> None:
    stack = mailed.stack
    office, note_uuid = with_one_note
    sent = {
        name: {"JOB": office.job_uuid, "NOTE": note_uuid}.get(value, value)
        if isinstance(value, str) else value
        for name, value in body.items()
    }  # fmt: skip
    rows = _note_rows(stack)
    with stack.client() as client:
        refused = _write(client, office.owner, **sent)
        after = _notes(client, office.owner, office.job_uuid)
    assert refused.status_code == 400, refused.text
    assert refused.json() == {"success": False, "error": error}
    assert _note_rows(stack) == rows
    assert [(n["note_text"], n["is_pinned"]) for n in after] == [("Original", False)]


def test_reads_with_bad_parameters_are_400s(mailed: Mailed, crew: Crew) -> None:
    stack = mailed.stack
    office = _office(stack, crew)
    with stack.client() as client:
        answers = {
            "action is required": client.get(
                NOTES, headers=_read(office.owner), params={"job_uuid": office.job_uuid}
            ),
            "job_id or job_uuid is required": _list(client, office.owner),
            "limit must be 1 or more": _list(
                client, office.owner, job_uuid=office.job_uuid, limit=0
            ),
            "note_uuid is required": client.get(ATTACHMENTS, headers=_read(office.owner)),
        }
    for error, answer in answers.items():
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == error


# --- e-mail ------------------------------------------------------------------------------------


def test_a_note_is_emailed_to_the_jobs_parties_but_not_its_author(
    mailed: Mailed, crew: Crew
) -> None:
    stack, smtp = mailed.stack, mailed.smtp
    office = _office(stack, crew)
    smtp.clear()
    with stack.client() as client:
        made = _write(
            client, office.agent, job_uuid=office.job_uuid, send_email=True,
            note_text="<p>Roofer <b>booked</b> for Tuesday</p><script>x()</script>",
        )  # fmt: skip
        queued = made.json()["data"]
        [received] = smtp.wait_for(1)
        settled = _settled(client, office.agent, office.job_uuid, queued["uuid"])
    assert made.status_code == 200, made.text
    assert queued["email_state"] == "queued"
    assert queued["send_email"] is True
    note_uuid = uuid.UUID(queued["uuid"])
    # The agent wrote it: the contractor and the private contact get it, on the envelope only.
    assert sorted(received.recipients) == sorted(
        [office.contractor.owner_email, office.contact_email]
    )
    message = received.message
    assert message["To"] == "undisclosed-recipients:;"
    assert message["From"] == MAIL_FROM
    assert message["Message-ID"] == f"<note.{note_uuid.hex}@{REPLY_DOMAIN}>"
    assert message["Auto-Submitted"] == "auto-generated"
    reply_to = str(message["Reply-To"])
    assert reply_to.startswith("notes+")
    # The reply address is signed with the server's own secret and names this note.
    server_settings = Settings(
        dev=True, secret_key=stack.server.secret_key, mail_reply_domain=REPLY_DOMAIN
    )
    assert tokens.note_of_address(server_settings, reply_to) == note_uuid
    assert message["Subject"] == f"[J{office.job_id:06d}] Leaking roof"
    assert office.contractor.owner_email not in received.raw.decode()
    assert office.contact_email not in received.raw.decode()
    assert "Roofer booked for Tuesday" in received.text()
    assert "Agnes Agent" in received.text()
    assert "<p>Roofer <b>booked</b> for Tuesday</p>" in received.html()
    assert "script" not in received.html()
    assert settled["email_state"] == "sent"
    assert settled["email_error"] is None
    assert settled["email_sent_at"] is not None
    [stored_id] = stack.scalars(select(CaseNote.email_message_id).where(CaseNote.uuid == note_uuid))
    assert stored_id == message["Message-ID"]
    events = _events(stack, queued["uuid"])
    assert [action for action, _, _ in events] == ["case_note.created", "case_note.emailed"]
    assert events[1][1] == office.job_id
    assert events[1][2] == {"recipients": 2, "attempts": 1}


def test_each_party_gets_one_copy_and_the_author_none(mailed: Mailed, crew: Crew) -> None:
    stack, smtp = mailed.stack, mailed.smtp
    office = _office(stack, crew)
    smtp.clear()
    # The private contact is the contractor, spelt in capitals; the author is the owner.
    with stack.client() as client:
        client.post(
            "/api/jobs/manage", headers=_headers(client, office.owner),
            json={"action": "update", "uuid": office.job_uuid,
                  "private_contact_email": office.contractor.owner_email.upper()},
        )  # fmt: skip
        made = _write(client, office.owner, job_uuid=office.job_uuid, send_email=True,
                      note_text="Plain & simple")  # fmt: skip
        [received] = smtp.wait_for(1)
        settled = _settled(client, office.owner, office.job_uuid, made.json()["data"]["uuid"])
    assert sorted(received.recipients) == sorted(
        [office.contractor.owner_email, office.agent.owner_email]
    )
    assert office.owner.owner_email not in received.recipients
    assert "Plain & simple" in received.text()
    assert "Plain &amp; simple" in received.html()
    assert settled["email_state"] == "sent"


def test_a_job_with_no_one_to_email_skips_the_note_with_the_reason(mailed: Mailed) -> None:
    stack = mailed.stack
    owner = stack.new_tenant("Lonely Ltd")
    job_uuid = stack.new_job(owner, "Nobody assigned")
    with stack.client() as client:
        made = _write(client, owner, job_uuid=job_uuid, note_text="Anyone?", send_email=True)
        settled = _settled(client, owner, job_uuid, made.json()["data"]["uuid"])
    assert settled["email_state"] == "skipped"
    assert settled["email_error"] == (
        "the job has no contractor, agent or private contact to e-mail but the note's author"
    )


def test_with_the_smtp_server_down_the_note_fails_after_the_retries_and_is_kept(
    mail_down: Stack,
) -> None:
    office = _office(mail_down, _crew(mail_down, "Offline Ltd"))
    with mail_down.client() as client:
        made = _write(client, office.owner, job_uuid=office.job_uuid, send_email=True,
                      note_text="Please confirm access")  # fmt: skip
        settled = _settled(client, office.owner, office.job_uuid, made.json()["data"]["uuid"])
    assert settled["email_state"] == "failed"
    assert settled["email_attempts"] == 3
    assert "could not send through smtp://127.0.0.1" in settled["email_error"]
    assert settled["note_text"] == "Please confirm access"
    events = _events(mail_down, settled["uuid"])
    assert [action for action, _, _ in events] == ["case_note.created", "case_note.email_failed"]
    assert events[1][2]["attempts"] == 3


def test_a_note_waiting_to_retry_when_the_server_dies_is_sent_after_restart(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **_mail_env(f"smtp://127.0.0.1:{port}"),
        "JOBSHOTS_MAIL_RETRY_SECONDS": "3600",
        "JOBSHOTS_RECOVERY_GRACE_SECONDS": "1",
    }
    with running_stack("sqlite", "local", tmp_path, None, env) as stack:
        office = _office(stack, _crew(stack, "Crash Ltd"))
        with stack.client() as client:
            made = _write(client, office.owner, job_uuid=office.job_uuid, send_email=True,
                          note_text="Survives a crash")  # fmt: skip
        note_uuid = uuid.UUID(made.json()["data"]["uuid"])
        attempts = select(CaseNote.email_attempts).where(CaseNote.uuid == note_uuid)
        deadline = time.monotonic() + 60
        while stack.scalars(attempts) != [1] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stack.scalars(attempts) == [1]
        # The server dies during its hour-long wait; the hour passes; the mail server is back.
        stack.server.crash()
        stack.execute(
            update(CaseNote)
            .where(CaseNote.uuid == note_uuid)
            .values(updated_at=datetime.now(UTC) - timedelta(hours=2))
        )
        with smtp_server(port=port) as smtp:
            stack.server.start()
            [received] = smtp.wait_for(1)
            with stack.client() as client:
                settled = _settled(client, office.owner, office.job_uuid, str(note_uuid))
    assert received.message["Message-ID"] == f"<note.{note_uuid.hex}@{REPLY_DOMAIN}>"
    assert settled["email_state"] == "sent"
    assert settled["email_attempts"] == 2


def test_with_no_smtp_server_configured_the_note_is_skipped_never_lost(no_mail: Stack) -> None:
    office = _office(no_mail, _crew(no_mail, "Unconfigured Ltd"))
    with no_mail.client() as client:
        made = _write(client, office.owner, job_uuid=office.job_uuid, send_email="true",
                      note_text="Kept anyway")  # fmt: skip
        settled = _settled(client, office.owner, office.job_uuid, made.json()["data"]["uuid"])
    assert settled["email_state"] == "skipped"
    assert settled["email_error"] == "no SMTP server is configured"
    assert settled["note_text"] == "Kept anyway"
    events = _events(no_mail, settled["uuid"])
    assert events[-1][0] == "case_note.email_skipped"
    assert events[-1][2] == {"reason": "no SMTP server is configured"}
