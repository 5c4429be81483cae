"""Amendments of the maintenance API (`/api/jobs/amend-request`, `/api/jobs/amendable-fields`):
who may propose what, a manager's decision applied to the job, and the refusals, driven over
HTTP against a real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from jobshots.db.models import (
    AmendmentRequest,
    AuditEvent,
    JobPriority,
    JobStatus,
    JobType,
    PropertyAddress,
    TimeRange,
    User,
)
from tests.support.maintenance import bearer, write_headers
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
MANAGE = "/api/jobs/manage"
REQUESTS = "/api/jobs/amend-request"
FIELDS = "/api/jobs/amendable-fields"


@dataclass
class Office:
    """A company, its people by role, and its reference data's ids by name."""

    owner: Tenant
    people: dict[str, Tenant]
    user_ids: dict[str, int]
    ids: dict[str, int]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"amendments-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


@pytest.fixture(scope="module")
def office(stack: Stack) -> Office:
    return _office(stack, "Acacia Lettings")


def _office(stack: Stack, name: str) -> Office:
    owner = stack.new_tenant(name)
    company = owner.company_id
    stack.execute(
        insert(PropertyAddress).values(
            uuid=uuid.uuid4(), company_id=company, line1="12 Acacia Avenue", line2="",
            city="Leeds", postcode="LS1 4AP", country="GB",
        )
    )  # fmt: skip
    ids: dict[str, int] = {}
    labels = (
        (JobStatus.name, JobStatus.id, JobStatus.company_id),
        (JobPriority.name, JobPriority.id, JobPriority.company_id),
        (JobType.name, JobType.id, JobType.company_id),
        (TimeRange.name, TimeRange.id, TimeRange.company_id),
        (PropertyAddress.line1, PropertyAddress.id, PropertyAddress.company_id),
    )
    for label, key, owner_id in labels:
        rows = stack.rows(select(label, key).where(owner_id == company))
        ids.update({str(name): int(value) for name, value in rows})
    people = {
        role: stack.new_colleague(owner, role)
        for role in ("manager", "staff", "contractor", "agent")
    }
    user_ids = {role: _user_id(stack, person) for role, person in people.items()}
    return Office(owner, people, user_ids, ids)


def _user_id(stack: Stack, person: Tenant) -> int:
    [found] = stack.scalars(select(User.id).where(User.email == person.owner_email))
    return int(found)


def _job(client: httpx.Client, office: Office, **fields: Any) -> dict[str, Any]:
    """A job of the office's contractor and agent, as the owner creates it."""
    body = {
        "action": "create", "job_title": "Leaking gutter", "job_description": "Front elevation",
        "status_id": office.ids["Open"], "priority_id": office.ids["Normal"],
        "job_type_id": office.ids["Roofing"], "address_id": office.ids["12 Acacia Avenue"],
        "contractor_id": office.user_ids["contractor"], "agent_id": office.user_ids["agent"],
        "contractor_budget": 180, "job_total_budget": 300,
        "date_works_start_date": "2025-03-03", "date_works_end_date": "2025-03-07",
        "access_details": "Key with the neighbour", **fields,
    }  # fmt: skip
    made = client.post(MANAGE, headers=write_headers(client, office.owner), json=body)
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


def _get(client: httpx.Client, caller: Tenant, job_uuid: str) -> dict[str, Any]:
    got = client.get(MANAGE, headers=bearer(caller), params={"action": "get", "uuid": job_uuid})
    assert got.status_code == 200, got.text
    return dict(got.json()["data"])


def _propose(
    client: httpx.Client, caller: Tenant, job_uuid: str, field: str, value: Any, **extra: Any
) -> httpx.Response:
    body = {"job_uuid": job_uuid, "field_name": field, "requested_value": value,
            "reason": "Scaffolding needed", **extra}  # fmt: skip
    return client.post(REQUESTS, headers=write_headers(client, caller), json=body)


def _proposed(
    client: httpx.Client, caller: Tenant, job_uuid: str, field: str, value: Any
) -> dict[str, Any]:
    made = _propose(client, caller, job_uuid, field, value)
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


def _patch(client: httpx.Client, caller: Tenant, body: dict[str, Any]) -> httpx.Response:
    return client.patch(REQUESTS, headers=write_headers(client, caller), json=body)


def _requests(client: httpx.Client, caller: Tenant, **params: Any) -> httpx.Response:
    return client.get(REQUESTS, headers=bearer(caller), params=params)


def _request_row(stack: Stack, request_uuid: str) -> tuple[Any, ...]:
    [row] = stack.rows(
        select(AmendmentRequest.status, AmendmentRequest.decided_by_id).where(
            AmendmentRequest.uuid == uuid.UUID(request_uuid)
        )
    )
    return row


