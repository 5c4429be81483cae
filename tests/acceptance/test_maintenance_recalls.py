"""`/api/jobs/recall` and `/api/jobs/mark-recall-completed`: a completed job reopened because
the work came back, completed again or put back as it was, and every refused transition."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from jobshots.core import permissions
from jobshots.db.models import (
    ApprovalRule,
    AuditEvent,
    Job,
    JobStatus,
    JobStatusChange,
    Recall,
)
from tests.support.databases import BACKENDS
from tests.support.maintenance import bearer, csrf_token, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
RECALL = "/api/jobs/recall"
MARK_COMPLETED = "/api/jobs/mark-recall-completed"
MANAGE = "/api/jobs/manage"


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server over a fresh SQLite database, and one over PostgreSQL when configured."""
    tmp = tmp_path_factory.mktemp(f"recalls-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


def _statuses(stack: Stack, tenant: Tenant) -> dict[str, int]:
    rows = stack.rows(
        select(JobStatus.code, JobStatus.id).where(JobStatus.company_id == tenant.company_id)
    )
    return {str(code): int(status_id) for code, status_id in rows}


def _job_in(stack: Stack, tenant: Tenant, code: str) -> tuple[int, str]:
    """A new job moved to the status with that code, through the API."""
    job_id, job_uuid = stack.new_job_ids(tenant)
    if code != "open":
        with stack.client() as client:
            moved = client.post(
                MANAGE, headers=write_headers(client, tenant),
                json={"action": "update", "uuid": job_uuid,
                      "status_id": _statuses(stack, tenant)[code]},
            )  # fmt: skip
        assert moved.status_code == 200, moved.text
    return job_id, job_uuid


def _recall(client: httpx.Client, tenant: Tenant, **body: Any) -> httpx.Response:
    return client.post(RECALL, headers=write_headers(client, tenant), json=body)


def _state(stack: Stack, job_uuid: str) -> tuple[Any, ...]:
    """Everything a recall may change about a job, read straight from the database."""
    job = uuid.UUID(job_uuid)
    [row] = stack.rows(
        select(Job.id, Job.status_id, Job.is_recalled, Job.completed_at).where(Job.uuid == job)
    )
    job_id = row[0]
    recalls = stack.rows(
        select(Recall.id, Recall.reason, Recall.closed_at, Recall.outcome)
        .where(Recall.job_id == job_id)
        .order_by(Recall.id)
    )
    counted = [
        stack.scalars(select(func.count()).select_from(model).where(model.job_id == job_id))[0]
        for model in (AuditEvent, JobStatusChange)
    ]
    return row, recalls, counted


def test_a_completed_job_is_recalled_reopened_then_completed_again(server: Stack) -> None:
    owner = server.new_tenant("Recall Works Ltd")
    statuses = _statuses(server, owner)
    _, job_uuid = _job_in(server, owner, "completed")
    with server.client() as client:
        raised = _recall(client, owner, job_uuid=job_uuid, is_recall=1, reason="Leak is back")
        listed = client.get(RECALL, headers=bearer(owner), params={"job_uuid": job_uuid})
        job_now = client.get(
            MANAGE, headers=bearer(owner), params={"action": "get", "uuid": job_uuid}
        )
        ended = _recall(client, owner, job_uuid=job_uuid, is_recall=0, completion_type="standard")
    assert raised.status_code == 200, raised.text
    body = raised.json()
    assert body["success"] is True
    assert body["message"] == "Job recalled and reopened as In Progress"
    state = body["data"]
    assert (state["job_uuid"], state["is_recalled"]) == (job_uuid, True)
    assert (state["status_id"], state["status_name"], state["stage"]) == (
        statuses["in_progress"], "In Progress", "in_progress"
    )  # fmt: skip
    assert state["completed_at"] is None
    recall = state["recall"]
    assert recall["reason"] == "Leak is back"
    assert recall["raised_by_name"] == "Olive Owner"
    assert recall["raised_at"].endswith("Z")
    assert (recall["previous_status_id"], recall["previous_status_name"]) == (
        statuses["completed"], "Completed"
    )  # fmt: skip
    assert (recall["is_open"], recall["closed_at"], recall["outcome"]) == (True, None, None)
    assert uuid.UUID(recall["uuid"])
    # The job itself says it is reopened.
    assert job_now.json()["data"]["status_name"] == "In Progress"
    # The GET shows the same state and the recall listed.
    shown = listed.json()
    assert listed.status_code == 200, listed.text
    assert shown["data"]["is_recalled"] is True
    assert [item["uuid"] for item in shown["data"]["recalls"]] == [recall["uuid"]]
    assert shown["count"] == 1
    # Ended as standard: completed again, now.
    assert ended.status_code == 200, ended.text
    done = ended.json()["data"]
    assert ended.json()["message"] == "Recall completed; the job is Completed"
    assert (done["is_recalled"], done["status_id"], done["stage"]) == (
        False, statuses["completed"], "complete"
    )  # fmt: skip
    assert done["completed_at"] is not None
    closed = done["recall"]
    assert (closed["uuid"], closed["outcome"], closed["is_open"]) == (
        recall["uuid"], "standard", False
    )  # fmt: skip
    assert closed["closed_at"] is not None
    assert closed["closed_by_name"] == "Olive Owner"
    (_, status_id, is_recalled, completed_at), rows, _ = _state(server, job_uuid)
    assert (status_id, is_recalled) == (statuses["completed"], False)
    assert completed_at is not None
    assert [(reason, outcome) for _, reason, _, outcome in rows] == [("Leak is back", "standard")]


def test_a_cancelled_recall_puts_the_job_back_in_the_status_it_was_recalled_from(
    server: Stack,
) -> None:
    owner = server.new_tenant("Cancelled Recalls Ltd")
    statuses = _statuses(server, owner)
    _, job_uuid = _job_in(server, owner, "closed")
    (_, _, _, closed_at), _, _ = _state(server, job_uuid)
    with server.client() as client:
        raised = _recall(client, owner, job_uuid=job_uuid, is_recall="1", reason="Wrong job")
        cancelled = client.post(
            RECALL, headers=bearer(owner),
            data={"job_uuid": job_uuid, "is_recall": "false", "completion_type": "cancel",
                  "csrf_token": csrf_token(client, owner)},
        )  # fmt: skip
        # Back as it was: completed when it was first completed, not when the recall ended.
        (_, _, _, restored_at), _, _ = _state(server, job_uuid)
        again = _recall(client, owner, job_uuid=job_uuid, is_recall=True, reason="Now it leaks")
        listed = client.get(RECALL, headers=bearer(owner), params={"job_uuid": job_uuid})
    assert raised.json()["data"]["status_id"] == statuses["in_progress"]
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["message"] == "Recall cancelled; the job is back as Closed"
    state = cancelled.json()["data"]
    assert (state["is_recalled"], state["status_id"], state["stage"]) == (
        False, statuses["closed"], "closed"
    )  # fmt: skip
    assert state["recall"]["outcome"] == "cancel"
    assert closed_at is not None
    assert restored_at == closed_at
    # A job whose recall ended may be recalled again; the list is newest first.
    assert again.status_code == 200, again.text
    reasons = [(r["reason"], r["outcome"]) for r in listed.json()["data"]["recalls"]]
    assert reasons == [("Now it leaks", None), ("Wrong job", "cancel")]


def test_mark_recall_completed_closes_the_cycle_with_a_completion_time(server: Stack) -> None:
    owner = server.new_tenant("Marked Complete Ltd")
    statuses = _statuses(server, owner)
    job_id, job_uuid = _job_in(server, owner, "completed")
    with server.client() as client:
        _recall(client, owner, job_id=job_id, is_recall=1, reason="Tap drips again")
        marked = client.post(
            MARK_COMPLETED, headers=write_headers(client, owner), json={"job_uuid": job_uuid}
        )
    assert marked.status_code == 200, marked.text
    state = marked.json()["data"]
    assert (state["is_recalled"], state["status_id"]) == (False, statuses["completed"])
    assert state["completed_at"] is not None
    assert state["recall"]["outcome"] == "standard"
    assert state["recall"]["closed_at"] is not None
    (_, _, is_recalled, completed_at), [(_, _, closed_at, outcome)], _ = _state(server, job_uuid)
    assert (is_recalled, outcome) == (False, "standard")
    assert completed_at is not None
    assert closed_at is not None


def test_each_refused_transition_is_400_with_a_clear_error_and_changes_nothing(
    server: Stack,
) -> None:
    owner = server.new_tenant("Refused Recalls Ltd")
    _, open_job = _job_in(server, owner, "open")
    _, done_job = _job_in(server, owner, "completed")
    _, recalled_job = _job_in(server, owner, "completed")
    with server.client() as client:
        made = _recall(client, owner, job_uuid=recalled_job, is_recall=1, reason="Came back")
        assert made.status_code == 200, made.text
        cases = [
            (RECALL, {"job_uuid": open_job, "is_recall": 1, "reason": "x"}, "complete or closed"),
            (RECALL, {"job_uuid": recalled_job, "is_recall": 1, "reason": "x"}, "already"),
            (RECALL, {"job_uuid": done_job, "is_recall": 1}, "reason"),
            (RECALL, {"job_uuid": done_job, "is_recall": 1, "reason": "  "}, "reason"),
            (RECALL, {"job_uuid": done_job, "is_recall": 0, "completion_type": "standard"},
             "not recalled"),
            (RECALL, {"job_uuid": done_job, "is_recall": 0, "completion_type": "cancel"},
             "not recalled"),
            (RECALL, {"job_uuid": recalled_job, "is_recall": 0}, "completion_type"),
            (RECALL, {"job_uuid": recalled_job, "is_recall": 0, "completion_type": "later"},
             "completion_type"),
            (RECALL, {"job_uuid": done_job, "is_recall": 2, "reason": "x"}, "is_recall"),
            (RECALL, {"job_uuid": done_job, "reason": "x"}, "is_recall"),
            (RECALL, {"is_recall": 1, "reason": "x"}, "job_id"),
            (RECALL, {"job_id": "abc", "is_recall": 1, "reason": "x"}, "job_id"),
            (MARK_COMPLETED, {"job_uuid": done_job}, "not recalled"),
            (MARK_COMPLETED, {"job_uuid": open_job}, "not recalled"),
            (MARK_COMPLETED, {}, "job_id"),
        ]  # fmt: skip
        before = [_state(server, job) for job in (open_job, done_job, recalled_job)]
        for path, body, named in cases:
            refused = client.post(path, headers=write_headers(client, owner), json=body)
            assert refused.status_code == 400, (body, refused.text)
            assert refused.json()["success"] is False
            assert named in refused.json()["error"], (body, refused.json())
        after = [_state(server, job) for job in (open_job, done_job, recalled_job)]
        garbled = client.post(
            RECALL, headers={**write_headers(client, owner), "Content-Type": "application/json"},
            content=b"{not json",
        )  # fmt: skip
    assert after == before
    assert garbled.status_code == 400
    assert garbled.json()["success"] is False


def test_a_job_recalled_twice_at_once_is_recalled_once(server: Stack) -> None:
    owner = server.new_tenant("Racing Recalls Ltd")
    _, job_uuid = _job_in(server, owner, "completed")

    def recall(reason: str) -> httpx.Response:
        with server.client() as client:
            return _recall(client, owner, job_uuid=job_uuid, is_recall=1, reason=reason)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(recall, ("First", "Second")))
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    _, recalls, _ = _state(server, job_uuid)
    assert len(recalls) == 1


