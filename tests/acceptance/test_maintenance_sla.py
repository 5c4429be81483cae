"""`GET /api/jobs/sla-status` of the maintenance API on a real server, over SQLite and
PostgreSQL: its shape, the jobs it answers and their states, filters, paging, permission and
another company's job.

The server runs on the real clock, so each job's status history is set where its state does
not depend on when the test runs: hours in the past, years in the past, or just created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from jobshots.db.models import Job, JobStatusChange
from tests.support.maintenance import bearer, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
SLA = "/api/jobs/sla-status"
FIELDS = {
    "ID", "uuid", "job_ref", "job_title", "priority_name", "response_due_at",
    "completion_due_at", "responded_at", "completed_at", "state", "measured", "window",
    "at_risk", "seconds_remaining", "seconds_exceeded", "paused",
}  # fmt: skip


@pytest.fixture(
    scope="module", params=[("sqlite", "local"), ("postgresql", "local")], ids=["sqlite", "pg"]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server over a fresh database of each backend (storage plays no part here)."""
    backend, storage = request.param
    tmp = tmp_path_factory.mktemp(f"sla-{backend}")
    with running_stack(backend, storage, tmp, None, {}) as running:
        yield running


@dataclass
class Office:
    """A company seen through the API: its owner and the ids a job's fields take."""

    owner: Tenant
    statuses: dict[str, int]
    priorities: dict[str, int]
    job_type_id: int
    address_id: int


def _ids(client: httpx.Client, owner: Tenant, path: str, key: str) -> dict[str, int]:
    answer = client.get(path, headers=bearer(owner), params={"action": "list"})
    assert answer.status_code == 200, answer.text
    return {item[key]: item["ID"] for item in answer.json()["data"]}


def _office(stack: Stack, name: str) -> Office:
    owner = stack.new_tenant(name)
    with stack.client() as client:
        address = client.post(
            "/api/jobs/addresses", headers=write_headers(client, owner),
            json={"action": "create", "address_line_1": "12 Acacia Avenue", "city": "Leeds"},
        )  # fmt: skip
        assert address.status_code == 201, address.text
        return Office(
            owner,
            _ids(client, owner, "/api/jobs/statuses", "code"),
            _ids(client, owner, "/api/jobs/priorities", "priority_name"),
            _ids(client, owner, "/api/jobs/types", "job_type_name")["Plumbing"],
            address.json()["data"]["ID"],
        )


def _job(stack: Stack, office: Office, priority: str, title: str) -> dict[str, Any]:
    with stack.client() as client:
        made = client.post(
            "/api/jobs/manage", headers=write_headers(client, office.owner),
            json={
                "action": "create", "job_title": title, "job_description": "Leak",
                "status_id": office.statuses["open"], "priority_id": office.priorities[priority],
                "job_type_id": office.job_type_id, "address_id": office.address_id,
            },
        )  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


def _move(stack: Stack, office: Office, job: dict[str, Any], code: str) -> None:
    with stack.client() as client:
        moved = client.post(
            "/api/jobs/manage", headers=write_headers(client, office.owner),
            json={"action": "update", "uuid": job["uuid"], "status_id": office.statuses[code]},
        )  # fmt: skip
    assert moved.status_code == 200, moved.text


def _opened_at(stack: Stack, job: dict[str, Any], when: datetime) -> None:
    """Move a job's whole status history, and so its clock's start, back to `when`, as if it
    was all made then."""
    stack.execute(
        update(JobStatusChange).where(JobStatusChange.job_id == job["ID"]).values(changed_at=when)
    )
    stack.execute(update(Job).where(Job.id == job["ID"]).values(clock_started_at=when))


def _sla(client: httpx.Client, caller: Tenant, **params: Any) -> httpx.Response:
    return client.get(SLA, headers=bearer(caller), params=params)


@dataclass
class Jobs:
    """One company's jobs, one in each situation, by what they show."""

    office: Office
    fresh: dict[str, Any]
    overdue: dict[str, Any]
    breached: dict[str, Any]
    paused: dict[str, Any]
    over_christmas: dict[str, Any]
    unmeasured: dict[str, Any]
    completed: dict[str, Any]


