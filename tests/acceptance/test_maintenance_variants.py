"""Each `?action=` variant of the maintenance API at its own path answers as the vendor's form."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import images
from tests.support.maintenance import bearer, write_headers
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance
MANAGE = "/api/jobs/manage"


@pytest.fixture(scope="module")
def owner(single_stack: Stack) -> Tenant:
    """A company whose owner drives the variants."""
    return single_stack.new_tenant("Variant Lettings")


def _first_id(client: httpx.Client, owner: Tenant, kind: str) -> int:
    listed = client.get(f"/api/jobs/{kind}", params={"action": "list"}, headers=bearer(owner))
    assert listed.status_code == 200, listed.text
    return int(listed.json()["data"][0]["ID"])


def _new_job(client: httpx.Client, owner: Tenant, title: str) -> dict[str, Any]:
    address = client.post(
        "/api/jobs/addresses/create",
        headers=write_headers(client, owner),
        json={"address_line_1": "3 Mill Lane", "city": "York", "postcode": "YO1 7HH"},
    )
    assert address.status_code == 201, address.text
    fields = {
        "job_title": title,
        "job_description": "Dripping tap",
        "status_id": _first_id(client, owner, "statuses"),
        "priority_id": _first_id(client, owner, "priorities"),
        "job_type_id": _first_id(client, owner, "types"),
        "address_id": address.json()["data"]["ID"],
    }
    made = client.post(f"{MANAGE}/create", headers=write_headers(client, owner), json=fields)
    assert made.status_code == 201, made.text
    return dict(made.json()["data"])


def test_a_job_goes_through_its_life_on_the_variant_paths(
    single_stack: Stack, owner: Tenant
) -> None:
    with single_stack.client() as client:
        job = _new_job(client, owner, "Tap repair")
        got = client.get(f"{MANAGE}/get", params={"uuid": job["uuid"]}, headers=bearer(owner))
        vendor = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=bearer(owner)
        )
        assert got.status_code == 200
        assert got.json() == vendor.json()
        updated = client.post(
            f"{MANAGE}/update",
            headers=write_headers(client, owner),
            json={"uuid": job["uuid"], "job_title": "Tap replaced"},
        )
        assert updated.json()["data"]["job_title"] == "Tap replaced"
        listed = client.get(f"{MANAGE}/list", params={"search": "replaced"}, headers=bearer(owner))
        assert [item["uuid"] for item in listed.json()["data"]] == [job["uuid"]]
        history = client.get(
            f"{MANAGE}/list_commits", params={"uuid": job["uuid"]}, headers=bearer(owner)
        )
        assert history.json()["count"] >= 2
        deleted = client.post(
            f"{MANAGE}/delete", headers=write_headers(client, owner), json={"uuid": job["uuid"]}
        )
        assert deleted.status_code == 200, deleted.text
        gone = client.get(
            MANAGE, params={"action": "get", "uuid": job["uuid"]}, headers=bearer(owner)
        )
        assert gone.status_code == 404


def test_the_action_a_variant_path_names_wins_over_one_sent(
    single_stack: Stack, owner: Tenant
) -> None:
    with single_stack.client() as client:
        job = _new_job(client, owner, "Gutter clearance")
        answer = client.post(
            f"{MANAGE}/update",
            headers=write_headers(client, owner),
            json={"action": "delete", "uuid": job["uuid"], "job_title": "Gutters cleared"},
        )
        assert answer.status_code == 200, answer.text
        kept = client.get(f"{MANAGE}/get", params={"uuid": job["uuid"]}, headers=bearer(owner))
        assert kept.json()["data"]["job_title"] == "Gutters cleared"


def test_photos_documents_and_notes_are_written_on_their_variant_paths(
    single_stack: Stack, owner: Tenant
) -> None:
    with single_stack.client() as client:
        job = _new_job(client, owner, "Damp survey")["uuid"]
        uploaded = client.post(
            "/api/jobs/photos/upload",
            headers=write_headers(client, owner),
            data={"job_uuid": job, "photo_type": "before"},
            files={"photo": ("wall.jpg", images.jpeg(), "image/jpeg")},
        )
        assert uploaded.status_code == 200, uploaded.text
        photos = client.get("/api/jobs/photos", params={"job_uuid": job}, headers=bearer(owner))
        [photo] = photos.json()["data"]["before"]
        removed = client.post(
            "/api/jobs/photos/delete",
            headers=write_headers(client, owner),
            json={"photo_uuid": photo["uuid"]},
        )
        assert removed.status_code == 200, removed.text
        after = client.get("/api/jobs/photos", params={"job_uuid": job}, headers=bearer(owner))
        assert after.json()["data"]["before"] == []

        filed = client.post(
            "/api/jobs/documents/upload",
            headers=write_headers(client, owner),
            data={"job_uuid": job},
            files={"file": ("survey.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        )
        assert filed.status_code == 200, filed.text
        [document] = client.get(
            "/api/jobs/documents/list", params={"job_uuid": job}, headers=bearer(owner)
        ).json()["data"]
        fetched = client.get(
            "/api/jobs/documents/download", params={"uuid": document["uuid"]}, headers=bearer(owner)
        )
        assert fetched.content == b"%PDF-1.4\n%%EOF\n"

        noted = client.post(
            "/api/jobs/case-notes/create",
            headers=write_headers(client, owner),
            json={"job_uuid": job, "note_text": "Meter reads 40%"},
        )
        assert noted.status_code == 200, noted.text
        notes = client.get(
            "/api/jobs/case-notes",
            params={"action": "list", "job_uuid": job},
            headers=bearer(owner),
        ).json()["data"]
        pinned = client.post(
            "/api/jobs/case-notes/update",
            headers=write_headers(client, owner),
            json={"uuid": notes[0]["uuid"], "is_pinned": True},
        )
        assert pinned.status_code == 200, pinned.text
        dropped = client.post(
            "/api/jobs/case-notes/delete",
            headers=write_headers(client, owner),
            json={"uuid": notes[0]["uuid"]},
        )
        assert dropped.status_code == 200, dropped.text


def test_remedials_and_amendments_have_a_path_per_action(
    single_stack: Stack, owner: Tenant
) -> None:
    with single_stack.client() as client:
        parent = _new_job(client, owner, "Roof leak")["uuid"]
        follow_on = _new_job(client, owner, "Ceiling repaint")["uuid"]
        linked = client.post(
            "/api/jobs/remedials/link",
            headers=write_headers(client, owner),
            json={"parent_job_uuid": parent, "remedial_job_uuid": follow_on, "reason": "Stain"},
        )
        assert linked.status_code == 200, linked.text
        unlinked = client.post(
            "/api/jobs/remedials/unlink",
            headers=write_headers(client, owner),
            json={"remedial_job_uuid": follow_on},
        )
        assert unlinked.status_code == 200, unlinked.text
        remaining = client.get(
            "/api/jobs/remedials",
            params={"action": "list", "job_uuid": parent},
            headers=bearer(owner),
        )
        assert remaining.json()["count"] == 0

        proposed = client.post(
            "/api/jobs/amend-request/create",
            headers=write_headers(client, owner),
            json={
                "job_uuid": parent,
                "field_name": "job_title",
                "requested_value": "Roof relaid",
                "reason": "Whole roof",
            },
        )
        assert proposed.status_code == 201, proposed.text
        approved = client.post(
            "/api/jobs/amend-request/approve",
            headers=write_headers(client, owner),
            json={"amend_request_id": proposed.json()["amend_request_id"]},
        )
        assert approved.status_code == 200, approved.text
        job = client.get(f"{MANAGE}/get", params={"uuid": parent}, headers=bearer(owner))
        assert job.json()["data"]["job_title"] == "Roof relaid"