def test_a_recall_reopens_the_job_through_its_approval_gate(server: Stack) -> None:
    owner = server.new_tenant("Gated Recalls Ltd")
    statuses = _statuses(server, owner)
    _, job_uuid = _job_in(server, owner, "completed")
    # Made after the job was completed: every job is now held before In Progress.
    server.execute(
        insert(ApprovalRule).values(
            uuid=uuid.uuid4(), company_id=owner.company_id, status_id=statuses["in_progress"],
            budget_over=None, type_ids=[],
        )
    )  # fmt: skip
    before = _state(server, job_uuid)
    with server.client() as client:
        held = _recall(client, owner, job_uuid=job_uuid, is_recall=1, reason="Leak")
    assert held.status_code == 409, held.text
    assert held.json()["success"] is False
    assert _state(server, job_uuid) == before


def test_recalls_need_their_permissions(server: Stack) -> None:
    owner = server.new_tenant("Recall Permissions Ltd")
    company = str(owner.company_id)
    _, job_uuid = _job_in(server, owner, "completed")

    def key(*granted: str) -> Tenant:
        options = [arg for name in granted for arg in ("--permission", name)]
        made = server.server.cli_json(
            "apikey", "create", "--company", company, "--email", owner.owner_email, *options
        )
        return Tenant(owner.company_id, owner.company_uuid, made["api_key"], owner.owner_email)

    jobs_only, recalls_only = key(permissions.JOBS_MANAGE), key(permissions.RECALLS)
    viewer = server.new_colleague(owner, "viewer")
    with server.client() as client:
        before = _state(server, job_uuid)
        refusals = [
            (_recall(client, jobs_only, job_uuid=job_uuid, is_recall=1, reason="x"),
             permissions.RECALLS),
            (_recall(client, viewer, job_uuid=job_uuid, is_recall=1, reason="x"),
             permissions.RECALLS),
            (client.get(RECALL, headers=bearer(jobs_only), params={"job_uuid": job_uuid}),
             permissions.RECALLS),
        ]  # fmt: skip
        assert _state(server, job_uuid) == before
        raised = _recall(client, recalls_only, job_uuid=job_uuid, is_recall=1, reason="Back")
        assert raised.status_code == 200, raised.text
        before = _state(server, job_uuid)
        refusals += [
            (client.post(MARK_COMPLETED, headers=write_headers(client, recalls_only),
                         json={"job_uuid": job_uuid}), permissions.RECALL_COMPLETE),
            (client.post(MARK_COMPLETED, headers=write_headers(client, jobs_only),
                         json={"job_uuid": job_uuid}), permissions.RECALL_COMPLETE),
        ]  # fmt: skip
        completer = key(permissions.RECALL_COMPLETE)
        after = _state(server, job_uuid)
        marked = client.post(
            MARK_COMPLETED, headers=write_headers(client, completer), json={"job_uuid": job_uuid}
        )
    for refused, permission in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.json()["permission"] == permission
    assert after == before
    assert marked.status_code == 200, marked.text


