"""Approval gates: a company's rule (set by `jobshots company update` or by a manager over the
API) holds some jobs before a status until a manager approves them at `/api/jobs/approval-gate`;
every path that moves a job meets the gate. Driven over HTTP and the CLI against a real server
on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from jobshots.db.models import (
    ApprovalDecision,
    AuditEvent,
    Job,
    JobPriority,
    JobStatus,
    JobStatusChange,
    JobType,
    PropertyAddress,
)
from tests.support.maintenance import bearer, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
MANAGE = "/api/jobs/manage"
GATE = "/api/jobs/approval-gate"
RULE = "/api/jobs/approval-gate-rule"


@dataclass
class Office:
    """A company, its people by role, and its statuses', types' and address's ids by name."""

    owner: Tenant
    people: dict[str, Tenant]
    ids: dict[str, int]

    def cli_gate(self, stack: Stack, *options: str, check: bool = True) -> Any:
        """`jobshots company update` of this company with gate options."""
        return stack.server.cli(
            "company", "update", str(self.owner.company_id), *options, check=check
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"gates-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


def _office(stack: Stack, name: str = "Gatehouse Lettings") -> Office:
    owner = stack.new_tenant(name)
    company = owner.company_id
    stack.execute(
        insert(PropertyAddress).values(
            uuid=uuid.uuid4(), company_id=company, line1="3 Mill Lane", line2="",
            city="York", postcode="YO1 7HH", country="GB",
        )
    )  # fmt: skip
    ids: dict[str, int] = {}
    for model in (JobStatus, JobType, JobPriority):
        rows = stack.rows(select(model.name, model.id).where(model.company_id == company))
        ids.update({str(key): int(value) for key, value in rows})
    [address] = stack.scalars(
        select(PropertyAddress.id).where(PropertyAddress.company_id == company)
    )
    ids["address"] = int(address)
    people = {role: stack.new_colleague(owner, role) for role in ("manager", "staff")}
    return Office(owner, people, ids)


def _create(
    client: httpx.Client, office: Office, job_type: str, budget: Any, status: str = "Open"
) -> httpx.Response:
    body = {
        "action": "create", "job_title": "Replace boiler", "job_description": "No heating",
        "status_id": office.ids[status], "priority_id": office.ids["Normal"],
        "job_type_id": office.ids[job_type], "address_id": office.ids["address"],
        "job_total_budget": budget,
    }  # fmt: skip
    return client.post(MANAGE, headers=write_headers(client, office.owner), json=body)


def _job(client: httpx.Client, office: Office, job_type: str, budget: Any) -> dict[str, Any]:
    made = _create(client, office, job_type, budget)
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


def _move(client: httpx.Client, office: Office, job: dict[str, Any], status: str) -> httpx.Response:
    body = {"action": "update", "uuid": job["uuid"], "status_id": office.ids[status]}
    return client.post(MANAGE, headers=write_headers(client, office.owner), json=body)


def _get(client: httpx.Client, caller: Tenant, job: dict[str, Any]) -> dict[str, Any]:
    params = {"action": "get", "uuid": job["uuid"]}
    got = client.get(MANAGE, headers=bearer(caller), params=params)
    assert got.status_code == 200, got.text
    return dict(got.json()["data"])


def _decide(
    client: httpx.Client, caller: Tenant, job: dict[str, Any], decision: str, notes: str = ""
) -> httpx.Response:
    body = {"job_uuid": job["uuid"], "decision": decision, "notes": notes}
    return client.post(GATE, headers=write_headers(client, caller), json=body)


def _rule(client: httpx.Client, caller: Tenant) -> httpx.Response:
    return client.get(RULE, headers=bearer(caller))


def _set_rule(client: httpx.Client, caller: Tenant, body: dict[str, Any]) -> httpx.Response:
    return client.post(RULE, headers=write_headers(client, caller), json=body)


def _status_changes(stack: Stack, job: dict[str, Any]) -> int:
    [count] = stack.scalars(
        select(func.count()).select_from(JobStatusChange).where(JobStatusChange.job_id == job["ID"])
    )
    return int(count)


def _decisions(stack: Stack, company_id: int) -> int:
    [count] = stack.scalars(
        select(func.count())
        .select_from(ApprovalDecision)
        .where(ApprovalDecision.company_id == company_id)
    )
    return int(count)


def test_the_cli_sets_changes_and_removes_the_rule(stack: Stack) -> None:
    office = _office(stack)
    done = office.cli_gate(
        stack, "--approval-gate-status", "assigned", "--approval-gate-budget", "500",
        "--approval-gate-types", "Plumbing, roofing", "--vat-rate", "17.5",
    )  # fmt: skip
    assert "approval gate: at 'Assigned' for jobs of type Plumbing, Roofing and with a client " \
        "budget over 500.00" in done.stdout  # fmt: skip
    assert "company updated" in done.stdout
    with stack.client() as client:
        rule = _rule(client, office.owner).json()["data"]
        assert (rule["status_id"], rule["status_name"], rule["stage"]) == (
            office.ids["Assigned"], "Assigned", "assigned"
        )  # fmt: skip
        assert rule["budget_over"] == 500
        assert sorted(rule["job_type_ids"]) == sorted(
            [office.ids["Plumbing"], office.ids["Roofing"]]
        )
        # The plan options given with it still apply.
        assert _job(client, office, "Electrical", 10)["vat_percentage"] == 17.5
        dropped = office.cli_gate(stack, "--approval-gate-budget", "")
        assert "for jobs of type Plumbing, Roofing\n" in dropped.stdout
        assert _rule(client, office.owner).json()["data"]["budget_over"] is None
        office.cli_gate(stack, "--approval-gate-types", "")
        everything = office.cli_gate(stack, "--approval-gate-status", "In Progress")
        assert "at 'In Progress' for jobs of every kind" in everything.stdout
        removed = office.cli_gate(stack, "--approval-gate-status", "")
        assert "approval gate: none" in removed.stdout
        assert _rule(client, office.owner).json()["data"] is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--approval-gate-status", "Nowhere"),
         "'Nowhere' is not one of the company's statuses: Open"),
        (("--approval-gate-status", "Assigned", "--approval-gate-types", "Plumbing,Pottery"),
         "'Pottery' is not one of the company's job types: General maintenance"),
        (("--approval-gate-status", "Assigned", "--approval-gate-budget", "12.345"),
         "budget_over must be to the penny"),
        (("--approval-gate-status", "Assigned", "--approval-gate-budget", "lots"),
         "budget_over must be an amount"),
        (("--approval-gate-budget", "100"), "a new approval gate needs the status it guards"),
    ],
    ids=["unknown-status", "unknown-type", "sub-penny", "not-a-number", "no-status"],
)  # fmt: skip
def test_cli_errors_name_the_problem_and_change_nothing(
    stack: Stack, options: tuple[str, ...], message: str
) -> None:
    office = _office(stack)
    refused = office.cli_gate(stack, *options, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ")
    assert message in refused.stderr
    with stack.client() as client:
        assert _rule(client, office.owner).json()["data"] is None
    unknown = stack.server.cli(
        "company", "update", "999999", "--approval-gate-status", "Assigned", check=False
    )
    assert unknown.returncode == 1


def test_held_jobs_show_their_gate_and_others_show_none(stack: Stack) -> None:
    office = _office(stack)
    office.cli_gate(
        stack, "--approval-gate-status", "Assigned", "--approval-gate-budget", "500",
        "--approval-gate-types", "Plumbing,Roofing",
    )  # fmt: skip
    with stack.client() as client:
        held = _job(client, office, "Plumbing", 750)
        gate = held["approval_gate"]
        assert gate == {
            "status": "pending", "gate_status_id": office.ids["Assigned"],
            "gate_status_name": "Assigned", "decided_by": None, "decided_by_name": None,
            "decided_at": None, "notes": "",
        }  # fmt: skip
        # Every condition must match: the type, and a budget above (not at) the threshold.
        for job_type, budget in (("Plumbing", 500), ("Electrical", 750), ("Roofing", None)):
            assert _job(client, office, job_type, budget)["approval_gate"] is None
        listed = client.get(
            MANAGE, headers=bearer(office.owner), params={"action": "list", "limit": 200}
        ).json()["data"]
        gates = {item["uuid"]: item["approval_gate"] for item in listed}
        assert gates[held["uuid"]]["status"] == "pending"
        assert sum(1 for gate in gates.values() if gate is not None) == 1
        # Raising a job's budget over the threshold puts it behind the gate.
        cheap = _job(client, office, "Plumbing", 100)
        raised = client.post(
            MANAGE, headers=write_headers(client, office.owner),
            json={"action": "update", "uuid": cheap["uuid"], "job_total_budget": 900},
        )  # fmt: skip
        assert raised.json()["data"]["approval_gate"]["status"] == "pending"


def test_a_held_job_reaches_its_gate_only_once_approved(stack: Stack) -> None:
    office = _office(stack)
    office.cli_gate(
        stack, "--approval-gate-status", "Assigned", "--approval-gate-types", "Plumbing"
    )
    with stack.client() as client:
        job = _job(client, office, "Plumbing", 750)
        before = _status_changes(stack, job)
        for status in ("Assigned", "In Progress", "Completed", "Cancelled"):
            refused = _move(client, office, job, status)
            assert refused.status_code == 409, (status, refused.text)
            error = refused.json()["error"]
            assert f"cannot move to '{status}'" in error
            assert "the approval gate at 'Assigned'" in error
            assert "(the gate is pending)" in error
        assert _get(client, office.owner, job)["status_name"] == "Open"
        assert _status_changes(stack, job) == before
        # A status before the gate is still open to it.
        assert _move(client, office, job, "Awaiting approval").status_code == 200
        rejected = _decide(client, office.owner, job, "reject", "Get a second quote")
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["data"]["status"] == "rejected"
        refused = _move(client, office, job, "Assigned")
        assert refused.status_code == 409
        assert "(the gate is rejected)" in refused.json()["error"]
        approved = _decide(client, office.people["manager"], job, "approve", "Second quote in")
        assert approved.status_code == 200, approved.text
        gate = approved.json()["data"]
        assert (gate["status"], gate["notes"]) == ("approved", "Second quote in")
        assert gate["decided_by_name"] == office.people["manager"].owner_email
        assert gate["decided_at"].endswith("Z")
        assert _get(client, office.owner, job)["approval_gate"] == gate
        assert _move(client, office, job, "Assigned").status_code == 200
        assert _move(client, office, job, "In Progress").status_code == 200
        # The latest decision stands: rejected again, the job may go no further.
        assert _decide(client, office.owner, job, "rejected").status_code == 200
        assert _move(client, office, job, "Completed").status_code == 409
        assert _get(client, office.owner, job)["status_name"] == "In Progress"
    events = stack.rows(
        select(AuditEvent.action, AuditEvent.data)
        .where(AuditEvent.job_id == job["ID"], AuditEvent.action.like("approval_gate.%"))
        .order_by(AuditEvent.id)
    )
    assert [action for action, _ in events] == [
        "approval_gate.rejected", "approval_gate.approved", "approval_gate.rejected"
    ]  # fmt: skip
    assert events[1][1]["before"] == "rejected"
    assert events[1][1]["after"] == "approved"
    assert events[1][1]["notes"] == "Second quote in"


def test_a_job_created_straight_into_or_past_the_gate_is_refused(stack: Stack) -> None:
    office = _office(stack)
    office.cli_gate(stack, "--approval-gate-status", "Assigned", "--approval-gate-budget", "1000")
    company = office.owner.company_id
    count = select(func.count()).select_from(Job).where(Job.company_id == company)
    with stack.client() as client:
        for status in ("Assigned", "In Progress"):
            refused = _create(client, office, "Roofing", 2500, status)
            assert refused.status_code == 409, refused.text
            assert "the approval gate at 'Assigned'" in refused.json()["error"]
        assert stack.scalars(count) == [0]
        # One the rule does not hold may start anywhere.
        assert _create(client, office, "Roofing", 999, "Assigned").status_code == 201
    assert stack.scalars(count) == [1]


def test_deciding_needs_a_held_job_a_manager_csrf_and_ones_own_company(stack: Stack) -> None:
    office = _office(stack)
    rival = _office(stack, "Rival Lettings")
    office.cli_gate(
        stack, "--approval-gate-status", "Assigned", "--approval-gate-types", "Plumbing"
    )
    with stack.client() as client:
        held = _job(client, office, "Plumbing", 750)
        free = _job(client, office, "Electrical", 750)
        not_held = _decide(client, office.owner, free, "approve")
        assert not_held.status_code == 400
        assert "job_uuid names a job no approval gate holds" in not_held.json()["error"]
        staff = _decide(client, office.people["staff"], held, "approve")
        assert staff.status_code == 403
        assert staff.json()["permission"] == "api.jobs.approval_gate.manage"
        contractor = stack.new_colleague(office.owner, "contractor")
        assert _decide(client, contractor, held, "approve").status_code == 403
        for job in (held, {"uuid": str(uuid.uuid4())}):
            assert _decide(client, rival.owner, job, "approve").status_code == 404
        unsure = _decide(client, office.owner, held, "maybe")
        assert unsure.status_code == 400
        assert "decision" in unsure.json()["error"]
        nameless = client.post(
            GATE, headers=write_headers(client, office.owner), json={"decision": "approve"}
        )
        assert nameless.status_code == 400
        assert "job_id" in nameless.json()["error"]
        forged = {**bearer(office.owner), "X-CSRF-Token": "1999999999.forged"}
        for headers in (bearer(office.owner), forged):
            body = {"job_uuid": held["uuid"], "decision": "approve"}
            refused = client.post(GATE, headers=headers, json=body)
            assert refused.status_code == 403
            assert "CSRF" in refused.json()["error"]
        assert _decisions(stack, office.owner.company_id) == 0
        assert _get(client, office.owner, held)["approval_gate"]["status"] == "pending"
        # The gate is read on its own too, by anyone who reads the job.
        read = client.get(
            GATE, headers=bearer(office.people["staff"]), params={"job_uuid": held["uuid"]}
        )
        assert read.json()["data"]["status"] == "pending"
        none = client.get(GATE, headers=bearer(office.owner), params={"job_id": free["ID"]})
        assert none.status_code == 200
        assert none.json()["data"] is None
        assert (
            client.get(
                GATE, headers=bearer(rival.owner), params={"job_uuid": held["uuid"]}
            ).status_code
            == 404
        )


def test_managers_set_the_rule_over_the_api(stack: Stack) -> None:
    office = _office(stack)
    rival = _office(stack, "Rival Lettings")
    manager, staff = office.people["manager"], office.people["staff"]
    with stack.client() as client:
        assert _rule(client, manager).json()["data"] is None
        no_status = _set_rule(client, manager, {"budget_over": 100})
        assert no_status.status_code == 400
        assert "status_id" in no_status.json()["error"]
        made = _set_rule(
            client, manager,
            {"status_id": office.ids["Assigned"], "job_type_ids": [office.ids["Plumbing"]]},
        )  # fmt: skip
        assert made.status_code == 200, made.text
        rule = made.json()["data"]
        assert (rule["status_name"], rule["budget_over"]) == ("Assigned", None)
        assert rule["job_types"] == [
            {"job_type_id": office.ids["Plumbing"], "job_type_name": "Plumbing"}
        ]
        # Only the fields sent change.
        raised = _set_rule(client, manager, {"budget_over": "250.50"}).json()["data"]
        assert (raised["status_name"], raised["budget_over"]) == ("Assigned", 250.5)
        assert raised["job_type_ids"] == [office.ids["Plumbing"]]
        assert _rule(client, office.owner).json()["data"] == raised
        bad: list[tuple[dict[str, Any], str]] = [
            ({"status_id": rival.ids["Assigned"]}, "status_id does not exist"),
            ({"status_id": "Assigned"}, "status_id must be a whole number"),
            ({"status_id": None}, "status_id must be a status id"),
            (
                {"job_type_ids": [rival.ids["Plumbing"]]},
                "job_type_ids names a job type that does not exist",
            ),
            ({"job_type_ids": "Plumbing"}, "job_type_ids must be a list of job type ids"),
            ({"budget_over": "1.234"}, "budget_over must be to the penny"),
            ({"budget_over": -5}, "budget_over must be an amount between 0"),
            ({"action": "toggle"}, "action must be set or delete"),
        ]
        for body, message in bad:
            refused = _set_rule(client, manager, body)
            assert refused.status_code == 400, (body, refused.text)
            assert message in refused.json()["error"], body
        assert _rule(client, manager).json()["data"] == raised
        for caller in (staff, stack.new_colleague(office.owner, "contractor")):
            assert _rule(client, caller).status_code == 403
            refused = _set_rule(client, caller, {"budget_over": 1})
            assert refused.status_code == 403
            assert refused.json()["permission"] == "api.jobs.approval_gate_rule.manage"
        without = client.post(RULE, headers=bearer(manager), json={"budget_over": 1})
        assert without.status_code == 403
        assert "CSRF" in without.json()["error"]
        # Another company's rule is its own: the rival still has none.
        assert _rule(client, rival.owner).json()["data"] is None
        # With no condition left, the gate holds every job.
        _set_rule(client, manager, {"budget_over": None, "job_type_ids": []})
        assert _job(client, office, "Electrical", None)["approval_gate"]["status"] == "pending"
        removed = _set_rule(client, manager, {"action": "delete"})
        assert removed.status_code == 200
        assert removed.json()["data"] is None
        assert _rule(client, manager).json()["data"] is None
        assert _job(client, office, "Electrical", None)["approval_gate"] is None
    changes = stack.scalars(
        select(AuditEvent.action).where(
            AuditEvent.company_id == office.owner.company_id,
            AuditEvent.entity_type == "approval_rule",
        )
    )
    assert changes == ["approval_rule.changed"] * 3 + ["approval_rule.removed"]


def test_an_approved_amendment_of_the_status_meets_the_gate_too(stack: Stack) -> None:
    office = _office(stack)
    office.cli_gate(
        stack, "--approval-gate-status", "Assigned", "--approval-gate-types", "Plumbing"
    )
    with stack.client() as client:
        job = _job(client, office, "Plumbing", 750)
        proposed = client.post(
            "/api/jobs/amend-request", headers=write_headers(client, office.people["staff"]),
            json={"job_uuid": job["uuid"], "field_name": "status_id",
                  "requested_value": str(office.ids["Assigned"]), "reason": "Contractor found"},
        )  # fmt: skip
        assert proposed.status_code == 201, proposed.text
        request = proposed.json()["data"]
        approve = {"uuid": request["uuid"], "status": "approved"}
        refused = client.patch(
            "/api/jobs/amend-request", headers=write_headers(client, office.owner), json=approve
        )
        assert refused.status_code == 409
        assert "the approval gate at 'Assigned'" in refused.json()["error"]
        listed = client.get(
            "/api/jobs/amend-request",
            headers=bearer(office.owner),
            params={"uuid": request["uuid"]},
        )
        assert listed.json()["data"][0]["status"] == "pending"
        assert _get(client, office.owner, job)["status_name"] == "Open"
        assert _decide(client, office.owner, job, "approve").status_code == 200
        approved = client.patch(
            "/api/jobs/amend-request", headers=write_headers(client, office.owner), json=approve
        )
        assert approved.status_code == 200, approved.text
        assert _get(client, office.owner, job)["status_name"] == "Assigned"


def test_a_recall_meets_the_gate_too(stack: Stack) -> None:
    office = _office(stack)
    with stack.client() as client:
        job = _job(client, office, "Plumbing", 750)
        assert _move(client, office, job, "Completed").status_code == 200
        # The rule comes in after the job was done: reopening it now needs an approval.
        office.cli_gate(stack, "--approval-gate-status", "In Progress")
        body = {"job_uuid": job["uuid"], "is_recall": 1, "reason": "Leak is back"}
        recall = "/api/jobs/recall"
        refused = client.post(recall, headers=write_headers(client, office.owner), json=body)
        assert refused.status_code == 409, refused.text
        assert "the approval gate at 'In Progress'" in refused.json()["error"]
        assert _get(client, office.owner, job)["status_name"] == "Completed"
        assert _decide(client, office.owner, job, "approve").status_code == 200
        reopened = client.post(recall, headers=write_headers(client, office.owner), json=body)
        assert reopened.status_code == 200, reopened.text


def test_the_gates_status_cannot_be_deleted_while_the_rule_names_it(stack: Stack) -> None:
    office = _office(stack, "Kept Gate Lettings")
    with stack.client() as client:
        made = _set_rule(client, office.owner, {"status_id": office.ids["Assigned"]})
        assert made.status_code == 200, made.text
        refused = client.post(
            "/api/jobs/statuses", headers=write_headers(client, office.owner),
            json={"action": "delete", "ID": office.ids["Assigned"]},
        )  # fmt: skip
        rule = _rule(client, office.owner)
    assert refused.status_code == 409, refused.text
    assert "approval gate" in refused.json()["error"]
    assert rule.json()["data"]["status_name"] == "Assigned"
