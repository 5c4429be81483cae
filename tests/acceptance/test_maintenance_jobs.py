"""`/api/jobs/manage` of the maintenance API: create, get, search, update and delete jobs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from jobshots.db.models import (
    AuditEvent,
    Job,
    JobPriority,
    JobStatus,
    JobType,
    Photo,
    PropertyAddress,
    User,
)
from tests.support import images
from tests.support.maintenance import bearer as _read
from tests.support.maintenance import write_headers as _headers
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance
MANAGE = "/api/jobs/manage"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@dataclass
class Office:
    """A company seen through the maintenance API: its owner and its reference data's ids."""

    owner: Tenant
    statuses: dict[str, int]
    priorities: dict[str, int]
    types: dict[str, int]
    address_id: int

    def fields(self, **overrides: Any) -> dict[str, Any]:
        """A complete create body, as the vendor's reference writes one."""
        body = {
            "job_title": "Boiler service",
            "job_description": "Reported by the tenant",
            "status_id": self.statuses["open"],
            "priority_id": self.priorities["Normal"],
            "job_type_id": self.types["Gas & Heating"],
            "address_id": self.address_id,
        }
        return {**body, **overrides}


def _office(stack: Stack, name: str) -> Office:
    owner = stack.new_tenant(name)
    company = owner.company_id

    def ids(model: Any, key: Any) -> dict[str, int]:
        rows = stack.rows(select(key, model.id).where(model.company_id == company))
        return {str(name): int(item_id) for name, item_id in rows}

    stack.execute(
        insert(PropertyAddress).values(
            uuid=uuid.uuid4(), company_id=company, line1="12 Acacia Avenue", line2="",
            city="Leeds", postcode="LS1 4AP", country="GB",
        )
    )  # fmt: skip
    [address_id] = stack.scalars(
        select(PropertyAddress.id).where(PropertyAddress.company_id == company)
    )
    return Office(
        owner, ids(JobStatus, JobStatus.code), ids(JobPriority, JobPriority.name),
        ids(JobType, JobType.name), int(address_id),
    )  # fmt: skip


def _user_id(stack: Stack, person: Tenant) -> int:
    [found] = stack.scalars(select(User.id).where(User.email == person.owner_email))
    return int(found)


def _jobs(stack: Stack, company_id: int) -> int:
    [count] = stack.scalars(
        select(func.count()).select_from(Job).where(Job.company_id == company_id)
    )
    return int(count)


def _create(
    client: httpx.Client, office: Office, caller: Tenant | None = None, **fields: Any
) -> dict[str, Any]:
    made = client.post(
        MANAGE, headers=_headers(client, caller or office.owner),
        json={"action": "create", **office.fields(**fields)},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


@pytest.fixture(scope="module")
def office(single_stack: Stack) -> Office:
    return _office(single_stack, "Acacia Lettings")


def test_create_answers_201_with_the_job_every_field_and_the_company_vat(
    single_stack: Stack, office: Office
) -> None:
    with single_stack.client() as client:
        made = client.post(
            MANAGE, headers=_headers(client, office.owner),
            json={
                "action": "create", **office.fields(),
                "contractor_budget": 180, "job_total_budget": 250.10,
                "date_works_start_date": "2024-06-01", "date_works_end_date": "2024-06-02",
                "works_order_ref": "WO-77", "invoice_no": "INV-9", "quote_no": "Q-3",
                "access_details": "Key safe 4821", "private_contact_name": "Mrs Patel",
                "private_contact_email": "patel@example.com",
            },
        )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["success"], body["message"]) == (True, "Job created")
    job = body["data"]
    assert isinstance(job["ID"], int)
    assert uuid.UUID(job["uuid"])
    assert job["job_ref"].startswith("J")
    assert job["job_title"] == "Boiler service"
    assert (job["status_id"], job["status_name"], job["stage"]) == (
        office.statuses["open"], "Open", "new"
    )  # fmt: skip
    assert (job["priority_name"], job["job_type_name"]) == ("Normal", "Gas & Heating")
    assert job["full_address"] == "12 Acacia Avenue, Leeds, LS1 4AP"
    assert job["vat_percentage"] == 20
    assert job["contractor_budget"] == 180
    assert job["job_total_budget"] == 250.1
    assert job["total_amount"] == 216  # the contractor budget with VAT, when none is agreed
    assert (job["date_works_start_date"], job["date_works_end_date"]) == (
        "2024-06-01",
        "2024-06-02",
    )
    assert (job["works_order_ref"], job["invoice_no"], job["quote_no"]) == ("WO-77", "INV-9", "Q-3")
    assert job["access_details"] == "Key safe 4821"
    assert job["private_contact_email"] == "patel@example.com"
    assert (job["is_pinned"], job["photos_count"], job["documents_count"]) == (False, 0, 0)
    assert job["created_at"].endswith("Z")
    # The personal fields are sealed in the database: no plaintext there.
    raw = single_stack.scalars(
        select(Job.access_details_enc).where(Job.uuid == uuid.UUID(job["uuid"]))
    )
    assert b"Key safe" not in raw[0]