def test_writes_need_the_callers_csrf_token(server: Stack) -> None:
    owner = server.new_tenant("Recall Csrf Ltd")
    other = server.new_tenant("Other Csrf Ltd")
    _, job_uuid = _job_in(server, owner, "completed")
    body = {"job_uuid": job_uuid, "is_recall": 1, "reason": "Leak"}
    with server.client() as client:
        before = _state(server, job_uuid)
        theirs = csrf_token(client, other)
        refusals = [
            client.post(RECALL, headers=bearer(owner), json=body),
            client.post(RECALL, headers=bearer(owner), json={**body, "csrf_token": theirs}),
            client.post(RECALL, headers=bearer(owner), data={**body, "csrf_token": "forged"}),
            client.post(RECALL, headers={**bearer(owner), "X-CSRF-Token": theirs}, json=body),
            client.post(MARK_COMPLETED, headers=bearer(owner), json={"job_uuid": job_uuid}),
        ]
        after = _state(server, job_uuid)
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert "CSRF" in refused.json()["error"]
    assert after == before


def test_another_companys_job_is_not_found(server: Stack) -> None:
    owner = server.new_tenant("Recall Owner Ltd")
    stranger = server.new_tenant("Recall Stranger Ltd")
    job_id, done_job = _job_in(server, owner, "completed")
    _, recalled_job = _job_in(server, owner, "completed")
    with server.client() as client:
        assert _recall(client, owner, job_uuid=recalled_job, is_recall=1, reason="x").is_success
        before = [_state(server, job) for job in (done_job, recalled_job)]
        missing = str(uuid.uuid4())
        answers = [
            _recall(client, stranger, job_uuid=done_job, is_recall=1, reason="x"),
            _recall(client, stranger, job_id=job_id, is_recall=1, reason="x"),
            _recall(client, stranger, job_uuid=recalled_job, is_recall=0,
                    completion_type="cancel"),
            client.post(MARK_COMPLETED, headers=write_headers(client, stranger),
                        json={"job_uuid": recalled_job}),
            client.get(RECALL, headers=bearer(stranger), params={"job_uuid": done_job}),
        ]  # fmt: skip
        unknown = _recall(client, owner, job_uuid=missing, is_recall=1, reason="x")
        after = [_state(server, job) for job in (done_job, recalled_job)]
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json() == unknown.json()
    assert after == before