@pytest.fixture(scope="module")
def jobs(server: Stack) -> Jobs:
    office = _office(server, "Acacia Lettings")
    owner = office.owner
    with server.client() as client:
        # Normal: respond within 1 working day, complete within 2; Planned: no targets.
        normal = client.post(
            "/api/jobs/priorities", headers=write_headers(client, owner),
            json={"action": "update", "ID": office.priorities["Normal"], "response_target": 1,
                  "response_clock": "working_days", "completion_target": 2,
                  "completion_clock": "working_days"},
        )  # fmt: skip
        assert normal.status_code == 200, normal.text
        planned = client.post(
            "/api/jobs/priorities", headers=write_headers(client, owner),
            json={"action": "create", "name": "Planned"},
        )  # fmt: skip
        assert planned.status_code == 201, planned.text
    office.priorities["Planned"] = planned.json()["data"]["ID"]
    now = datetime.now(UTC)
    made = Jobs(
        office=office,
        fresh=_job(server, office, "Emergency", "Burst pipe"),
        overdue=_job(server, office, "Emergency", "No heating"),
        breached=_job(server, office, "Emergency", "Roof leak"),
        paused=_job(server, office, "Emergency", "Boiler part"),
        over_christmas=_job(server, office, "Normal", "Dripping tap"),
        unmeasured=_job(server, office, "Planned", "Repaint hall"),
        completed=_job(server, office, "Emergency", "Blocked drain"),
    )
    # Emergency: respond within 2 hours, complete within 24 (calendar hours).
    _opened_at(server, made.overdue, now - timedelta(hours=3))
    _opened_at(server, made.breached, datetime(2020, 3, 2, 9, tzinfo=UTC))
    _move(server, office, made.paused, "parts_on_order")
    # Christmas Eve 2025 is a Wednesday; the 25th, 26th, 27th and 28th are not working days.
    _opened_at(server, made.over_christmas, datetime(2025, 12, 24, 10, tzinfo=UTC))
    _move(server, office, made.completed, "completed")
    return made


def _by_uuid(answer: httpx.Response) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {item["uuid"]: item for item in answer.json()["data"]}


def test_each_open_job_is_answered_with_its_deadlines_and_state(server: Stack, jobs: Jobs) -> None:
    with server.client() as client:
        answer = _sla(client, jobs.office.owner)
    body = answer.json()
    assert (body["success"], body["message"]) == (True, "SLA status retrieved")
    assert (body["count"], body["total"]) == (6, 6)
    found = _by_uuid(answer)
    assert jobs.completed["uuid"] not in found
    assert all(set(item) == FIELDS for item in found.values())
    fresh = found[jobs.fresh["uuid"]]
    assert fresh.items() >= {
        "ID": jobs.fresh["ID"], "job_ref": jobs.fresh["job_ref"], "job_title": "Burst pipe",
        "priority_name": "Emergency", "state": "within", "measured": True, "window": "response",
        "at_risk": False, "responded_at": None, "completed_at": None, "seconds_exceeded": 0,
        "paused": False,
    }.items()  # fmt: skip
    assert 0 < fresh["seconds_remaining"] <= 7200
    created = datetime.fromisoformat(jobs.fresh["created_at"])
    assert datetime.fromisoformat(fresh["response_due_at"]) - created == timedelta(hours=2)
    assert datetime.fromisoformat(fresh["completion_due_at"]) - created == timedelta(hours=24)
    overdue = found[jobs.overdue["uuid"]]
    assert (overdue["state"], overdue["window"], overdue["at_risk"]) == (
        "overdue", "response", False,
    )  # fmt: skip
    assert overdue["seconds_remaining"] < 0 < overdue["seconds_exceeded"]
    breached = found[jobs.breached["uuid"]]
    assert (breached["state"], breached["completion_due_at"]) == (
        "breached", "2020-03-03T09:00:00Z",
    )  # fmt: skip
    paused = found[jobs.paused["uuid"]]
    assert (paused["state"], paused["paused"], paused["window"]) == ("within", True, "completion")
    assert paused["responded_at"] is not None
    christmas = found[jobs.over_christmas["uuid"]]
    assert christmas.items() >= {
        "priority_name": "Normal", "response_due_at": "2025-12-29T17:30:00Z",
        "completion_due_at": "2025-12-30T17:30:00Z", "state": "breached",
    }.items()  # fmt: skip
    unmeasured = found[jobs.unmeasured["uuid"]]
    assert unmeasured.items() >= {
        "state": None, "measured": False, "window": None, "seconds_remaining": None,
        "response_due_at": None, "completion_due_at": None, "at_risk": False,
    }.items()  # fmt: skip