def test_money_is_kept_exact_and_refused_past_the_penny(
    single_stack: Stack, office: Office
) -> None:
    with single_stack.client() as client:
        job = _create(client, office, job_total_budget="1234567890.12", vat_percentage=17.5)
        assert job["job_total_budget"] == 1234567890.12
        assert job["vat_percentage"] == 17.5
        before = _jobs(single_stack, office.owner.company_id)
        refused = client.post(
            MANAGE, headers=_headers(client, office.owner),
            json={"action": "create", **office.fields(contractor_budget=10.005)},
        )  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["success"] is False
    assert "contractor_budget" in refused.json()["error"]
    assert _jobs(single_stack, office.owner.company_id) == before


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"job_title": None}, "job_title"),
        ({"job_description": None}, "job_description"),
        ({"status_id": None}, "status_id"),
        ({"priority_id": None}, "priority_id"),
        ({"job_type_id": None}, "job_type_id"),
        ({"address_id": None}, "address_id"),
        ({"status_id": 999_999}, "status_id"),
        ({"status_id": "open"}, "status_id"),
        ({"vat_percentage": 101}, "vat_percentage"),
        ({"date_works_start_date": "01/06/2024"}, "date_works_start_date"),
        (
            {"date_works_start_date": "2024-06-02", "date_works_end_date": "2024-06-01"},
            "date_works_end_date",
        ),
        ({"private_contact_email": "not an email"}, "private_contact_email"),
        ({"tenants_ids": [999_999]}, "tenants_ids"),
    ],
)
def test_a_bad_create_names_the_field_and_creates_nothing(
    single_stack: Stack, office: Office, change: dict[str, Any], named: str
) -> None:
    before = _jobs(single_stack, office.owner.company_id)
    body = {"action": "create", **office.fields(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    with single_stack.client() as client:
        refused = client.post(MANAGE, headers=_headers(client, office.owner), json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["success"] is False
    assert named in refused.json()["error"]
    assert _jobs(single_stack, office.owner.company_id) == before


def test_another_companys_reference_data_and_people_are_refused(
    single_stack: Stack, office: Office
) -> None:
    other = _office(single_stack, "Elsewhere Lettings")
    their_contractor = single_stack.new_colleague(other.owner, "contractor")
    before = _jobs(single_stack, office.owner.company_id)
    with single_stack.client() as client:
        for field, value in (
            ("status_id", other.statuses["open"]),
            ("address_id", other.address_id),
            ("contractor_id", _user_id(single_stack, their_contractor)),
        ):
            refused = client.post(
                MANAGE, headers=_headers(client, office.owner),
                json={"action": "create", **office.fields(**{field: value})},
            )  # fmt: skip
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"] == f"{field} does not exist"
    assert _jobs(single_stack, office.owner.company_id) == before


def test_get_and_update_change_only_the_fields_sent(single_stack: Stack, office: Office) -> None:
    with single_stack.client() as client:
        job = _create(client, office, works_order_ref="WO-1", access_details="Ring the bell")
        changed = client.post(
            MANAGE, headers=_headers(client, office.owner),
            json={"action": "update", "uuid": job["uuid"], "job_title": "Boiler repair",
                  "priority_id": office.priorities["Urgent"]},
        )  # fmt: skip
        assert changed.status_code == 200, changed.text
        got = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(office.owner)
        )
    assert got.status_code == 200
    after = got.json()["data"]
    assert (after["job_title"], after["priority_name"]) == ("Boiler repair", "Urgent")
    assert (after["works_order_ref"], after["access_details"]) == ("WO-1", "Ring the bell")
    assert after["job_description"] == job["job_description"]
    assert after["status_id"] == job["status_id"]
    assert changed.json()["data"] == after


def test_another_companys_job_answers_exactly_like_a_missing_one(
    single_stack: Stack, office: Office
) -> None:
    other = _office(single_stack, "Rival Lettings")
    with single_stack.client() as client:
        theirs = _create(client, other)
        answers = []
        for job_uuid in (theirs["uuid"], str(uuid.uuid4()), "not-a-uuid"):
            got = client.get(
                MANAGE, params={"action": "get", "uuid": job_uuid}, headers=_read(office.owner)
            )
            changed = client.post(
                MANAGE, headers=_headers(client, office.owner),
                json={"action": "update", "uuid": job_uuid, "job_title": "Mine now"},
            )  # fmt: skip
            deleted = client.post(
                MANAGE, headers=_headers(client, office.owner),
                json={"action": "delete", "uuid": job_uuid},
            )  # fmt: skip
            answers.append([(r.status_code, r.json()) for r in (got, changed, deleted)])
        still = client.get(
            MANAGE, params={"action": "get", "uuid": theirs["uuid"]}, headers=_read(other.owner)
        )
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == (404, {"success": False, "error": "job not found"})
    assert still.json()["data"] == theirs


def test_search_filters_and_paging(single_stack: Stack) -> None:
    office = _office(single_stack, "Search Lettings")
    contractor = single_stack.new_colleague(office.owner, "contractor")
    agent = single_stack.new_colleague(office.owner, "agent")
    staff = single_stack.new_colleague(office.owner, "staff")
    contractor_id, agent_id = _user_id(single_stack, contractor), _user_id(single_stack, agent)
    with single_stack.client() as client:
        leak = _create(
            client, office, job_title="Leaking tap", job_description="Kitchen mixer tap drips"
        )
        boiler = _create(
            client, office, job_title="Boiler service", contractor_id=contractor_id,
            priority_id=office.priorities["Urgent"], status_id=office.statuses["in_progress"],
        )  # fmt: skip
        damp = _create(
            client, office, staff, job_title="Damp survey",
            job_description="Bathroom boiler cupboard", agent_id=agent_id,
        )  # fmt: skip
        photographed = _create(client, office, job_title="Roof tiles")
        client.post(
            f"/api/v1/jobs/{photographed['uuid']}/photos", headers=_read(office.owner),
            data={"photo_type": "before"},
            files={"photos": ("roof.jpg", images.jpeg(), "image/jpeg")},
        )  # fmt: skip

        def found(**params: Any) -> list[str]:
            listed = client.get(
                MANAGE, params={"action": "list", **params}, headers=_read(office.owner)
            )
            assert listed.status_code == 200, listed.text
            body = listed.json()
            assert body["count"] == len(body["data"])
            return [job["uuid"] for job in body["data"]]

        assert found() == [photographed["uuid"], damp["uuid"], boiler["uuid"], leak["uuid"]]
        assert found(search="boiler") == [damp["uuid"], boiler["uuid"]]
        assert found(search="KITCHEN tap") == [leak["uuid"]]
        assert found(search=leak["job_ref"]) == [leak["uuid"]]
        assert found(search="100%") == []
        assert found(status_id=office.statuses["in_progress"]) == [boiler["uuid"]]
        assert found(priority_id=office.priorities["Urgent"]) == [boiler["uuid"]]
        assert found(contractor_id=contractor_id) == [boiler["uuid"]]
        assert found(agent_id=agent_id) == [damp["uuid"]]
        assert found(created_by=_user_id(single_stack, staff)) == [damp["uuid"]]
        assert found(has_photos="true") == [photographed["uuid"]]
        assert photographed["uuid"] not in found(has_photos="false")
        assert found(has_documents="true") == []
        page = client.get(
            MANAGE, params={"action": "list", "limit": 2, "offset": 1}, headers=_read(office.owner)
        ).json()
        assert (page["count"], page["total"]) == (2, 4)
        assert [job["uuid"] for job in page["data"]] == [damp["uuid"], boiler["uuid"]]
        counted = client.get(
            MANAGE, params={"action": "list", "search": "Roof"}, headers=_read(office.owner)
        ).json()
        assert counted["data"][0]["photos_count"] == 1
        assert (
            client.get(
                MANAGE, params={"action": "list", "limit": 5000}, headers=_read(office.owner)
            ).status_code
            == 200
        )
        for bad in (
            {"limit": 0},
            {"offset": -1},
            {"limit": "ten"},
            {"has_photos": "maybe"},
            {"status_id": "x"},
        ):
            refused = client.get(
                MANAGE, params={"action": "list", **bad}, headers=_read(office.owner)
            )
            assert refused.status_code == 400, bad
            assert next(iter(bad)) in refused.json()["error"]
        missing = client.get(MANAGE, headers=_read(office.owner))
        assert (missing.status_code, missing.json()["error"]) == (400, "action is required")


def test_contractors_and_agents_see_only_their_own_jobs(single_stack: Stack) -> None:
    office = _office(single_stack, "Reach Lettings")
    contractor = single_stack.new_colleague(office.owner, "contractor")
    agent = single_stack.new_colleague(office.owner, "agent")
    with single_stack.client() as client:
        theirs = _create(client, office, contractor_id=_user_id(single_stack, contractor))
        agents = _create(client, office, agent_id=_user_id(single_stack, agent))
        other = _create(client, office)
        for person, own in ((contractor, theirs), (agent, agents)):
            listed = client.get(MANAGE, params={"action": "list"}, headers=_read(person)).json()
            assert [job["uuid"] for job in listed["data"]] == [own["uuid"]]
            assert listed["total"] == 1
            hidden = client.get(
                MANAGE, params={"action": "get", "uuid": other["uuid"]}, headers=_read(person)
            )
            assert hidden.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "contractor", "agent"])
