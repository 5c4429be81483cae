"""Reference data of the maintenance API (statuses, types, priorities, payment statuses, time
ranges, addresses, document types): lists, and managers' changes, by a real server."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.db.base import Entity
from jobshots.db.models import (
    AuditEvent,
    DocumentCategory,
    Job,
    JobPriority,
    JobStatus,
    JobType,
    PaymentStatus,
    PropertyAddress,
    TimeRange,
)
from tests.support.maintenance import bearer as _bearer
from tests.support.maintenance import write_headers as _headers
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

REFERENCE_PERMISSION = "api.jobs.reference_data.manage"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PATHS = {
    "statuses": "/api/jobs/statuses",
    "types": "/api/jobs/types",
    "priorities": "/api/jobs/priorities",
    "payment_statuses": "/api/jobs/payment-statuses",
    "time_ranges": "/api/jobs/time-ranges",
    "addresses": "/api/jobs/addresses",
    "document_types": "/api/jobs/document-types",
}
MODELS: dict[str, type[Entity]] = {
    "statuses": JobStatus,
    "types": JobType,
    "priorities": JobPriority,
    "payment_statuses": PaymentStatus,
    "time_ranges": TimeRange,
    "addresses": PropertyAddress,
    "document_types": DocumentCategory,
}


def _list(client: httpx.Client, tenant: Tenant, kind: str, **params: Any) -> httpx.Response:
    return client.get(PATHS[kind], headers=_bearer(tenant), params={"action": "list", **params})


def _items(client: httpx.Client, tenant: Tenant, kind: str) -> dict[str, dict[str, Any]]:
    """The company's options of a kind, by name."""
    answer = _list(client, tenant, kind, limit=200)
    assert answer.status_code == 200, answer.text
    return {item["name"]: item for item in answer.json()["data"]}


def _post(
    client: httpx.Client, tenant: Tenant, kind: str, body: dict[str, Any], **params: str
) -> httpx.Response:
    headers = _headers(client, tenant)
    return client.post(PATHS[kind], headers=headers, json=body, params=params)


def _rows(stack: Stack, kind: str, company_id: int) -> list[list[Any]]:
    """Every column of a company's options of one kind, read from the database itself."""
    table = MODELS[kind].__table__
    return [
        stack.scalars(select(column).where(table.c.company_id == company_id).order_by(table.c.id))
        for column in table.columns
    ]


def _actions(stack: Stack, entity_uuid: str) -> list[str]:
    query = (
        select(AuditEvent.action)
        .where(AuditEvent.entity_uuid == entity_uuid)
        .order_by(AuditEvent.id)
    )
    return stack.scalars(query)


@pytest.fixture(scope="module")
def company(single_stack: Stack) -> Tenant:
    """A company whose reference data only the create-update-delete test changes."""
    return single_stack.new_tenant("Lookups Ltd")