def _events(stack: Stack, job_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = stack.rows(
        select(AuditEvent.action, AuditEvent.data)
        .where(AuditEvent.job_id == job_id)
        .order_by(AuditEvent.id)
    )
    return [(str(action), dict(data)) for action, data in rows]


def test_each_role_is_offered_its_own_fields_with_values_and_options(
    stack: Stack, office: Office
) -> None:
    with stack.client() as client:
        job = _job(client, office)

        def offered(caller: Tenant) -> dict[str, dict[str, Any]]:
            answer = client.get(FIELDS, headers=bearer(caller), params={"job_uuid": job["uuid"]})
            assert answer.status_code == 200, answer.text
            assert answer.json()["count"] == len(answer.json()["data"])
            return {item["field_name"]: item for item in answer.json()["data"]}

        contractor = offered(office.people["contractor"])
        agent = offered(office.people["agent"])
        owner = offered(office.owner)
        staff = offered(office.people["staff"])
    assert list(contractor) == [
        "time_range_id", "contractor_budget", "date_works_start_date", "date_works_end_date"
    ]  # fmt: skip
    assert set(agent) == set(contractor) | {"job_total_budget", "priority_id"}
    budget = contractor["contractor_budget"]
    assert (budget["label"], budget["type"], budget["current_value"]) == (
        "Contractor budget", "money", "180.00"
    )  # fmt: skip
    assert budget["options"] is None
    assert contractor["date_works_end_date"]["current_value"] == "2025-03-07"
    slots = contractor["time_range_id"]
    assert slots["type"] == "reference"
    assert slots["current_value"] is None
    assert [item["name"] for item in slots["options"]] == [
        "Morning (8am-12pm)", "Afternoon (12pm-5pm)", "All day (8am-5pm)"
    ]  # fmt: skip
    assert agent["priority_id"]["current_value"] == str(office.ids["Normal"])
    assert {"id": office.ids["Normal"], "name": "Normal"} in agent["priority_id"]["options"]
    # The office may propose any field but the sealed ones.
    assert owner.keys() == staff.keys()
    assert {
        "job_title",
        "status_id",
        "contractor_id",
        "tenants_ids",
        "vat_percentage",
    } <= owner.keys()
    assert not owner.keys() & {"access_details", "private_contact_name", "private_contact_email"}
    assert owner["contractor_id"]["type"] == "person"
    assert owner["contractor_id"]["options"] == [
        {"id": office.user_ids["contractor"], "name": office.people["contractor"].owner_email}
    ]
    assert owner["address_id"]["options"] is None


def test_a_contractor_proposes_and_a_manager_approves_into_the_job(
    stack: Stack, office: Office
) -> None:
    contractor, manager = office.people["contractor"], office.people["manager"]
    with stack.client() as client:
        job = _job(client, office)
        made = _propose(client, contractor, job["uuid"], "contractor_budget", "220")
        assert made.status_code == 201, made.text
        request = made.json()["data"]
        assert made.json()["amend_request_id"] == request["ID"]
        assert (request["field_name"], request["current_value"], request["requested_value"]) == (
            "contractor_budget", "180.00", "220.00"
        )  # fmt: skip
        assert (request["status"], request["reason"]) == ("pending", "Scaffolding needed")
        assert request["job_uuid"] == job["uuid"]
        assert request["requested_by_name"] == contractor.owner_email
        assert request["requested_at"].endswith("Z")
        assert request["decided_by"] is None
        # Proposing changes nothing yet.
        assert _get(client, office.owner, job["uuid"])["contractor_budget"] == 180
        pending = _requests(client, contractor, job_uuid=job["uuid"], status="pending").json()
        assert [item["uuid"] for item in pending["data"]] == [request["uuid"]]
        decided = _patch(
            client,
            manager,
            {"uuid": request["uuid"], "status": "approved", "notes": "Agreed on site"},
        )
        assert decided.status_code == 200, decided.text
        approved = decided.json()["data"]
        assert (approved["status"], approved["notes"]) == ("approved", "Agreed on site")
        assert approved["decided_by"] == office.user_ids["manager"]
        assert approved["decided_by_name"] == manager.owner_email
        assert approved["decided_at"].endswith("Z")
        assert _get(client, office.owner, job["uuid"])["contractor_budget"] == 220
        by_uuid = _requests(client, office.owner, uuid=request["uuid"]).json()["data"]
        assert [item["status"] for item in by_uuid] == ["approved"]
        assert (
            _requests(client, contractor, job_uuid=job["uuid"], status="pending").json()["data"]
            == []
        )
    events = _events(stack, job["ID"])
    actions = [action for action, _ in events]
    assert actions[-3:] == ["amendment.requested", "job.updated", "amendment.approved"]
    updated = events[-2][1]
    assert updated["changes"] == [
        {"field": "contractor_budget", "before": "180.00", "after": "220.00"}
    ]
    assert events[-1][1]["before"] == "180.00"
    assert events[-1][1]["after"] == "220.00"


def test_a_post_rejects_by_the_integer_id_and_the_job_keeps_its_value(
    stack: Stack, office: Office
) -> None:
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["agent"], job["uuid"], "job_total_budget", "450.50"
        )
        rejected = client.post(
            REQUESTS, headers=write_headers(client, office.owner),
            json={"action": "reject", "amend_request_id": request["ID"], "job_uuid": job["uuid"],
                  "notes": "Over the landlord's limit"},
        )  # fmt: skip
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["data"]["status"] == "rejected"
        assert rejected.json()["data"]["notes"] == "Over the landlord's limit"
        assert _get(client, office.owner, job["uuid"])["job_total_budget"] == 300
        # Deciding twice is refused, either way round.
        again = client.post(
            REQUESTS, headers=write_headers(client, office.owner),
            json={"action": "approve", "amend_request_id": request["ID"]},
        )  # fmt: skip
        assert again.status_code == 409
        assert "already rejected" in again.json()["error"]
        assert (
            _patch(
                client, office.owner, {"uuid": request["uuid"], "status": "rejected"}
            ).status_code
            == 409
        )
        assert _get(client, office.owner, job["uuid"])["job_total_budget"] == 300
    assert [a for a, _ in _events(stack, job["ID"])][-1] == "amendment.rejected"