def test_only_callers_who_manage_jobs_may_write_them(
    single_stack: Stack, office: Office, role: str
) -> None:
    person = single_stack.new_colleague(office.owner, role)
    with single_stack.client() as client:
        job = _create(
            client,
            office,
            **({"contractor_id": _user_id(single_stack, person)} if role == "contractor" else {}),
        )
        before = _jobs(single_stack, office.owner.company_id)
        for body in (
            {"action": "create", **office.fields()},
            {"action": "update", "uuid": job["uuid"], "job_title": "Changed"},
            {"action": "delete", "uuid": job["uuid"]},
        ):
            refused = client.post(MANAGE, headers=_headers(client, person), json=body)
            assert refused.status_code == 403, refused.text
            assert refused.json() == {
                "success": False, "error": "You do not have permission to perform this action",
                "permission": "api.jobs.manage.manage",
            }  # fmt: skip
        if role == "viewer":
            seen = client.get(
                MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(person)
            )
            assert seen.status_code == 200
        still = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(office.owner)
        )
    assert still.json()["data"]["job_title"] == job["job_title"]
    assert _jobs(single_stack, office.owner.company_id) == before


def test_a_key_narrowed_to_listing_cannot_write(single_stack: Stack, office: Office) -> None:
    email = office.owner.owner_email
    narrowed = single_stack.server.cli_json(
        "apikey", "create", "--company", str(office.owner.company_id), "--email", email,
        "--permission", "api.jobs.manage.list",
    )  # fmt: skip
    caller = Tenant(office.owner.company_id, office.owner.company_uuid, narrowed["api_key"], email)
    with single_stack.client() as client:
        listed = client.get(MANAGE, params={"action": "list"}, headers=_read(caller))
        refused = client.post(
            MANAGE, headers=_headers(client, caller), json={"action": "create", **office.fields()}
        )
    assert listed.status_code == 200
    assert (refused.status_code, refused.json()["permission"]) == (403, "api.jobs.manage.manage")