def test_each_list_answers_the_companys_uk_defaults_in_order(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Defaults Ltd")
    with single_stack.client() as client:
        statuses = _list(client, owner, "statuses").json()
        assert statuses["success"] is True
        assert statuses["message"] == "Job statuses retrieved"
        assert (statuses["count"], statuses["total"]) == (10, 10)
        first = statuses["data"][0]
        assert set(first) == {
            "ID", "uuid", "status_id", "name", "status_name", "sort_order",
            "code", "stage", "pauses_sla",
        }  # fmt: skip
        assert (first["status_id"], first["status_name"]) == (first["ID"], "Open")
        assert [(s["code"], s["stage"], s["pauses_sla"]) for s in statuses["data"]][:6] == [
            ("open", "new", False), ("awaiting_approval", "new", False),
            ("assigned", "assigned", False), ("in_progress", "in_progress", False),
            ("awaiting_access", "in_progress", True), ("parts_on_order", "in_progress", True),
        ]  # fmt: skip
        priorities = _list(client, owner, "priorities").json()["data"]
        shown = [
            (p["priority_name"], p["response_target"], p["completion_target"]) for p in priorities
        ]
        assert shown == [
            ("Emergency", 2, 24), ("Urgent", 24, 72), ("High", 48, 168),
            ("Normal", 72, 504), ("Low", 168, 672),
        ]  # fmt: skip
        assert {(p["response_clock"], p["completion_clock"]) for p in priorities} == {
            ("calendar_hours", "calendar_hours")
        }
        types = _list(client, owner, "types").json()["data"]
        assert types[3]["job_type_name"] == "Gas & Heating"
        assert [t["sort_order"] for t in types] == list(range(8))
        payments = _list(client, owner, "payment_statuses").json()["data"]
        assert [p["payment_status_name"] for p in payments] == [
            "Awaiting invoice", "Invoiced", "Payment received", "Payment complete",
        ]  # fmt: skip
        ranges = _list(client, owner, "time_ranges").json()["data"]
        assert [(r["time_range_name"], r["start_time"], r["end_time"]) for r in ranges] == [
            ("Morning (8am-12pm)", "08:00", "12:00"),
            ("Afternoon (12pm-5pm)", "12:00", "17:00"),
            ("All day (8am-5pm)", "08:00", "17:00"),
        ]
        documents = _list(client, owner, "document_types").json()
        assert documents["count"] == 7
        assert documents["data"][2]["document_type_name"] == "Gas Safety Certificate"
        addresses = _list(client, owner, "addresses").json()
        assert (addresses["data"], addresses["count"], addresses["total"]) == ([], 0, 0)
        ids = [
            item["ID"]
            for kind in ("statuses", "types")
            for item in _list(client, owner, kind).json()["data"]
        ]
        assert all(isinstance(i, int) for i in ids)


# (kind, create body, what the created item shows, update body, what it then shows)
CHANGES = [
    (
        "statuses",
        {"name": "On hold", "stage": "in progress", "pauses_sla": True},
        {"status_name": "On hold", "code": "on_hold", "stage": "in_progress",
         "pauses_sla": True, "sort_order": 10},
        {"stage": "assigned"},
        {"status_name": "On hold", "stage": "assigned", "pauses_sla": True},
    ),
    (
        "types",
        {"job_type_name": "Glazing"},
        {"name": "Glazing", "job_type_name": "Glazing", "sort_order": 8},
        {"name": "Glazing & windows"},
        {"job_type_name": "Glazing & windows", "sort_order": 8},
    ),
    (
        "priorities",
        {"name": "Planned", "response_target": 336, "completion_target": None},
        {"priority_name": "Planned", "response_target": 336, "response_clock": "calendar_hours",
         "completion_target": None, "completion_clock": "calendar_hours", "sort_order": 5},
        # Targets on different clocks are not compared by their numbers.
        {"completion_target": 10, "completion_clock": "Working_Days"},
        {"priority_name": "Planned", "response_target": 336, "response_clock": "calendar_hours",
         "completion_target": 10, "completion_clock": "working_days"},
    ),
    (
        "payment_statuses",
        {"payment_status_name": "Disputed"},
        {"payment_status_name": "Disputed", "sort_order": 4},
        {"sort_order": 0},
        {"payment_status_name": "Disputed", "sort_order": 0},
    ),
    (
        "time_ranges",
        {"name": "Evening (5pm-8pm)", "start_time": "17:00", "end_time": "20:00"},
        {"time_range_name": "Evening (5pm-8pm)", "start_time": "17:00", "end_time": "20:00",
         "sort_order": 3},
        {"end_time": "21:30"},
        {"start_time": "17:00", "end_time": "21:30"},
    ),
    (
        "addresses",
        {"address_line_1": "12 High Street", "city": "Leeds", "postcode": "LS1 4AB",
         "latitude": 53.79648, "longitude": -1.54785},
        {"address_line_1": "12 High Street", "address_line_2": "", "city": "Leeds",
         "postcode": "LS1 4AB", "country": "GB", "full_address": "12 High Street, Leeds, LS1 4AB",
         "latitude": 53.79648, "longitude": -1.54785},
        {"address_line_2": "Flat 3"},
        {"full_address": "12 High Street, Flat 3, Leeds, LS1 4AB", "city": "Leeds",
         "latitude": 53.79648},
    ),
    (
        "document_types",
        {"document_type_name": "EPC"},
        {"document_type_name": "EPC", "sort_order": 7},
        {"name": "Energy Performance Certificate"},
        {"document_type_name": "Energy Performance Certificate", "sort_order": 7},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "body", "made", "change", "changed"), CHANGES)
def test_a_manager_creates_updates_and_deletes_each_kind(
    single_stack: Stack,
    company: Tenant,
    kind: str,
    body: dict[str, Any],
    made: dict[str, Any],
    change: dict[str, Any],
    changed: dict[str, Any],
) -> None:
    manager = single_stack.new_colleague(company, "manager")
    with single_stack.client() as client:
        created = _post(client, manager, kind, {"action": "create", **body})
        assert created.status_code == 201, created.text
        item = created.json()["data"]
        assert item.items() >= made.items()
        assert isinstance(item["ID"], int)
        assert uuid.UUID(item["uuid"])
        assert [i["uuid"] for i in _items(client, company, kind).values()].count(item["uuid"]) == 1
        updated = _post(client, manager, kind, {"action": "update", "uuid": item["uuid"], **change})
        assert updated.status_code == 200, updated.text
        assert updated.json()["data"].items() >= changed.items()
        assert (
            _items(client, company, kind)[updated.json()["data"]["name"]] == updated.json()["data"]
        )
        # The action may come in the query string, the option by its integer `ID`.
        deleted = _post(client, manager, kind, {"ID": item["ID"]}, action="delete")
        assert (deleted.status_code, deleted.json()["success"]) == (200, True), deleted.text
        assert item["uuid"] not in {i["uuid"] for i in _items(client, company, kind).values()}
    model = MODELS[kind]
    assert single_stack.scalars(select(model.id).where(model.uuid == uuid.UUID(item["uuid"]))) == []
    entity = _audit_name(kind)
    assert _actions(single_stack, item["uuid"]) == [
        f"{entity}.created", f"{entity}.updated", f"{entity}.deleted",
    ]  # fmt: skip


def _audit_name(kind: str) -> str:
    return {
        "statuses": "job_status", "types": "job_type", "priorities": "job_priority",
        "payment_statuses": "payment_status", "time_ranges": "time_range",
        "addresses": "property_address", "document_types": "document_type",
    }[kind]  # fmt: skip


def test_addresses_search_every_word_across_their_lines_a_page_at_a_time(
    single_stack: Stack,
) -> None:
    owner = single_stack.new_tenant("Addresses Ltd")
    other = single_stack.new_tenant("Other Addresses Ltd")
    places = [
        {"address_line_1": "1 High Street", "city": "Leeds", "postcode": "LS1 1AA"},
        {"address_line_1": "2 High Street", "address_line_2": "Flat 4", "city": "Leeds",
         "postcode": "LS1 1AB"},
        {"address_line_1": "3 Low Road", "city": "Leeds", "postcode": "LS2 9ZZ"},
        {"address_line_1": "4 High Street", "city": "York", "postcode": "YO1 7HH"},
    ]  # fmt: skip
    with single_stack.client() as client:
        for place in places:
            assert (
                _post(client, owner, "addresses", {"action": "create", **place}).status_code == 201
            )
        theirs = {"action": "create", "address_line_1": "9 High Street", "city": "Leeds"}
        assert _post(client, other, "addresses", theirs).status_code == 201

        def found(**params: Any) -> list[str]:
            answer = _list(client, owner, "addresses", **params)
            assert answer.status_code == 200, answer.text
            return [item["address_line_1"] for item in answer.json()["data"]]

        assert found(search="HIGH leeds") == ["1 High Street", "2 High Street"]
        assert found(search="ls1") == ["1 High Street", "2 High Street"]
        assert found(search="flat") == ["2 High Street"]
        assert found(search="yo1 7hh") == ["4 High Street"]
        assert found(search="100%") == []
        assert found(search="Leeds") == ["1 High Street", "2 High Street", "3 Low Road"]
        page = _list(client, owner, "addresses", search="street", limit=2, offset=1).json()
        assert (page["count"], page["total"]) == (2, 3)
        assert [a["address_line_1"] for a in page["data"]] == ["2 High Street", "4 High Street"]
        assert len(found(limit=500)) == 4  # above the maximum is cut to it, not refused
        refused = _list(client, owner, "addresses", limit=0)
        assert (refused.status_code, "limit" in refused.json()["error"]) == (400, True)
        refused = _list(client, owner, "addresses", offset=-1)
        assert (refused.status_code, "offset" in refused.json()["error"]) == (400, True)


def test_writes_need_the_reference_permission_and_a_viewer_still_lists(
    single_stack: Stack,
) -> None:
    owner = single_stack.new_tenant("Roles Ltd")
    [open_status] = [s for s in _list_raw(single_stack, owner, "statuses") if s["name"] == "Open"]
    before = _rows(single_stack, "statuses", owner.company_id)
    with single_stack.client() as client:
        for role in ("staff", "viewer", "contractor", "agent"):
            person = single_stack.new_colleague(owner, role)
            listed = _list(client, person, "statuses")
            assert (listed.status_code, listed.json()["count"]) == (200, 10)
            for body in (
                {"action": "create", "name": "Mine", "stage": "new"},
                {"action": "update", "uuid": open_status["uuid"], "name": "Mine"},
                {"action": "delete", "ID": open_status["ID"]},
            ):
                refused = _post(client, person, "statuses", body)
                assert refused.status_code == 403, (role, body, refused.text)
                assert refused.json()["success"] is False
                assert refused.json()["permission"] == REFERENCE_PERMISSION
    assert _rows(single_stack, "statuses", owner.company_id) == before


def _list_raw(stack: Stack, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    with stack.client() as client:
        data: list[dict[str, Any]] = _list(client, tenant, kind).json()["data"]
        return data


def test_a_write_without_its_csrf_token_is_refused_and_changes_nothing(
    single_stack: Stack,
) -> None:
    owner = single_stack.new_tenant("Csrf Ltd")
    before = _rows(single_stack, "types", owner.company_id)
    with single_stack.client() as client:
        refused = client.post(
            PATHS["types"], headers=_bearer(owner), json={"action": "create", "name": "Glazing"}
        )
        assert (refused.status_code, refused.json()["success"]) == (403, False)
        assert _rows(single_stack, "types", owner.company_id) == before
        token = client.get("/api/security/csrf-token", headers=_bearer(owner)).json()["data"]
        body = {"action": "create", "name": "Glazing", "csrf_token": token["token"]}
        accepted = client.post(PATHS["types"], headers=_bearer(owner), json=body)
        assert accepted.status_code == 201, accepted.text


def test_another_companys_option_answers_exactly_as_a_missing_one(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Mine Ltd")
    other = single_stack.new_tenant("Theirs Ltd")
    with single_stack.client() as client:
        made = _post(
            client, other, "addresses", {"action": "create", "address_line_1": "7 Elm Row"}
        )
        assert made.status_code == 201
        foreign = {
            "statuses": _items(client, other, "statuses")["Open"],
            "addresses": made.json()["data"],
        }
        before = {kind: _rows(single_stack, kind, other.company_id) for kind in foreign}
        for kind, item in foreign.items():
            for action, extra in (("update", {"name": "Taken", "city": "Hull"}), ("delete", {})):
                for by_uuid in (True, False):
                    theirs = {"uuid": item["uuid"]} if by_uuid else {"ID": item["ID"]}
                    missing = {"uuid": str(uuid.uuid4())} if by_uuid else {"ID": 2**62}
                    answers = [
                        _post(client, owner, kind, {"action": action, **named, **extra})
                        for named in (theirs, missing)
                    ]
                    assert [a.status_code for a in answers] == [404, 404], answers[0].text
                    assert answers[0].json() == answers[1].json()
        beyond = _post(client, owner, "statuses", {"action": "delete", "ID": 2**70})
        assert beyond.status_code == 404
        malformed = _post(client, owner, "statuses", {"action": "delete", "uuid": "not-a-uuid"})
        assert malformed.status_code == 404
    assert {kind: _rows(single_stack, kind, other.company_id) for kind in foreign} == before


# (kind, the option changed (None: a create), body, the field the error names)
INVALID = [
    ("statuses", None, {"name": "Done", "stage": "done"}, "stage"),
    ("statuses", None, {"name": "Done"}, "stage"),
    ("statuses", "Open", {"stage": "finished"}, "stage"),
    ("statuses", None, {"name": "Odd", "stage": "new", "code": "has space"}, "code"),
    ("statuses", "Open", {"pauses_sla": "maybe"}, "pauses_sla"),
    ("priorities", None, {"name": "Slow", "response_target": -1}, "response_target"),
    ("priorities", "Low", {"completion_target": "soon"}, "completion_target"),
    ("priorities", "Low", {"completion_target": 2.5}, "completion_target"),
    ("priorities", "Emergency", {"completion_target": 1}, "completion_target"),
    ("priorities", "Low", {"response_target": 2**40}, "response_target"),
    ("priorities", None, {"name": "Slow", "response_clock": "fortnights"}, "response_clock"),
    ("priorities", "Low", {"completion_clock": 3}, "completion_clock"),
    ("priorities", "Low", {"completion_clock": None}, "completion_clock"),
    ("priorities", "Low", {"completion_target": 8761}, "completion_target"),
    ("priorities", "Low", {"response_clock": "working_days", "response_target": 1001},
     "response_target"),
    ("priorities", "Urgent", {"completion_clock": "working_hours", "response_clock":
     "working_hours", "completion_target": 23}, "completion_target"),
    ("time_ranges", None, {"name": "Early", "start_time": "9am", "end_time": "1pm"}, "start_time"),
    ("time_ranges", None, {"name": "Late", "start_time": "18:00", "end_time": "24:00"}, "end_time"),
    ("time_ranges", None, {"name": "Back", "start_time": "17:00", "end_time": "08:00"}, "end_time"),
    ("time_ranges", "Morning (8am-12pm)", {"start_time": "13:00"}, "end_time"),
    ("types", None, {"name": ""}, "name"),
    ("types", None, {"name": "x" * 121}, "name"),
    ("types", None, {"job_type_name": 42}, "name"),
    ("types", "Roofing", {"sort_order": "first"}, "sort_order"),
    ("document_types", "Invoice", {"name": None}, "name"),
    ("payment_statuses", None, {}, "name"),
    ("addresses", None, {"city": "Leeds"}, "address_line_1"),
    ("addresses", None, {"address_line_1": "1 A St", "latitude": 91, "longitude": 0}, "latitude"),
    ("addresses", None, {"address_line_1": "1 A", "latitude": 51, "longitude": -181}, "longitude"),
    ("addresses", None, {"address_line_1": "1 A St", "latitude": 51.5}, "longitude"),
    ("addresses", None, {"address_line_1": "1 A St", "postcode": "X" * 21}, "postcode"),
    ("addresses", None, {"address_line_1": "1 A St", "country": "Britain"}, "country"),
]  # fmt: skip


@pytest.fixture(scope="module")
def checked(single_stack: Stack) -> Tenant:
    """A company whose options only refused changes touch."""
    return single_stack.new_tenant("Checked Ltd")


@pytest.mark.parametrize(("kind", "target", "body", "field"), INVALID)
def test_invalid_values_are_refused_naming_the_field_and_change_nothing(
    single_stack: Stack,
    checked: Tenant,
    kind: str,
    target: str | None,
    body: dict[str, Any],
    field: str,
) -> None:
    before = _rows(single_stack, kind, checked.company_id)
    with single_stack.client() as client:
        if target is None:
            sent = {"action": "create", **body}
        else:
            sent = {
                "action": "update",
                "uuid": _items(client, checked, kind)[target]["uuid"],
                **body,
            }
        refused = _post(client, checked, kind, sent)
    assert refused.status_code == 400, refused.text
    assert refused.json()["success"] is False
    assert field in refused.json()["error"]
    if field == "stage":
        assert "new, assigned, in_progress, complete, closed, archived" in refused.json()["error"]
    assert _rows(single_stack, kind, checked.company_id) == before


def test_a_name_already_in_the_list_is_a_conflict(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Names Ltd")
    before = _rows(single_stack, "payment_statuses", owner.company_id)
    with single_stack.client() as client:
        again = _post(client, owner, "payment_statuses", {"action": "create", "name": "invoiced"})
        assert again.status_code == 409, again.text
        assert "invoiced" in again.json()["error"]
        paid = _items(client, owner, "payment_statuses")["Payment complete"]
        renamed = {"action": "update", "uuid": paid["uuid"], "name": "Invoiced"}
        assert _post(client, owner, "payment_statuses", renamed).status_code == 409
        same = {"action": "update", "uuid": paid["uuid"], "name": "Payment complete"}
        assert _post(client, owner, "payment_statuses", same).status_code == 200
        status = {"action": "create", "name": "Reopened", "stage": "new", "code": "OPEN"}
        assert _post(client, owner, "statuses", status).status_code == 409
    assert _rows(single_stack, "payment_statuses", owner.company_id) == before


def test_deleting_an_option_a_job_or_document_uses_is_a_conflict(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("In Use Ltd")
    job_id, _ = single_stack.new_job_ids(owner)
    with single_stack.client() as client:
        address = _post(
            client, owner, "addresses", {"action": "create", "address_line_1": "5 Mill Lane"}
        )
        address_id = address.json()["data"]["ID"]
        urgent = _items(client, owner, "priorities")["Urgent"]["ID"]
        single_stack.execute(
            update(Job).where(Job.id == job_id).values(address_id=address_id, priority_id=urgent)
        )
        certificate = _items(client, owner, "document_types")["Gas Safety Certificate"]["ID"]
        uploaded = client.post(
            "/api/jobs/documents",
            headers=_headers(client, owner),
            data={"action": "upload", "job_id": str(job_id), "document_type_id": str(certificate)},
            files={"file": ("cp12.pdf", PDF, "application/pdf")},
        )
        assert uploaded.status_code == 200, uploaded.text
        in_use = {"statuses": "Open", "priorities": "Urgent", "addresses": "5 Mill Lane",
                  "document_types": "Gas Safety Certificate"}  # fmt: skip
        before = {kind: _rows(single_stack, kind, owner.company_id) for kind in in_use}
        for kind, name in in_use.items():
            [item] = [i for i in _items(client, owner, kind).values() if i["name"].startswith(name)]
            refused = _post(client, owner, kind, {"action": "delete", "uuid": item["uuid"]})
            assert refused.status_code == 409, refused.text
            holder = "1 document" if kind == "document_types" else "1 job"
            assert holder in refused.json()["error"]
            assert name in refused.json()["error"]
        assert {kind: _rows(single_stack, kind, owner.company_id) for kind in in_use} == before
        unused = _items(client, owner, "priorities")["Low"]
        assert (
            _post(
                client, owner, "priorities", {"action": "delete", "uuid": unused["uuid"]}
            ).status_code
            == 200
        )


def test_a_missing_or_unknown_action_is_refused_naming_action(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Actions Ltd")
    before = _rows(single_stack, "time_ranges", owner.company_id)
    with single_stack.client() as client:
        answers = [
            client.get(PATHS["time_ranges"], headers=_bearer(owner)),
            client.get(PATHS["time_ranges"], headers=_bearer(owner), params={"action": "get"}),
            _post(client, owner, "time_ranges", {"name": "Night"}),
            _post(client, owner, "time_ranges", {"action": "archive", "name": "Night"}),
        ]
        for answer in answers:
            assert answer.status_code == 400, answer.text
            assert answer.json()["success"] is False
            assert "action" in answer.json()["error"]
        nameless = _post(client, owner, "time_ranges", {"action": "update", "name": "Night"})
        assert (nameless.status_code, "uuid" in nameless.json()["error"]) == (400, True)
    assert _rows(single_stack, "time_ranges", owner.company_id) == before