def test_a_request_whose_field_changed_since_cannot_be_approved(
    stack: Stack, office: Office
) -> None:
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["contractor"], job["uuid"], "date_works_end_date", "2025-03-14"
        )
        moved = client.post(
            MANAGE, headers=write_headers(client, office.owner),
            json={"action": "update", "uuid": job["uuid"], "date_works_end_date": "2025-03-10"},
        )  # fmt: skip
        assert moved.status_code == 200, moved.text
        refused = _patch(client, office.owner, {"uuid": request["uuid"], "status": "approved"})
        assert refused.status_code == 409
        assert "has changed since this request was made" in refused.json()["error"]
        assert _get(client, office.owner, job["uuid"])["date_works_end_date"] == "2025-03-10"
        assert _request_row(stack, request["uuid"]) == ("pending", None)
        # Rejecting it is still allowed.
        rejected = _patch(client, office.owner, {"uuid": request["uuid"], "status": "rejected"})
        assert rejected.status_code == 200, rejected.text


@pytest.mark.parametrize(
    ("role", "field", "status"),
    [
        ("contractor", "job_total_budget", 403),
        ("contractor", "priority_id", 403),
        ("agent", "job_title", 403),
        ("owner", "access_details", 403),
        ("staff", "private_contact_email", 403),
        ("owner", "colour", 400),
    ],
)
def test_a_field_outside_the_callers_set_is_refused_and_stores_nothing(
    stack: Stack, office: Office, role: str, field: str, status: int
) -> None:
    caller = office.owner if role == "owner" else office.people[role]
    with stack.client() as client:
        job = _job(client, office)
        refused = _propose(client, caller, job["uuid"], field, "1")
    assert refused.status_code == status, refused.text
    assert refused.json()["success"] is False
    if status == 400:
        assert "field_name" in refused.json()["error"]
    assert (
        stack.scalars(select(AmendmentRequest.id).where(AmendmentRequest.job_id == job["ID"])) == []
    )