def test_the_most_urgent_come_first_and_pages_follow(server: Stack, jobs: Jobs) -> None:
    with server.client() as client:
        whole = [item["uuid"] for item in _sla(client, jobs.office.owner).json()["data"]]
        page = _sla(client, jobs.office.owner, limit=2, offset=1).json()
    assert [whole[0], whole[1]] == [jobs.breached["uuid"], jobs.over_christmas["uuid"]]
    assert whole[2] == jobs.overdue["uuid"]
    assert whole[-1] == jobs.unmeasured["uuid"]
    assert ([item["uuid"] for item in page["data"]], page["count"], page["total"]) == (
        whole[1:3], 2, 6,
    )  # fmt: skip


def test_a_state_filter_keeps_only_jobs_in_that_state(server: Stack, jobs: Jobs) -> None:
    with server.client() as client:
        breached = _by_uuid(_sla(client, jobs.office.owner, state="breached"))
        overdue = _by_uuid(_sla(client, jobs.office.owner, state="overdue"))
        within = _by_uuid(_sla(client, jobs.office.owner, state="within"))
    assert set(breached) == {jobs.breached["uuid"], jobs.over_christmas["uuid"]}
    assert set(overdue) == {jobs.overdue["uuid"]}
    assert set(within) == {jobs.fresh["uuid"], jobs.paused["uuid"]}


def test_one_job_is_answered_whatever_its_stage(server: Stack, jobs: Jobs) -> None:
    with server.client() as client:
        done = _sla(client, jobs.office.owner, job_uuid=jobs.completed["uuid"])
        by_id = _sla(client, jobs.office.owner, job_id=jobs.fresh["ID"])
        filtered = _sla(client, jobs.office.owner, job_uuid=jobs.fresh["uuid"], state="breached")
    assert (done.json()["count"], done.json()["total"]) == (1, 1)
    [item] = done.json()["data"]
    assert (item["uuid"], item["state"], item["window"]) == (jobs.completed["uuid"], "within", None)
    assert item["completed_at"] is not None
    assert item["seconds_remaining"] is None
    assert [found["uuid"] for found in by_id.json()["data"]] == [jobs.fresh["uuid"]]
    assert (filtered.status_code, filtered.json()["data"]) == (200, [])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "late"}, "state"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"),
     ({"limit": "ten"}, "limit"), ({"job_id": "first"}, "job_id")],
)  # fmt: skip
def test_bad_parameters_are_refused_naming_them(
    server: Stack, jobs: Jobs, params: dict[str, Any], field: str
) -> None:
    with server.client() as client:
        refused = _sla(client, jobs.office.owner, **params)
    assert refused.status_code == 400, refused.text
    assert refused.json()["success"] is False
    assert field in refused.json()["error"]


def test_another_companys_job_answers_exactly_as_a_missing_one(server: Stack, jobs: Jobs) -> None:
    rival = _office(server, "Rival Repairs")
    theirs = _job(server, rival, "Emergency", "Their job")
    with server.client() as client:
        foreign = _sla(client, jobs.office.owner, job_uuid=theirs["uuid"])
        missing = _sla(client, jobs.office.owner, job_uuid=str(uuid.uuid4()))
        their_list = _by_uuid(_sla(client, rival.owner))
        by_id = _sla(client, jobs.office.owner, job_id=theirs["ID"])
    assert foreign.status_code == missing.status_code == by_id.status_code == 404
    assert foreign.json() == missing.json() == by_id.json()
    assert set(their_list) == {theirs["uuid"]}


@pytest.mark.parametrize("role", ["viewer", "contractor", "agent"])
def test_it_needs_the_jobs_manage_permission(server: Stack, jobs: Jobs, role: str) -> None:
    someone = server.new_colleague(jobs.office.owner, role)
    with server.client() as client:
        refused = _sla(client, someone)
    assert refused.status_code == 403, refused.text
    assert refused.json()["permission"] == "api.jobs.manage.manage"


def test_staff_see_every_job_of_the_company_and_strangers_nothing(
    server: Stack, jobs: Jobs
) -> None:
    staff = server.new_colleague(jobs.office.owner, "staff")
    with server.client() as client:
        seen = _sla(client, staff).json()["total"]
        stranger = client.get(SLA, headers={"Authorization": "Bearer not-a-key"})
    assert seen == 6
    assert stranger.status_code == 401
