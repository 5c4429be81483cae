"""The presigned direct-upload API (seed 002): create, upload straight to storage, finalize."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from jobshots.db.models import Job, PropertyAddress
from tests.support import images, media
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance


def auth(tenant: Tenant, scheme: str = "Token") -> dict[str, str]:
    return {"Authorization": f"{scheme} {tenant.api_key}"}


def create(client: httpx.Client, tenant: Tenant, **body: Any) -> httpx.Response:
    return client.post("/light/photos/", headers=auth(tenant), json=body)


def post_form(
    form: dict[str, Any], data: bytes, content_type: str = "image/jpeg"
) -> httpx.Response:
    """Send the returned form exactly as a browser would: its fields, then the file."""
    return httpx.post(
        form["url"], data=form["fields"], files={"file": ("photo.jpg", data, content_type)}
    )


def finalize(client: httpx.Client, tenant: Tenant, photo_id: int) -> httpx.Response:
    return client.put(f"/light/photos/{photo_id}/uploaded/", headers=auth(tenant))


def _place_job(stack: Stack, tenant: Tenant, job_id: int, **address: Any) -> None:
    """Give the company an address (its first) and put the job there."""
    now = datetime.now(UTC)
    stack.execute(
        insert(PropertyAddress).values(
            company_id=tenant.company_id, uuid=uuid.uuid4(), created_at=now, updated_at=now,
            **address,
        )
    )  # fmt: skip
    first = (
        select(func.min(PropertyAddress.id))
        .where(PropertyAddress.company_id == tenant.company_id)
        .scalar_subquery()
    )
    stack.execute(update(Job).where(Job.id == job_id).values(address_id=first))


def decoded_policy(form: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(form["fields"]["policy"]))
    return policy


def test_three_step_flow_makes_the_photo_visible(stack: Stack, tenant: Tenant) -> None:
    colleague = stack.new_colleague(tenant)
    job_id, job_uuid = stack.new_job_ids(tenant)
    with stack.client() as client:
        made = create(client, tenant, name="Front roof damage.jpg", job=job_id, tags=["roof"])
        assert made.status_code == 201, made.text
        photo = made.json()
        key = photo["upload_url"]["fields"]["key"]
        # One layout for every original, however it arrived; the display name is never in it.
        assert key == f"companies/{tenant.company_uuid}/photos/{photo['uuid']}/original.jpg"
        assert (photo["status"], photo["uploaded"], photo["job"]) == ("pending", False, job_id)
        # Not yet uploaded: invisible to the rest of the company, in every dialect.
        assert (
            client.get(f"/light/photos/{photo['id']}/", headers=auth(colleague)).status_code == 404
        )
        assert client.get(f"/light/photos/{photo['id']}/", headers=auth(tenant)).status_code == 200
        crm = f"/api/v1/jobs/{job_uuid}/photos"
        assert (
            client.get(crm, headers={"Authorization": f"Bearer {tenant.api_key}"}).json()["data"][
                "pagination"
            ]["total"]
            == 0
        )

        data = media.camera_jpeg()
        uploaded = post_form(photo["upload_url"], data)
        assert uploaded.status_code in (200, 201, 204), uploaded.text
        done = finalize(client, tenant, photo["id"])
        assert done.status_code == 200, done.text
        assert done.json()["status"] in ("stored", "processed")
        assert done.json()["file_size"] == len(data)
        assert "upload_url" not in done.json()
        assert finalize(client, tenant, photo["id"]).status_code == 200  # twice is harmless

        seen = client.get(f"/light/photos/{photo['id']}/", headers=auth(colleague))
        assert seen.status_code == 200
        listing = client.get("/light/photos/", headers=auth(colleague), params={"job": job_id})
        assert [p["id"] for p in listing.json()["results"]] == [photo["id"]]
        crm_list = client.get(crm, headers={"Authorization": f"Bearer {tenant.api_key}"})
        assert crm_list.json()["data"]["pagination"]["total"] == 1
        stack.settle()
        final = client.get(f"/light/photos/{photo['id']}/", headers=auth(tenant)).json()
        assert final["status"] == "processed"
        assert httpx.get(final["thumbnail"]).status_code == 200
        assert httpx.get(final["url"]).content == data


def test_upload_form_policy_pins_key_size_type_and_expiry(stack: Stack, tenant: Tenant) -> None:
    stack.server.cli("company", "update", str(tenant.company_id), "--max-upload-bytes", "250000")
    try:
        with stack.client() as client:
            before = time.time()
            form = create(client, tenant, name="gutter.png").json()["upload_url"]
    finally:
        stack.server.cli("company", "update", str(tenant.company_id), "--max-upload-bytes", "0")
    policy = decoded_policy(form)
    conditions = policy["conditions"]
    assert {"key": form["fields"]["key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 250000] in conditions
    assert form["fields"]["Content-Type"] == "image/png"
    expires = datetime.strptime(policy["expiration"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    assert 14 * 60 - 5 <= expires.timestamp() - before <= 15 * 60 + 5


@pytest.mark.parametrize("case", ["too-large", "wrong-key", "not-an-image"])
def test_finalize_rechecks_the_object_whatever_the_store_accepted(
    stack: Stack, tenant: Tenant, case: str
) -> None:
    other = stack.new_colleague(tenant)
    stack.server.cli("company", "update", str(tenant.company_id), "--max-upload-bytes", "50000")
    try:
        with stack.client() as client:
            photo = create(client, tenant, name=f"{case}.jpg").json()
            key = photo["upload_url"]["fields"]["key"]
            if case == "too-large":
                stack.put_object(key, b"\xff\xd8\xff" + bytes(60_000))
            elif case == "wrong-key":
                stack.put_object(key.replace("original", "other"), media.camera_jpeg())
            else:
                stack.put_object(key, images.PDF)
            refused = finalize(client, tenant, photo["id"])
            assert refused.status_code == 400
            assert list(refused.json()) == ["file"]
            mine = client.get(f"/light/photos/{photo['id']}/", headers=auth(tenant)).json()
            assert mine["status"] == "pending"
            assert (
                client.get(f"/light/photos/{photo['id']}/", headers=auth(other)).status_code == 404
            )
            assert key not in stack.stored_objects()  # a refused object is not kept
    finally:
        stack.server.cli("company", "update", str(tenant.company_id), "--max-upload-bytes", "0")


def test_offline_id_makes_create_safe_to_retry(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        first = create(client, tenant, name="porch.jpg", offline_id="phone-42")
        again = create(client, tenant, name="porch.jpg", offline_id="phone-42")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert (
            again.json()["upload_url"]["fields"]["key"]
            == first.json()["upload_url"]["fields"]["key"]
        )
        assert post_form(again.json()["upload_url"], media.camera_jpeg()).status_code < 300
        assert finalize(client, tenant, first.json()["id"]).status_code == 200
        after = create(client, tenant, name="porch.jpg", offline_id="phone-42")
        assert after.status_code == 200
        assert after.json()["id"] == first.json()["id"]
        assert "upload_url" not in after.json()
        listed = client.get("/light/photos/", headers=auth(tenant), params={"page_size": 100})
        offline = [p for p in listed.json()["results"] if p["offline_id"] == "phone-42"]
        assert [p["id"] for p in offline] == [first.json()["id"]]


def test_foreign_ids_are_validation_errors_that_reveal_nothing(stack: Stack) -> None:
    mine, theirs = stack.new_tenant("Mine Ltd"), stack.new_tenant("Theirs Ltd")
    their_job, _ = stack.new_job_ids(theirs)
    with stack.client() as client:
        items = {
            kind: client.post(
                "/light/line-items/", headers=auth(theirs), json={"job": their_job, "kind": kind}
            ).json()["id"]
            for kind in ("inspection", "estimate", "supplemental", "change_order")
        }
        field_of = {
            "inspection": "job_inspection_line_item",
            "estimate": "estimate_line_item",
            "supplemental": "supplemental_line_item",
            "change_order": "change_order_line_item",
        }
        assert create(client, mine, name="x", job=their_job).json() == {"job": ["does not exist"]}
        assert create(client, mine, name="x", job=987654).json() == {"job": ["does not exist"]}
        for kind, item in items.items():
            response = create(client, mine, name="x", **{field_of[kind]: item})
            assert response.status_code == 400
            assert response.json() == {field_of[kind]: ["does not exist"]}
        theirs_photo = create(client, theirs, name="secret.jpg").json()
        post_form(theirs_photo["upload_url"], media.camera_jpeg())
        finalize(client, theirs, theirs_photo["id"])
        path = f"/light/photos/{theirs_photo['id']}/"
        for method in ("GET", "PATCH", "DELETE"):
            answer = client.request(method, path, headers=auth(mine), json={"name": "mine now"})
            assert answer.status_code == 404
            assert answer.json() == {"detail": "Not found."}
        assert finalize(client, mine, theirs_photo["id"]).status_code == 404
        assert client.get(path, headers=auth(theirs)).json()["name"] == "secret.jpg"


def test_limits_on_name_and_related_items(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        assert create(client, tenant, name="n" * 150).status_code == 201
        assert create(client, tenant, name="n" * 151).json() == {
            "name": ["must be at most 150 characters"]
        }
        assert (
            create(client, tenant, name="ok", related_to=[str(i) for i in range(25)]).status_code
            == 201
        )
        too_many = create(client, tenant, name="ok", related_to=[str(i) for i in range(26)])
        assert too_many.json() == {"related_to": ["must have at most 25 items"]}
        assert list(create(client, tenant, description="no name").json()) == ["name"]
        assert client.post("/light/photos/", headers=auth(tenant), content=b"{").status_code == 400


def test_exif_timestamp_and_location(stack: Stack) -> None:
    tenant = stack.new_tenant("Geo Ltd")
    job_id, _ = stack.new_job_ids(tenant, "Damp survey")
    _place_job(
        stack, tenant, job_id, line1="9 Mill Lane",
        latitude=Decimal("51.501000"), longitude=Decimal("-0.142000"),
    )  # fmt: skip
    with stack.client() as client:
        where = {"latitude": 51.5012, "longitude": -0.1421}
        near = create(
            client, tenant, name="wall.jpg", exif={"timestamp": 1700000000123, "location": where}
        ).json()
        assert near["capture_date"] == "2023-11-14T22:13:20.123Z"
        assert (near["latitude"], near["longitude"]) == (51.5012, -0.1421)
        assert near["job"] == job_id
        far = create(client, tenant, name="far.jpg", exif={"latitude": 53.0, "longitude": -2.0})
        assert far.json()["job"] is None
        bad_time = create(client, tenant, name="t.jpg", exif={"timestamp": "yesterday"})
        assert list(bad_time.json()) == ["exif"]
        bad_place = create(client, tenant, name="p.jpg", exif={"latitude": 123, "longitude": 0})
        assert list(bad_place.json()) == ["exif"]


def test_line_item_links_filters_updates_and_delete(stack: Stack, tenant: Tenant) -> None:
    job_id, _ = stack.new_job_ids(tenant)
    other_job, _ = stack.new_job_ids(tenant, "Second job")
    with stack.client() as client:
        inspection = client.post(
            "/light/line-items/", headers=auth(tenant),
            json={"job": job_id, "kind": "inspection", "description": "Roof survey"},
        ).json()  # fmt: skip
        listed = client.get("/light/line-items/", headers=auth(tenant), params={"job": job_id})
        assert [i["id"] for i in listed.json()["results"]] == [inspection["id"]]
        photo = create(
            client, tenant, name="ridge.jpg", job_inspection_line_item=inspection["id"]
        ).json()
        assert photo["job"] == job_id  # the inspection's job
        clash = create(
            client, tenant, name="x", job=other_job, job_inspection_line_item=inspection["id"]
        )
        assert list(clash.json()) == ["job_inspection_line_item"]
        post_form(photo["upload_url"], media.camera_jpeg())
        finalize(client, tenant, photo["id"])
        filtered = client.get(
            "/light/photos/", headers=auth(tenant),
            params={"job_inspection_line_item": inspection["id"]},
        ).json()  # fmt: skip
        assert [p["id"] for p in filtered["results"]] == [photo["id"]]
        changed = client.patch(
            f"/light/photos/{photo['id']}/", headers=auth(tenant, "Bearer"),
            json={"name": "Ridge tiles", "tags": ["ridge"], "description": "slipped"},
        )  # fmt: skip
        assert changed.status_code == 200
        assert (changed.json()["name"], changed.json()["tags"]) == ("Ridge tiles", ["ridge"])
        assert changed.json()["job_inspection_line_item"] == inspection["id"]
        assert (
            client.delete(f"/light/photos/{photo['id']}/", headers=auth(tenant)).status_code == 204
        )
        assert client.get(f"/light/photos/{photo['id']}/", headers=auth(tenant)).status_code == 404


def test_list_is_latest_capture_first_and_paginated(stack: Stack) -> None:
    tenant = stack.new_tenant("Pages Ltd")
    with stack.client() as client:
        ids = []
        for stamp in (3_000, 1_000, 2_000):
            photo = create(
                client, tenant, name=f"{stamp}.jpg", exif={"timestamp": stamp * 1000}
            ).json()
            post_form(photo["upload_url"], media.camera_jpeg(taken=None))
            finalize(client, tenant, photo["id"])
            ids.append((stamp, photo["id"]))
        first = client.get("/light/photos/", headers=auth(tenant), params={"page_size": 2}).json()
        assert first["count"] == 3
        latest_first = [i for _, i in sorted(ids, reverse=True)]
        assert [p["id"] for p in first["results"]] == latest_first[:2]
        assert first["previous"] is None
        second = httpx.get(first["next"], headers=auth(tenant)).json()
        assert [p["id"] for p in second["results"]] == latest_first[2:]
        assert second["next"] is None


def test_auth_headers(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        for scheme in ("Token", "Bearer"):
            assert client.get("/light/photos/", headers=auth(tenant, scheme)).status_code == 200
        missing = client.get("/light/photos/")
        assert missing.status_code == 401
        assert "detail" in missing.json()
        assert (
            client.get("/light/photos/", headers={"Authorization": "Token nope"}).status_code == 401
        )


def _uploaded(client: httpx.Client, tenant: Tenant, data: bytes, **body: Any) -> dict[str, Any]:
    """The three steps at once; the photo as finalize answers it."""
    photo = create(client, tenant, **body).json()
    assert post_form(photo["upload_url"], data).status_code in (200, 201, 204)
    done = finalize(client, tenant, photo["id"])
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_processing_keeps_what_the_client_sent(stack: Stack) -> None:
    tenant = stack.new_tenant("Client Wins Ltd")
    sent = {"timestamp": 1700000000123, "latitude": 51.5012, "longitude": -0.1421, "make": "Acme"}
    with stack.client() as client:
        # One file with neither GPS nor a capture time, one with different ones of its own.
        bare = _uploaded(
            client, tenant, media.camera_jpeg(latitude=None, longitude=None, taken=None),
            name="bare.jpg", exif=sent,
        )  # fmt: skip
        other = _uploaded(client, tenant, media.camera_jpeg(), name="own.jpg", exif=sent)
        stack.settle()
        for made in (bare, other):
            final = client.get(f"/light/photos/{made['id']}/", headers=auth(tenant)).json()
            assert final["status"] == "processed"
            assert final["capture_date"] == "2023-11-14T22:13:20.123Z"
            assert (final["latitude"], final["longitude"]) == (51.5012, -0.1421)
            # The client's keys, as sent, over whatever the file's EXIF says.
            assert {k: final["exif"][k] for k in sent} == sent
        own = client.get(f"/light/photos/{other['id']}/", headers=auth(tenant)).json()
        assert "date_time_original" in own["exif"]


def test_file_values_fill_in_what_the_client_did_not_send(stack: Stack) -> None:
    tenant = stack.new_tenant("Fill In Ltd")
    with stack.client() as client:
        made = _uploaded(client, tenant, media.camera_jpeg(), name="plain.jpg")
        stack.settle()
        final = client.get(f"/light/photos/{made['id']}/", headers=auth(tenant)).json()
    assert (round(final["latitude"], 5), round(final["longitude"], 5)) == (42.82525, -73.89618)
    assert final["capture_date"] == "2025-06-06T10:00:08.000Z"


@pytest.mark.parametrize("base", ["", "/roof_link_endpoints/api"], ids=["light", "vendor-base"])
def test_the_same_client_code_works_at_the_vendors_base_path(
    stack: Stack, tenant: Tenant, base: str
) -> None:
    with httpx.Client(base_url=stack.url + base, timeout=30) as client:
        headers = {"X-API-KEY": tenant.api_key}
        made = client.post("/light/photos/", headers=headers, json={"name": "porch.jpg"})
        assert made.status_code == 201, made.text
        photo = made.json()
        assert post_form(photo["upload_url"], media.camera_jpeg()).status_code in (200, 201, 204)
        done = client.put(f"/light/photos/{photo['id']}/uploaded/", headers=headers)
        assert done.status_code == 200, done.text
        listed = client.get("/light/photos/", headers=headers).json()
        assert photo["id"] in [p["id"] for p in listed["results"]]
        if listed["next"]:
            assert listed["next"].startswith(f"{stack.url}{base}/light/photos/")
        missing = client.get("/light/photos/0/", headers=headers)
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})


def test_pages_are_ten_at_most_and_past_the_last_is_an_invalid_page(stack: Stack) -> None:
    tenant = stack.new_tenant("Twelve Ltd")
    with stack.client() as client:
        for number in range(12):
            _uploaded(client, tenant, images.jpeg(), name=f"{number}.jpg")

        def listing(**params: Any) -> httpx.Response:
            return client.get("/light/photos/", headers=auth(tenant), params=params)

        assert len(listing().json()["results"]) == 10
        assert len(listing(page_size=50).json()["results"]) == 10
        assert len(listing(page_size=3).json()["results"]) == 3
        # DRF: a size that is not a positive number is the default size.
        assert len(listing(page_size=0).json()["results"]) == 10
        assert len(listing(page=2).json()["results"]) == 2
        for page in (3, 0, -1, "two", 10**30):
            past = listing(page=page)
            assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."}), page
    empty = stack.new_tenant("Nothing Ltd")
    with stack.client() as client:
        first = client.get("/light/photos/", headers=auth(empty))
    assert (first.status_code, first.json()["count"], first.json()["results"]) == (200, 0, [])


def test_a_malformed_body_is_a_json_parse_error(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        response = client.post(
            "/light/photos/",
            headers={**auth(tenant), "Content-Type": "application/json"},
            content=b"{not json",
        )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)"
    }


def test_a_retried_create_never_brings_a_deleted_photo_back(stack: Stack, tenant: Tenant) -> None:
    offline_id = f"phone-{uuid.uuid4()}"
    with stack.client() as client:
        made = _uploaded(client, tenant, images.jpeg(), name="gone.jpg", offline_id=offline_id)
        assert (
            client.delete(f"/light/photos/{made['id']}/", headers=auth(tenant)).status_code == 204
        )
        rows = stack.photo_rows()
        retried = create(client, tenant, name="gone.jpg", offline_id=offline_id)
        assert retried.status_code == 400
        assert retried.json() == {"offline_id": ["belongs to a photo that was deleted"]}
        assert stack.photo_rows() == rows
        assert client.get(f"/light/photos/{made['id']}/", headers=auth(tenant)).status_code == 404


def test_jobs_list_and_detail_give_the_ids_photos_take(stack: Stack) -> None:
    tenant = stack.new_tenant("Jobs Ltd")
    first_id, _ = stack.new_job_ids(tenant, "Gutter clean")
    second_id, _ = stack.new_job_ids(tenant, "Boiler service")
    _place_job(stack, tenant, second_id, line1="14 Elm Road", city="Leeds", postcode="LS1 4AB")
    other = stack.new_tenant("Elsewhere Ltd")
    their_id, _ = stack.new_job_ids(other, "Not yours")
    with stack.client() as client:
        listed = client.get("/light/jobs/", headers=auth(tenant)).json()
        assert listed["count"] == 2
        assert [(j["id"], j["name"], j["address"]) for j in listed["results"]] == [
            (second_id, "Boiler service", "14 Elm Road, Leeds, LS1 4AB"),
            (first_id, "Gutter clean", None),
        ]
        one = client.get(f"/light/jobs/{second_id}/", headers=auth(tenant)).json()
        assert one["name"] == "Boiler service"
        foreign = client.get(f"/light/jobs/{their_id}/", headers=auth(tenant))
        assert (foreign.status_code, foreign.json()) == (404, {"detail": "Not found."})