def test_writes_need_the_callers_csrf_token(single_stack: Stack, office: Office) -> None:
    other = single_stack.new_tenant("Csrf Lettings")
    before = _jobs(single_stack, office.owner.company_id)
    with single_stack.client() as client:
        theirs = _headers(client, other)["X-CSRF-Token"]
        mine = _headers(client, office.owner)["X-CSRF-Token"]
        body = {"action": "create", **office.fields()}
        for refused in (
            client.post(MANAGE, headers=_read(office.owner), json=body),
            client.post(MANAGE, headers=_read(office.owner), json={**body, "csrf_token": theirs}),
            client.post(MANAGE, headers={**_read(office.owner), "X-CSRF-Token": theirs}, json=body),
        ):
            assert refused.status_code == 403
            assert "CSRF" in refused.json()["error"]
        assert _jobs(single_stack, office.owner.company_id) == before
        in_body = client.post(
            MANAGE, headers=_read(office.owner), json={**body, "csrf_token": mine}
        )
    assert in_body.status_code == 201


def test_is_pinned_is_the_callers_own(single_stack: Stack, office: Office) -> None:
    colleague = single_stack.new_colleague(office.owner, "staff")
    with single_stack.client() as client:
        job = _create(client, office)
        client.post(
            "/api/jobs/toggle-pin",
            headers=_headers(client, office.owner),
            json={"job_uuid": job["uuid"]},
        )
        mine = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(office.owner)
        )
        theirs = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(colleague)
        )
    assert mine.json()["data"]["is_pinned"] is True
    assert theirs.json()["data"]["is_pinned"] is False