def test_requested_values_are_checked_by_the_job_rules(stack: Stack, office: Office) -> None:
    other = _office(stack, "Rival Lettings")
    with stack.client() as client:
        job = _job(client, office)
        contractor = office.people["contractor"]
        cases = [
            ("contractor_budget", "12.345", "contractor_budget must be to the penny"),
            ("contractor_budget", "lots", "contractor_budget must be a number"),
            ("date_works_start_date", "next week", "date_works_start_date must be a date"),
            (
                "date_works_end_date",
                "2025-03-01",
                "date_works_end_date must not be before the start",
            ),
            ("time_range_id", str(other.ids["All day (8am-5pm)"]), "time_range_id does not exist"),
            ("time_range_id", "morning", "time_range_id must be a whole number"),
            ("contractor_budget", "180", "requested_value is already the job's value"),
        ]
        for field, value, message in cases:
            refused = _propose(client, contractor, job["uuid"], field, value)
            assert refused.status_code == 400, (field, value, refused.text)
            assert message in refused.json()["error"], (field, value)
        missing = [
            ({"field_name": "contractor_budget", "reason": "x"}, "requested_value"),
            ({"field_name": "contractor_budget", "requested_value": "200"}, "reason"),
            ({"requested_value": "200", "reason": "x"}, "field_name"),
        ]
        for body, named in missing:
            refused = client.post(
                REQUESTS,
                headers=write_headers(client, contractor),
                json={"job_uuid": job["uuid"], **body},
            )
            assert refused.status_code == 400, refused.text
            assert named in refused.json()["error"]
        unknown = client.post(
            REQUESTS, headers=write_headers(client, office.owner), json={"action": "amend"}
        )
        assert unknown.status_code == 400
        assert "action" in unknown.json()["error"]
    assert (
        stack.scalars(select(AmendmentRequest.id).where(AmendmentRequest.job_id == job["ID"])) == []
    )


def test_only_managers_and_owners_decide(stack: Stack, office: Office) -> None:
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["contractor"], job["uuid"], "contractor_budget", "199.99"
        )
        for role in ("staff", "contractor", "agent"):
            refused = _patch(
                client, office.people[role], {"uuid": request["uuid"], "status": "approved"}
            )
            assert refused.status_code == 403, (role, refused.text)
            assert refused.json()["permission"] in (
                "api.jobs.amend_request.approve", "api.jobs.amend_request.manage"
            )  # fmt: skip
        assert _request_row(stack, request["uuid"]) == ("pending", None)
        assert _get(client, office.owner, job["uuid"])["contractor_budget"] == 180
        approved = client.post(
            REQUESTS, headers=write_headers(client, office.owner),
            json={"action": "approve", "uuid": request["uuid"]},
        )  # fmt: skip
        assert approved.status_code == 200, approved.text
        assert _get(client, office.owner, job["uuid"])["contractor_budget"] == 199.99


def test_a_managers_key_holding_only_the_vendors_amendment_key_still_decides(
    stack: Stack, office: Office
) -> None:
    narrowed = stack.server.cli_json(
        "apikey", "create", "--company", str(office.owner.company_id),
        "--email", office.people["manager"].owner_email,
        "--permission", "api.jobs.amend_request.manage", "--permission", "api.jobs.manage.list",
    )  # fmt: skip
    key = Tenant(office.owner.company_id, office.owner.company_uuid, narrowed["api_key"], "")
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["agent"], job["uuid"], "priority_id", str(office.ids["High"])
        )
        approved = _patch(client, key, {"uuid": request["uuid"], "status": "approved"})
        assert approved.status_code == 200, approved.text
        assert _get(client, office.owner, job["uuid"])["priority_name"] == "High"


def test_writes_need_the_callers_csrf_token(stack: Stack, office: Office) -> None:
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["contractor"], job["uuid"], "contractor_budget", "210"
        )
        body = {"job_uuid": job["uuid"], "field_name": "contractor_budget",
                "requested_value": "230", "reason": "More"}  # fmt: skip
        forged = {**bearer(office.owner), "X-CSRF-Token": "1999999999.forged"}
        for headers in (bearer(office.people["contractor"]), forged):
            assert client.post(REQUESTS, headers=headers, json=body).status_code == 403
            decided = client.patch(
                REQUESTS, headers=headers, json={"uuid": request["uuid"], "status": "approved"}
            )
            assert decided.status_code == 403
            assert "CSRF" in decided.json()["error"]
        # The token is also taken from the body, on PATCH too.
        token = client.get("/api/security/csrf-token", headers=bearer(office.owner)).json()["data"][
            "token"
        ]
        decided = client.patch(
            REQUESTS, headers=bearer(office.owner),
            json={"uuid": request["uuid"], "status": "rejected", "csrf_token": token},
        )  # fmt: skip
        assert decided.status_code == 200, decided.text
    rows = stack.scalars(
        select(AmendmentRequest.status).where(AmendmentRequest.job_id == job["ID"])
    )
    assert rows == ["rejected"]


