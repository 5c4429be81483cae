"""`GET /api/jobs/manage?action=list_commits&uuid=`: a job's history, newest first, each field
change with its before and after by the vendor's names, and sealed fields only as changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.core import permissions
from jobshots.db.models import JobStatus, User
from tests.support.databases import BACKENDS
from tests.support.maintenance import bearer, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
MANAGE = "/api/jobs/manage"
SECRETS = ("Key safe 4821", "Mrs Patel", "patel@example.com", "Code 9911", "Mr Jones")


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server over a fresh SQLite database, and one over PostgreSQL when configured."""
    tmp = tmp_path_factory.mktemp(f"history-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


def _update(client: httpx.Client, tenant: Tenant, job_uuid: str, **fields: Any) -> None:
    changed = client.post(
        MANAGE, headers=write_headers(client, tenant),
        json={"action": "update", "uuid": job_uuid, **fields},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text


def _history(client: httpx.Client, tenant: Tenant, job_uuid: str, **params: Any) -> httpx.Response:
    return client.get(
        MANAGE, headers=bearer(tenant),
        params={"action": "list_commits", "uuid": job_uuid, **params},
    )  # fmt: skip


def _status_ids(stack: Stack, tenant: Tenant) -> dict[str, int]:
    rows = stack.rows(
        select(JobStatus.code, JobStatus.id).where(JobStatus.company_id == tenant.company_id)
    )
    return {str(code): int(status_id) for code, status_id in rows}


def test_history_is_newest_first_with_each_fields_before_and_after(server: Stack) -> None:
    owner = server.new_tenant("History Ltd")
    statuses = _status_ids(server, owner)
    job_uuid = server.new_job(owner, "Boiler service")
    with server.client() as client:
        _update(client, owner, job_uuid, job_title="Boiler repair", contractor_budget=180)
        _update(client, owner, job_uuid, status_id=statuses["in_progress"])
        _update(client, owner, job_uuid, job_title="Boiler repair")  # a change of nothing
        answer = _history(client, owner, job_uuid)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["success"], body["count"], body["total"]) == (True, 3, 3)
    moved, edited, created = body["data"]
    assert [moved["action"], edited["action"], created["action"]] == [
        "job.updated", "job.updated", "job.created"
    ]  # fmt: skip
    assert moved["created_at"] >= edited["created_at"] >= created["created_at"]
    assert moved["ID"] > edited["ID"] > created["ID"]
    assert uuid.UUID(moved["uuid"])
    assert moved["changes"] == [
        {"field": "status_id", "before": statuses["open"], "after": statuses["in_progress"],
         "before_name": "Open", "after_name": "In Progress", "changed": True, "sealed": False},
    ]  # fmt: skip
    by_field = {change["field"]: change for change in edited["changes"]}
    assert set(by_field) == {"job_title", "contractor_budget"}  # the vendor's names
    assert "before_name" not in by_field["job_title"]  # only ids of reference data are named
    assert (by_field["job_title"]["before"], by_field["job_title"]["after"]) == (
        "Boiler service", "Boiler repair"
    )  # fmt: skip
    assert (by_field["contractor_budget"]["before"], by_field["contractor_budget"]["after"]) == (
        None, "180.00"
    )  # fmt: skip
    assert edited["actor_name"] == "Olive Owner"
    assert edited["created_at"].endswith("Z")


def test_sealed_fields_show_as_changed_and_their_values_never_appear(server: Stack) -> None:
    owner = server.new_tenant("Sealed History Ltd")
    job_uuid = server.new_job(owner)
    with server.client() as client:
        _update(
            client, owner, job_uuid, access_details=SECRETS[0], private_contact_name=SECRETS[1],
            private_contact_email=SECRETS[2],
        )  # fmt: skip
        _update(
            client, owner, job_uuid, access_details=SECRETS[3], private_contact_name=SECRETS[4],
            job_title="Gutter clearance",
        )  # fmt: skip
        answer = _history(client, owner, job_uuid)
    assert answer.status_code == 200, answer.text
    for secret in SECRETS:
        assert secret not in answer.text
    second, first, _ = answer.json()["data"]
    sealed = {"changed": True, "sealed": True, "before": None, "after": None}
    assert {c["field"]: c for c in first["changes"]} == {
        name: {"field": name, **sealed}
        for name in ("access_details", "private_contact_name", "private_contact_email")
    }
    by_field = {c["field"]: c for c in second["changes"]}
    assert set(by_field) == {"access_details", "private_contact_name", "job_title"}
    assert by_field["access_details"] == {"field": "access_details", **sealed}
    assert by_field["job_title"]["after"] == "Gutter clearance"


def test_other_actions_appear_with_their_data_and_no_note_text(server: Stack) -> None:
    owner = server.new_tenant("Other Actions Ltd")
    job_uuid = server.new_job(owner)
    with server.client() as client:
        pinned = client.post(
            "/api/jobs/toggle-pin", headers=write_headers(client, owner),
            json={"job_uuid": job_uuid},
        )  # fmt: skip
        noted = client.post(
            "/api/jobs/case-notes", headers=write_headers(client, owner),
            json={"job_uuid": job_uuid, "note_text": "Tenant's alarm code is 7731"},
        )  # fmt: skip
        answer = _history(client, owner, job_uuid)
    assert (pinned.status_code, noted.status_code) == (200, 200), noted.text
    note, pin, _ = answer.json()["data"]
    assert (note["action"], pin["action"]) == ("case_note.created", "job.pinned")
    assert note["entity_type"] == "case_note"
    assert note["data"]["send_email"] is False
    assert (note["changes"], pin["changes"]) == ([], [])
    assert "7731" not in answer.text  # a note's text is sealed at rest


def test_history_pages_by_limit_and_offset(server: Stack) -> None:
    owner = server.new_tenant("Paged History Ltd")
    job_uuid = server.new_job(owner)
    with server.client() as client:
        for n in range(4):
            _update(client, owner, job_uuid, job_title=f"Title {n}")
        everything = _history(client, owner, job_uuid).json()["data"]
        page = _history(client, owner, job_uuid, limit=2, offset=1).json()
        past = _history(client, owner, job_uuid, offset=50).json()
        refused = [
            _history(client, owner, job_uuid, limit=0),
            _history(client, owner, job_uuid, offset=-1),
            _history(client, owner, job_uuid, limit="many"),
        ]
    assert len(everything) == 5
    assert [e["uuid"] for e in page["data"]] == [e["uuid"] for e in everything[1:3]]
    assert (page["count"], page["total"]) == (2, 5)
    assert (past["data"], past["count"], past["total"]) == ([], 0, 5)
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert ["limit" in refused[0].text, "offset" in refused[1].text] == [True, True]


def test_each_actor_is_named(server: Stack) -> None:
    owner = server.new_tenant("Actors Ltd")
    colleague = server.new_colleague(owner, "staff")
    job_uuid = server.new_job(owner)
    server.execute(
        update(User)
        .where(User.email == colleague.owner_email)
        .values(first_name="Sam", last_name="Staff")
    )
    with server.client() as client:
        _update(client, owner, job_uuid, job_title="By the owner")
        _update(client, colleague, job_uuid, job_title="By a colleague")
        events = _history(client, owner, job_uuid).json()["data"]
    assert [e["actor_name"] for e in events[:2]] == ["Sam Staff", "Olive Owner"]
    assert all(isinstance(e["actor_id"], int) for e in events[:2])


def test_history_needs_the_list_permission_and_a_job_of_ones_own(server: Stack) -> None:
    owner = server.new_tenant("History Reach Ltd")
    stranger = server.new_tenant("History Stranger Ltd")
    job_uuid = server.new_job(owner)
    narrowed = server.server.cli_json(
        "apikey", "create", "--company", str(owner.company_id), "--email", owner.owner_email,
        "--permission", permissions.RECALLS,
    )  # fmt: skip
    recalls_only = Tenant(
        owner.company_id, owner.company_uuid, narrowed["api_key"], owner.owner_email
    )
    contractor = server.new_colleague(owner, "contractor")
    with server.client() as client:
        forbidden = _history(client, recalls_only, job_uuid)
        missing = _history(client, owner, str(uuid.uuid4()))
        not_found = [_history(client, stranger, job_uuid), _history(client, contractor, job_uuid)]
        nameless = client.get(MANAGE, headers=bearer(owner), params={"action": "list_commits"})
    assert forbidden.status_code == 403, forbidden.text
    assert forbidden.json()["permission"] == permissions.JOBS_LIST
    assert missing.status_code == 404
    for answer in not_found:
        assert answer.status_code == 404, answer.text
        assert answer.json() == missing.json()
    assert nameless.status_code == 400
    assert "uuid" in nameless.json()["error"]