def test_deleting_a_job_removes_its_rows_and_every_stored_file(stack: Stack) -> None:
    office = _office(stack, "Delete Lettings")
    with stack.client() as client:
        job = _create(client, office)
        kept = _create(client, office, job_title="Kept job")
        photo = stack.upload(office.owner, job["uuid"], "before.jpg", images.jpeg())
        kept_photo = stack.upload(office.owner, kept["uuid"], "kept.jpg", images.jpeg())
        filed = client.post(
            "/api/jobs/documents", headers=_headers(client, office.owner),
            data={"action": "upload", "job_uuid": job["uuid"]},
            files={"file": ("cert.pdf", PDF, "application/pdf")},
        )  # fmt: skip
        assert filed.status_code == 200, filed.text
        document = filed.json()["data"]["uuid"]
        stack.settle()
        ours = {key for key in stack.stored_objects() if photo in key}
        assert len(ours) >= 3  # the original and its renditions
        assert {key for key in stack.stored_objects() if document in key}
        deleted = client.post(
            MANAGE,
            headers=_headers(client, office.owner),
            json={"action": "delete", "uuid": job["uuid"]},
        )
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"success": True, "message": "Job deleted"}
        gone = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=_read(office.owner)
        )
        again = client.post(
            MANAGE,
            headers=_headers(client, office.owner),
            json={"action": "delete", "uuid": job["uuid"]},
        )
    assert gone.status_code == 404
    assert again.status_code == 404
    left = stack.stored_objects()
    assert not {key for key in left if photo in key}
    assert not {key for key in left if document in key}
    assert {key for key in left if kept_photo in key}
    assert stack.scalars(select(Photo.id).where(Photo.uuid == uuid.UUID(photo))) == []
    assert stack.scalars(select(Job.id).where(Job.uuid == uuid.UUID(job["uuid"]))) == []
    # The job's history stays: its creation and its deletion.
    actions = stack.scalars(select(AuditEvent.action).where(AuditEvent.entity_uuid == job["uuid"]))
    assert {"job.created", "job.deleted"} <= set(actions)


def test_file_types_are_the_companys_document_types(single_stack: Stack, office: Office) -> None:
    with single_stack.client() as client:
        got = client.get(MANAGE, params={"action": "get_file_types"}, headers=_read(office.owner))
        listed = client.get(
            "/api/jobs/document-types", params={"action": "list"}, headers=_read(office.owner)
        )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["success"] is True
    assert body["count"] == body["total"] == len(body["data"])
    assert "Gas Safety Certificate" in [item["document_type_name"] for item in body["data"]]
    assert body["data"] == listed.json()["data"]