def test_another_companys_jobs_and_requests_answer_as_missing_ones(
    stack: Stack, office: Office
) -> None:
    rival = _office(stack, "Rival Lettings")
    with stack.client() as client:
        job = _job(client, office)
        request = _proposed(
            client, office.people["contractor"], job["uuid"], "contractor_budget", "205"
        )
        outsider = rival.owner
        missing = str(uuid.uuid4())
        for job_uuid in (job["uuid"], missing):
            assert (
                client.get(
                    FIELDS, headers=bearer(outsider), params={"job_uuid": job_uuid}
                ).status_code
                == 404
            )
            assert _requests(client, outsider, job_uuid=job_uuid).status_code == 404
            assert _propose(client, outsider, job_uuid, "contractor_budget", "1").status_code == 404
        for ref in ({"uuid": request["uuid"]}, {"uuid": missing}):
            refused = _patch(client, outsider, {**ref, "status": "approved"})
            assert refused.status_code == 404, refused.text
        by_id = client.post(
            REQUESTS, headers=write_headers(client, outsider),
            json={"action": "approve", "amend_request_id": request["ID"]},
        )  # fmt: skip
        assert by_id.status_code == 404
        assert _requests(client, outsider, uuid=request["uuid"]).json()["data"] == []
        # Another of the office's own jobs does not name this request either.
        elsewhere = _job(client, office)
        mismatched = client.post(
            REQUESTS, headers=write_headers(client, office.owner),
            json={"action": "approve", "amend_request_id": request["ID"],
                  "job_uuid": elsewhere["uuid"]},
        )  # fmt: skip
        assert mismatched.status_code == 404
    assert _request_row(stack, request["uuid"]) == ("pending", None)


def test_a_contractor_reaches_only_the_requests_of_their_jobs(stack: Stack, office: Office) -> None:
    with stack.client() as client:
        theirs = _job(client, office)
        not_theirs = _job(client, office, contractor_id=None, agent_id=None)
        mine = _proposed(
            client, office.people["contractor"], theirs["uuid"], "contractor_budget", "190"
        )
        office_request = _proposed(
            client, office.owner, not_theirs["uuid"], "job_title", "Gutter and downpipe"
        )
        contractor = office.people["contractor"]
        seen = {item["uuid"] for item in _requests(client, contractor, limit=200).json()["data"]}
        assert mine["uuid"] in seen
        assert office_request["uuid"] not in seen
        assert _requests(client, contractor, job_uuid=not_theirs["uuid"]).status_code == 404
        assert (
            client.get(
                FIELDS, headers=bearer(contractor), params={"job_uuid": not_theirs["uuid"]}
            ).status_code
            == 404
        )
        everything = {
            item["uuid"] for item in _requests(client, office.owner, limit=200).json()["data"]
        }
        assert {mine["uuid"], office_request["uuid"]} <= everything


def test_list_filters_and_paging(stack: Stack, office: Office) -> None:
    with stack.client() as client:
        job = _job(client, office)
        first = _proposed(client, office.owner, job["uuid"], "works_order_ref", "WO-1")
        second = _proposed(client, office.owner, job["uuid"], "invoice_no", "INV-2")
        _patch(client, office.owner, {"uuid": first["uuid"], "status": "approved"})
        listed = _requests(client, office.owner, job_uuid=job["uuid"]).json()
        assert [item["uuid"] for item in listed["data"]] == [second["uuid"], first["uuid"]]
        assert (listed["count"], listed["total"]) == (2, 2)
        approved = _requests(client, office.owner, job_uuid=job["uuid"], status="approved").json()
        assert [item["field_name"] for item in approved["data"]] == ["works_order_ref"]
        page = _requests(client, office.owner, job_uuid=job["uuid"], limit=1, offset=1).json()
        assert ([item["uuid"] for item in page["data"]], page["total"]) == ([first["uuid"]], 2)
        by_id_job = _requests(client, office.owner, job_id=job["ID"]).json()
        assert by_id_job["total"] == 2
        for params, named in (
            ({"status": "maybe"}, "status"),
            ({"limit": "x"}, "limit"),
            ({"offset": "-1"}, "offset"),
        ):
            refused = _requests(client, office.owner, **params)
            assert refused.status_code == 400
            assert named in refused.json()["error"]
        assert _requests(client, office.owner, uuid="not-a-uuid").json()["data"] == []
        assert _get(client, office.owner, job["uuid"])["works_order_ref"] == "WO-1"


def test_amendable_fields_need_the_permission_and_a_job(stack: Stack, office: Office) -> None:
    viewer = stack.new_colleague(office.owner, "viewer")
    with stack.client() as client:
        job = _job(client, office)
        refused = client.get(FIELDS, headers=bearer(viewer), params={"job_uuid": job["uuid"]})
        assert refused.status_code == 403
        assert refused.json()["permission"] == "api.jobs.amendable_fields.manage"
        assert _requests(client, viewer).status_code == 403
        assert _propose(client, viewer, job["uuid"], "job_title", "X").status_code == 403
        missing = client.get(FIELDS, headers=bearer(office.owner))
        assert missing.status_code == 400
        assert "job_id" in missing.json()["error"]
