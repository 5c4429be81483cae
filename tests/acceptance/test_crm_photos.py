"""The CRM job-photos API (seed 000) end to end, over every database x storage stack."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.acceptance.conftest import UPLOAD_LIMIT
from tests.support import images
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance


def photos_url(job_uuid: str, photo_uuid: str | None = None) -> str:
    base = f"/api/v1/jobs/{job_uuid}/photos"
    return f"{base}/{photo_uuid}" if photo_uuid else base


def upload(
    client: httpx.Client,
    tenant: Tenant,
    job: str,
    files: list[tuple[str, bytes, str]],
    **fields: str,
) -> httpx.Response:
    parts = [("photos", (name, data, ctype)) for name, data, ctype in files]
    return client.post(photos_url(job), headers=tenant.auth, data=fields, files=parts)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    # The vendor's body: the message as a string; the code beside it is ours.
    assert isinstance(body["error"], str)
    assert body["error"]
    if code:
        assert body["code"] == code


def test_seed_walkthrough(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    originals = {
        "before": images.jpeg(colour="red"),
        "during": images.png(),
        "after": images.jpeg(colour="blue"),
    }
    with stack.client() as client:
        uploaded = {}
        for photo_type, data in originals.items():
            ctype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            response = upload(
                client,
                tenant,
                job,
                [(f"{photo_type}.img", data, ctype)],
                photo_type=photo_type,
                taken_at="2025-01-15T10:00:00Z",
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["success"] is True
            [photo] = body["data"]["photos"]
            assert photo["photo_type"] == photo_type
            assert photo["taken_at"] == "2025-01-15T10:00:00.000Z"
            assert photo["created_at"].endswith("Z")
            uuid.UUID(photo["uuid"])
            uploaded[photo_type] = photo

        listing = client.get(photos_url(job), headers=tenant.auth).json()
        assert listing["success"] is True
        assert listing["data"]["pagination"] == {
            "page": 1,
            "limit": 50,
            "total": 3,
            "total_pages": 1,
        }
        assert [p["photo_type"] for p in listing["data"]["photos"]] == ["before", "during", "after"]
        first = listing["data"]["photos"][0]
        assert first["user"]["first_name"] == "Olive"
        assert first["user"]["last_name"] == "Owner"
        assert first["job_uuid"] == job
        assert first["mime_type"] == "image/jpeg"
        assert first["file_size"] == len(originals["before"])
        assert first["deleted_at"] is None
        assert first["customer_email_sent"] is False

        only_during = client.get(
            photos_url(job), headers=tenant.auth, params={"photo_type": "during"}
        )
        assert [p["uuid"] for p in only_during.json()["data"]["photos"]] == [
            uploaded["during"]["uuid"]
        ]

        page2 = client.get(
            photos_url(job), headers=tenant.auth, params={"page": 2, "limit": 2}
        ).json()
        assert page2["data"]["pagination"] == {"page": 2, "limit": 2, "total": 3, "total_pages": 2}
        assert [p["uuid"] for p in page2["data"]["photos"]] == [uploaded["after"]["uuid"]]

        one = client.get(photos_url(job, uploaded["during"]["uuid"]), headers=tenant.auth)
        assert one.status_code == 200
        assert one.json()["data"]["photo"]["mime_type"] == "image/png"

        deleted = client.delete(photos_url(job, uploaded["before"]["uuid"]), headers=tenant.auth)
        assert deleted.json() == {
            "success": True,
            "data": {"message": "Photo deleted successfully"},
        }
        live = client.get(photos_url(job), headers=tenant.auth).json()["data"]
        assert live["pagination"]["total"] == 2
        assert uploaded["before"]["uuid"] not in [p["uuid"] for p in live["photos"]]
        everything = client.get(
            photos_url(job), headers=tenant.auth, params={"include_deleted": "true"}
        ).json()["data"]
        assert everything["pagination"]["total"] == 3
        gone = next(p for p in everything["photos"] if p["uuid"] == uploaded["before"]["uuid"])
        assert gone["deleted_at"] is not None

        # The soft-deleted photo's file is still stored and its URL still serves it.
        fetched = httpx.get(gone["photo_url"], timeout=30)
        assert fetched.status_code == 200
        assert fetched.content == originals["before"]
        assert fetched.headers["content-type"].startswith("image/jpeg")


def test_limit_is_capped_at_100(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        body = client.get(photos_url(job), headers=tenant.auth, params={"limit": 500}).json()
    assert body["data"]["pagination"]["limit"] == 100


def test_photo_url_serves_detected_type_safely(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    data = images.png()
    hostile_name = 'report".html\r\nX-Injected: yes.jpg'
    with stack.client() as client:
        response = upload(
            client, tenant, job, [(hostile_name, data, "text/html")], photo_type="after"
        )
        assert response.status_code == 200, response.text
        photo = response.json()["data"]["photos"][0]
    assert photo["mime_type"] == "image/png"
    fetched = httpx.get(photo["photo_url"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["content-type"] == "image/png"
    assert "x-injected" not in fetched.headers
    disposition = fetched.headers["content-disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "filename*=UTF-8''" in disposition
    if stack.storage == "local":
        assert fetched.headers["x-content-type-options"] == "nosniff"


def test_photo_url_is_signed_and_expires(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        photo = upload(
            client, tenant, job, [("a.jpg", images.jpeg(), "image/jpeg")], photo_type="before"
        ).json()["data"]["photos"][0]
    url = photo["photo_url"]
    assert httpx.get(url, timeout=30).status_code == 200
    query = parse_qs(urlsplit(url).query)
    if stack.storage == "s3":
        # moto's server does not verify presigned signatures (S3 does), so check the URL's terms.
        assert query["X-Amz-Expires"] == ["3600"]
        assert query["X-Amz-Signature"][0]
        return
    assert int(query["exp"][0]) > time.time()
    tampered = url.replace("ct=image%2Fjpeg", "ct=text%2Fhtml")
    assert tampered != url
    assert httpx.get(tampered, timeout=30).status_code == 404


@pytest.mark.parametrize(
    ("files", "fields", "code"),
    [
        ([("fake.jpg", images.PDF, "image/jpeg")], {"photo_type": "before"}, "unsupported_type"),
        ([("bomb.png", images.png_bomb(), "image/png")], {"photo_type": "before"}, "invalid"),
        (
            [("big.jpg", b"\xff\xd8\xff" + bytes(UPLOAD_LIMIT), "image/jpeg")],
            {"photo_type": "before"},
            "too_large",
        ),
        ([("ok.jpg", images.jpeg(), "image/jpeg")], {"photo_type": "sideways"}, "invalid"),
        ([("ok.jpg", images.jpeg(), "image/jpeg")], {}, "invalid"),
        ([], {"photo_type": "before"}, "invalid"),
        (
            [("ok.jpg", images.jpeg(), "image/jpeg"), ("bad.jpg", images.PDF, "image/jpeg")],
            {"photo_type": "before"},
            "unsupported_type",
        ),
    ],
    ids=[
        "not-an-image",
        "decompression-bomb",
        "over-limit",
        "bad-photo-type",
        "no-photo-type",
        "no-file",
        "second-file-bad",
    ],
)
def test_rejected_upload_is_400_and_stores_nothing(
    stack: Stack,
    tenant: Tenant,
    files: list[tuple[str, bytes, str]],
    fields: dict[str, str],
    code: str,
) -> None:
    job = stack.new_job(tenant)
    stack.settle()
    rows, objects = stack.photo_rows(), stack.stored_objects()
    with stack.client() as client:
        if files:
            response = upload(client, tenant, job, files, **fields)
        else:
            response = client.post(
                photos_url(job), headers=tenant.auth, data=fields, files={"x": ("", b"")}
            )
    assert_error(response, 400, code)
    assert stack.photo_rows() == rows
    assert stack.stored_objects() == objects


def test_invalid_file_type_names_the_detected_type(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        response = upload(
            client, tenant, job, [("x.jpg", images.PDF, "image/jpeg")], photo_type="before"
        )
    assert_error(response, 400, "unsupported_type")
    assert "pdf" in response.json()["error"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer jsk_0123456789ab_" + "A" * 43},
    ],
    ids=["missing", "wrong-scheme", "malformed", "unknown"],
)
def test_missing_or_wrong_key_is_401(stack: Stack, tenant: Tenant, headers: dict[str, str]) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        assert_error(client.get(photos_url(job), headers=headers), 401, "unauthenticated")
        rows = stack.photo_rows()
        response = client.post(
            photos_url(job),
            headers=headers,
            data={"photo_type": "before"},
            files={"photos": ("a.jpg", images.jpeg(), "image/jpeg")},
        )
        assert_error(response, 401)
        assert stack.photo_rows() == rows


def test_revoked_key_is_401(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    owner = stack.new_tenant("Revokers Ltd")
    with stack.client() as client:
        assert client.get(photos_url(job), headers=tenant.auth).status_code == 200
        prefix = owner.api_key.split("_")[1]
        stack.server.cli("apikey", "revoke", prefix)
        other_job = stack.new_job(owner)
        assert_error(client.get(photos_url(other_job), headers=owner.auth), 401)


def test_company_without_photos_addon_is_403(stack: Stack) -> None:
    tenant = stack.new_tenant("No Photos Ltd")
    job = stack.new_job(tenant)
    stack.server.cli("company", "update", str(tenant.company_id), "--addons", "documents")
    with stack.client() as client:
        assert_error(client.get(photos_url(job), headers=tenant.auth), 403, "addon_required")
        response = upload(
            client, tenant, job, [("a.jpg", images.jpeg(), "image/jpeg")], photo_type="before"
        )
        assert_error(response, 403, "addon_required")


def test_key_outside_ip_allow_list_is_403(stack: Stack) -> None:
    tenant = stack.new_tenant("Locked Down Ltd")
    job = stack.new_job(tenant)
    owner_email = tenant.owner_email
    outside = stack.server.cli_json(
        "apikey",
        "create",
        "--company",
        tenant.company_uuid,
        "--email",
        owner_email,
        "--allow-ip",
        "10.20.0.0/16",
    )["api_key"]
    inside = stack.server.cli_json(
        "apikey",
        "create",
        "--company",
        tenant.company_uuid,
        "--email",
        owner_email,
        "--allow-ip",
        "127.0.0.0/8",
    )["api_key"]
    with stack.client() as client:
        refused = client.get(photos_url(job), headers={"Authorization": f"Bearer {outside}"})
        assert_error(refused, 403, "ip_not_allowed")
        allowed = client.get(photos_url(job), headers={"Authorization": f"Bearer {inside}"})
        assert allowed.status_code == 200


def test_spent_upload_quota_is_403_and_stores_nothing(stack: Stack) -> None:
    tenant = stack.new_tenant("Frugal Ltd")
    job = stack.new_job(tenant)
    stack.server.cli("company", "update", str(tenant.company_id), "--monthly-upload-quota", "2")
    with stack.client() as client:
        ok = upload(
            client, tenant, job, [("a.jpg", images.jpeg(), "image/jpeg")] * 2, photo_type="before"
        )
        assert ok.status_code == 200, ok.text
        stack.settle()
        rows, objects = stack.photo_rows(), stack.stored_objects()
        refused = upload(
            client, tenant, job, [("b.jpg", images.jpeg(), "image/jpeg")], photo_type="after"
        )
        assert_error(refused, 403, "quota_exceeded")
    assert stack.photo_rows() == rows
    assert stack.stored_objects() == objects


@pytest.mark.parametrize("job_id", ["3f6c1a52-8d0e-4b8e-9a59-0d2f4c1e7b11", "not-a-uuid", "1"])
def test_unknown_job_is_404(stack: Stack, tenant: Tenant, job_id: str) -> None:
    with stack.client() as client:
        assert_error(client.get(photos_url(job_id), headers=tenant.auth), 404, "not_found")
        response = upload(
            client, tenant, job_id, [("a.jpg", images.jpeg(), "image/jpeg")], photo_type="before"
        )
        assert_error(response, 404)
        assert_error(client.get(photos_url(job_id, str(uuid.uuid4())), headers=tenant.auth), 404)
        assert_error(client.delete(photos_url(job_id, str(uuid.uuid4())), headers=tenant.auth), 404)


def test_unknown_photo_is_404(stack: Stack, tenant: Tenant) -> None:
    job = stack.new_job(tenant)
    with stack.client() as client:
        for photo_id in (str(uuid.uuid4()), "nope"):
            assert_error(client.get(photos_url(job, photo_id), headers=tenant.auth), 404)
            assert_error(client.delete(photos_url(job, photo_id), headers=tenant.auth), 404)


def test_other_company_gets_404_for_everything_and_changes_nothing(stack: Stack) -> None:
    alice, bob = stack.new_tenant("Alice Plumbing"), stack.new_tenant("Bob Roofing")
    bob_job = stack.new_job(bob)
    alice_job = stack.new_job(alice)
    with stack.client() as client:
        bob_photo = upload(
            client, bob, bob_job, [("b.jpg", images.jpeg(), "image/jpeg")], photo_type="before"
        ).json()["data"]["photos"][0]
        stack.settle()
        before = client.get(
            photos_url(bob_job), headers=bob.auth, params={"include_deleted": "true"}
        ).json()
        rows, objects = stack.photo_rows(), stack.stored_objects()

        missing_job = str(uuid.uuid4())
        for job, photo in [(bob_job, bob_photo["uuid"]), (alice_job, bob_photo["uuid"])]:
            as_alice = [
                client.get(photos_url(job, photo), headers=alice.auth),
                client.delete(photos_url(job, photo), headers=alice.auth),
            ]
            for response in as_alice:
                assert_error(response, 404)
        foreign = client.get(photos_url(bob_job), headers=alice.auth)
        missing = client.get(photos_url(missing_job), headers=alice.auth)
        assert_error(foreign, 404)
        assert foreign.json() == {**missing.json()}
        assert_error(
            upload(
                client, alice, bob_job, [("a.jpg", images.jpeg(), "image/jpeg")], photo_type="after"
            ),
            404,
        )

        after = client.get(
            photos_url(bob_job), headers=bob.auth, params={"include_deleted": "true"}
        ).json()
    assert after == {
        **before,
        "data": {
            **before["data"],
            "photos": [
                {**p, "photo_url": q["photo_url"]}
                for p, q in zip(before["data"]["photos"], after["data"]["photos"], strict=True)
            ],
        },
    }
    assert after["data"]["photos"][0]["deleted_at"] is None
    assert stack.photo_rows() == rows
    assert stack.stored_objects() == objects