def test_recall_actions_are_in_the_jobs_history_with_the_status_before_and_after(
    server: Stack,
) -> None:
    owner = server.new_tenant("Recall History Ltd")
    statuses = _statuses(server, owner)
    _, job_uuid = _job_in(server, owner, "completed")
    with server.client() as client:
        _recall(client, owner, job_uuid=job_uuid, is_recall=1, reason="Leak again")
        _recall(client, owner, job_uuid=job_uuid, is_recall=0, completion_type="cancel")
        history = client.get(
            MANAGE, headers=bearer(owner), params={"action": "list_commits", "uuid": job_uuid}
        ).json()["data"]
    cancelled, recalled = history[0], history[1]
    assert (cancelled["action"], recalled["action"]) == ("job.recall_cancelled", "job.recalled")
    assert recalled["actor_name"] == "Olive Owner"
    assert recalled["data"]["reason"] == "Leak again"
    changes = {change["field"]: change for change in recalled["changes"]}
    assert (changes["status_id"]["before"], changes["status_id"]["after"]) == (
        statuses["completed"], statuses["in_progress"]
    )  # fmt: skip
    assert (changes["is_recalled"]["before"], changes["is_recalled"]["after"]) == (False, True)
    back = {change["field"]: change for change in cancelled["changes"]}
    assert (back["status_id"]["before"], back["status_id"]["after"]) == (
        statuses["in_progress"], statuses["completed"]
    )  # fmt: skip
    assert cancelled["data"]["outcome"] == "cancel"
