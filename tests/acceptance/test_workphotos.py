"""The WorkPhotos-style jobs API (seed 001) end to end: seed bodies, timelines, errors, CORS."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support import images
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

# The seed's three cURL bodies, character for character (its /* comment */ included).
SEED_CREATE = """{
      "authKey": "YOUR_AUTH_KEY",
      "workspaceId": "YOUR_WORKSPACE_ID",
      "name": "Boiler service",
      "message": "Customer reports low pressure"
    }"""
SEED_LIST = """{
      "authKey": "YOUR_AUTH_KEY",
      "workspaceId": "YOUR_WORKSPACE_ID"
      /* "page": 2  - optional */
    }"""
SEED_DETAILS = """{
      "authKey": "YOUR_AUTH_KEY",
      "workspaceId": "YOUR_WORKSPACE_ID",
      "jobId": "YOUR_JOB_ID"
    }"""
JSON_HEADERS = {"content-type": "application/json"}

# The seed's response examples, field by field, as JSON types.
CREATED = {"jobId": str, "webAppDeeplink": str, "jobReportDeeplink": str}
LISTED = {
    "jobs": list,
    "page": int,
    "pageSize": int,
    "totalJobs": int,
    "totalPages": int,
    "pagesRemaining": int,
}
LISTED_JOB = {
    "jobId": str,
    "name": str,
    "createdAt": str,
    "webAppDeeplink": str,
    "jobReportDeeplink": str,
}
DETAILS = {
    "jobId": str,
    "jobName": str,
    "creatorId": str,
    "creatorName": str,
    "creationDate": str,
    "lastUpdateDate": str,
    "mainThumbnail": str,
    "messages": list,
}
MESSAGE = {"messageType": str, "timestampUploaded": str, "uploaderId": str, "uploaderName": str}
CHAT = {**MESSAGE, "textMessage": str}
IMAGE = {**MESSAGE, "urlToImage": str, "thumbnailForImage": str}
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATE_FIELDS = {"createdAt", "creationDate", "lastUpdateDate", "timestampUploaded"}


def seed_body(template: str, tenant: Tenant, job: str = "") -> bytes:
    """A seed body with this tenant's key, workspace and job put in."""
    filled = template.replace("YOUR_AUTH_KEY", tenant.api_key)
    filled = filled.replace("YOUR_WORKSPACE_ID", tenant.company_uuid)
    return filled.replace("YOUR_JOB_ID", job).encode()


def signed(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """A JSON body carrying the tenant's credentials."""
    return {"authKey": tenant.api_key, "workspaceId": tenant.company_uuid, **fields}


def assert_shape(body: dict[str, Any], shape: dict[str, type]) -> None:
    """Exactly the seed's fields, each of the seed's JSON type; dates in UTC with milliseconds."""
    assert set(body) == set(shape), body
    for name, kind in shape.items():
        assert type(body[name]) is kind, f"{name}: {body[name]!r}"
        if name in DATE_FIELDS:
            assert ISO_MILLIS.match(body[name]), f"{name}: {body[name]!r}"


def create_job(client: httpx.Client, tenant: Tenant, name: str, **extra: str) -> dict[str, Any]:
    response = client.post("/job/create", json=signed(tenant, name=name, **extra))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def details(client: httpx.Client, tenant: Tenant, job: str) -> dict[str, Any]:
    response = client.post("/job/details", json=signed(tenant, jobId=job))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def crm_upload(
    client: httpx.Client, tenant: Tenant, job: str, photo_type: str, data: bytes | None = None
) -> str:
    data = data or images.jpeg(colour="green")
    parts = [("photos", (f"{photo_type}.jpg", data, "image/jpeg"))]
    url = f"/api/v1/jobs/{job}/photos"
    response = client.post(url, headers=tenant.auth, data={"photo_type": photo_type}, files=parts)
    assert response.status_code == 200, response.text
    photo_uuid: str = response.json()["data"]["photos"][0]["uuid"]
    return photo_uuid


def fetched_jpeg(url: str) -> Image.Image:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith("image/jpeg")
    return Image.open(io.BytesIO(response.content))


def test_seed_examples_replayed_exactly(stack: Stack) -> None:
    tenant = stack.new_tenant()
    with stack.client() as client:
        response = client.post(
            "/job/create", content=seed_body(SEED_CREATE, tenant), headers=JSON_HEADERS
        )
        assert response.status_code == 200, response.text
        created = response.json()
        assert_shape(created, CREATED)
        job = created["jobId"]
        assert str(uuid.UUID(job)) == job
        assert created["webAppDeeplink"] == f"{stack.url}/app/{tenant.company_uuid}/jobs/{job}"
        token = created["jobReportDeeplink"].removeprefix(f"{stack.url}/r/")
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token), created["jobReportDeeplink"]
        crm_upload(client, tenant, job, "before")
        stack.settle()

        response = client.post(
            "/job/list", content=seed_body(SEED_LIST, tenant), headers=JSON_HEADERS
        )
        assert response.status_code == 200, response.text
        listing = response.json()
        assert_shape(listing, LISTED)
        assert (listing["page"], listing["pageSize"]) == (0, 30)
        assert (listing["totalJobs"], listing["totalPages"], listing["pagesRemaining"]) == (1, 1, 0)
        [listed] = listing["jobs"]
        assert_shape(listed, LISTED_JOB)
        assert listed["name"] == "Boiler service"
        assert {k: listed[k] for k in CREATED} == created

        response = client.post(
            "/job/details", content=seed_body(SEED_DETAILS, tenant, job), headers=JSON_HEADERS
        )
        assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, DETAILS)
    assert (body["jobId"], body["jobName"]) == (job, "Boiler service")
    assert body["creatorName"] == "Olive Owner"
    assert body["creationDate"] == listed["createdAt"]
    assert body["lastUpdateDate"] >= body["creationDate"]
    chat, image = body["messages"]
    assert_shape(chat, CHAT)
    assert_shape(image, IMAGE)
    assert (chat["messageType"], chat["textMessage"]) == ("chat", "Customer reports low pressure")
    assert image["messageType"] == "image"
    assert chat["uploaderId"] == image["uploaderId"] == body["creatorId"]
    assert image["uploaderName"] == "Olive Owner"
    assert body["mainThumbnail"] == image["thumbnailForImage"]
    assert body["lastUpdateDate"] == image["timestampUploaded"]


def test_photos_from_every_api_join_the_chat_in_time_order(stack: Stack, tenant: Tenant) -> None:
    with stack.client() as client:
        created = create_job(client, tenant, "Leak investigation", message="Water under the sink")
        job = created["jobId"]
        crm_upload(client, tenant, job, "before")
        said = client.post("/job/message", json=signed(tenant, jobId=job, message="Valve fixed"))
        assert said.status_code == 200, said.text
        assert_shape(said.json(), CHAT)
        fulcrum = client.post(
            "/api/v2/photos.json",
            headers={"X-ApiToken": tenant.api_key},
            data={"photo[access_key]": str(uuid.uuid4()), "photo[record_id]": job},
            files={"photo[file]": ("after.jpg", images.jpeg(colour="blue"), "image/jpeg")},
        )
        assert fulcrum.status_code == 201, fulcrum.text
        deleted = crm_upload(client, tenant, job, "after")
        assert client.delete(f"/api/v1/jobs/{job}/photos/{deleted}", headers=tenant.auth).is_success
        stack.settle()
        body = details(client, tenant, job)

    messages = body["messages"]
    assert [m["messageType"] for m in messages] == ["chat", "image", "chat", "image"]
    assert [m.get("textMessage") for m in messages[::2]] == ["Water under the sink", "Valve fixed"]
    stamps = [m["timestampUploaded"] for m in messages]
    assert stamps == sorted(stamps)
    for message in messages[1::2]:
        assert_shape(message, IMAGE)
        assert max(fetched_jpeg(message["urlToImage"]).size) <= 1600
        assert max(fetched_jpeg(message["thumbnailForImage"]).size) <= 200
    assert body["mainThumbnail"] == messages[-1]["thumbnailForImage"]


def test_photo_without_renditions_is_shown_by_its_original(stack: Stack, tenant: Tenant) -> None:
    undecodable = images.jpeg(640, 480)[:400]
    with stack.client() as client:
        job = create_job(client, tenant, "Gutter clearance")["jobId"]
        crm_upload(client, tenant, job, "other", undecodable)
        stack.settle()
        body = details(client, tenant, job)

    [image] = body["messages"]
    assert image["urlToImage"] == image["thumbnailForImage"] == body["mainThumbnail"]
    assert httpx.get(image["urlToImage"], timeout=30).content == undecodable


def test_list_pages_through_65_jobs(stack: Stack) -> None:
    tenant = stack.new_tenant("Busy Builders")
    with stack.client() as client:
        made = [create_job(client, tenant, f"Job {n:02d}")["jobId"] for n in range(65)]
        pages = []
        for number in (0, 1, 2, 3):
            response = client.post("/job/list", json=signed(tenant, page=number))
            assert response.status_code == 200, response.text
            pages.append(response.json())

    assert [len(p["jobs"]) for p in pages] == [30, 30, 5, 0]
    assert [p["page"] for p in pages] == [0, 1, 2, 3]
    assert [p["pagesRemaining"] for p in pages] == [2, 1, 0, 0]
    for page in pages:
        assert (page["pageSize"], page["totalJobs"], page["totalPages"]) == (30, 65, 3)
    listed = [job for page in pages for job in page["jobs"]]
    # Newest first, as every Jobshots list: each page continues where the last stopped.
    assert [job["jobId"] for job in listed] == made[::-1]


@dataclass(frozen=True)
class Parties:
    """The caller, one of its jobs, and another company with a job of its own."""

    tenant: Tenant
    job: str
    other: Tenant
    their_job: str


Case = tuple[str, Callable[[Parties], bytes | dict[str, Any]], int, str]
ERROR_CASES: dict[str, Case] = {
    "malformed-json": ("/job/list", lambda p: b'{"authKey": "x", ', 400, "not valid JSON"),
    "not-an-object": ("/job/list", lambda p: b"[]", 400, "JSON object"),
    "missing-authKey": (
        "/job/create",
        lambda p: {"workspaceId": p.tenant.company_uuid, "name": "Gutters"},
        400,
        "authKey is required",
    ),
    "missing-workspaceId": (
        "/job/list",
        lambda p: {"authKey": p.tenant.api_key},
        400,
        "workspaceId is required",
    ),
    "missing-name": ("/job/create", lambda p: signed(p.tenant), 400, "name is required"),
    "blank-name": ("/job/create", lambda p: signed(p.tenant, name="  "), 400, "name"),
    "missing-jobId": ("/job/details", lambda p: signed(p.tenant), 400, "jobId is required"),
    "negative-page": ("/job/list", lambda p: signed(p.tenant, page=-1), 400, "page"),
    "page-beyond-any-offset": ("/job/list", lambda p: signed(p.tenant, page=10**19), 400, "page"),
    "oversized-body": (
        "/job/create",
        lambda p: json.dumps(signed(p.tenant, name="x" * 300_000)).encode(),
        400,
        "at most",
    ),
    "blank-message": (
        "/job/message",
        lambda p: signed(p.tenant, jobId=p.job, message=" "),
        400,
        "message",
    ),
    "wrong-authKey": (
        "/job/list",
        lambda p: {**signed(p.tenant), "authKey": "jsk_000000000000_nope"},
        401,
        "API key",
    ),
    "unknown-workspace": (
        "/job/list",
        lambda p: {**signed(p.tenant), "workspaceId": str(uuid.uuid4())},
        403,
        "workspaceId",
    ),
    "other-company-workspace": (
        "/job/details",
        lambda p: {**signed(p.tenant, jobId=p.their_job), "workspaceId": p.other.company_uuid},
        403,
        "workspaceId",
    ),
    "unknown-jobId": (
        "/job/details",
        lambda p: signed(p.tenant, jobId=str(uuid.uuid4())),
        404,
        "not found",
    ),
    "malformed-jobId": (
        "/job/details",
        lambda p: signed(p.tenant, jobId="68d0ed784f25458a9e878d15"),
        404,
        "not found",
    ),
    "foreign-jobId": (
        "/job/details",
        lambda p: signed(p.tenant, jobId=p.their_job),
        404,
        "not found",
    ),
    "foreign-jobId-message": (
        "/job/message",
        lambda p: signed(p.tenant, jobId=p.their_job, message="hello"),
        404,
        "not found",
    ),
}


@pytest.fixture(scope="module")
def parties(stack: Stack, tenant: Tenant) -> Parties:
    """Everyone the error cases need, made once per stack."""
    other = stack.new_tenant("Rival Repairs")
    return Parties(tenant, stack.new_job(tenant), other, stack.new_job(other, "Their secret job"))


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_json_with_a_clear_message(stack: Stack, parties: Parties, case: str) -> None:
    path, make_body, status, says = ERROR_CASES[case]
    body = make_body(parties)
    with stack.client() as client:
        if isinstance(body, bytes):
            response = client.post(path, content=body, headers=JSON_HEADERS)
        else:
            response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    error = response.json()
    assert list(error) == ["error"]
    assert says in error["error"]
    assert "Their secret job" not in response.text


def test_cors_preflight_on_workphotos_routes_only(single_stack: Stack) -> None:
    origin = "https://dashboard.customer-portal.example"
    tenant = single_stack.new_tenant()
    with single_stack.client() as client:
        for path in ("/job/create", "/job/list", "/job/details", "/job/message"):
            preflight = client.options(
                path,
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,x-requested-with",
                },
            )
            assert preflight.status_code in (200, 204), path
            assert preflight.headers["access-control-allow-origin"] == "*"
            methods = {
                m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")
            }
            assert methods == {"POST", "OPTIONS"}
            assert (
                preflight.headers["access-control-allow-headers"] == "content-type,x-requested-with"
            )
            assert int(preflight.headers["access-control-max-age"]) > 0

        # A "simple" cross-origin request (text/plain, no preflight) is read all the same.
        listed = client.post(
            "/job/list",
            content=seed_body(SEED_LIST, tenant),
            headers={"Origin": origin, "content-type": "text/plain"},
        )
        assert listed.status_code == 200, listed.text
        assert listed.headers["access-control-allow-origin"] == "*"

        elsewhere = [
            client.options(
                f"/api/v1/jobs/{uuid.uuid4()}/photos",
                headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
            ),
            client.get("/healthz", headers={"Origin": origin}),
            client.get(f"/api/v1/jobs/{uuid.uuid4()}/photos", headers={"Origin": origin}),
        ]
    for response in elsewhere:
        assert "access-control-allow-origin" not in response.headers, response.request.url


def test_web_app_deeplink_names_the_job_only_to_its_company(single_stack: Stack) -> None:
    tenant, other = single_stack.new_tenant(), single_stack.new_tenant("Rival Repairs")
    with single_stack.client() as client:
        link = create_job(client, tenant, "Loft insulation 7731")["webAppDeeplink"]
        path = link.removeprefix(single_stack.url)
        own = client.get(path, headers=tenant.auth)
        anonymous = client.get(path)
        wrong_key = client.get(path, headers={"Authorization": "Bearer jsk_nope_nope"})
        foreign = client.get(path, headers=other.auth)

    assert own.status_code == 200
    assert "Loft insulation 7731" in own.text
    assert (anonymous.status_code, wrong_key.status_code) == (401, 401)
    assert "Sign in" in anonymous.text
    assert foreign.status_code == 404
    for refused in (anonymous, wrong_key, foreign):
        assert refused.headers["content-type"].startswith("text/html")
        assert "Loft insulation" not in refused.text


def test_openapi_documents_the_request_bodies(single_stack: Stack) -> None:
    paths = httpx.get(f"{single_stack.url}/openapi.json").json()["paths"]
    for path, required in {
        "/job/create": {"authKey", "workspaceId", "name"},
        "/job/list": {"authKey", "workspaceId"},
        "/job/details": {"authKey", "workspaceId", "jobId"},
        "/job/message": {"authKey", "workspaceId", "jobId", "message"},
    }.items():
        schema = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(schema["required"]) == required
        assert "options" not in paths[path]


def test_workspace_id_is_accepted_in_any_uuid_spelling(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Spelling Ltd")
    spellings = [tenant.company_uuid.upper(), tenant.company_uuid.replace("-", "")]
    with single_stack.client() as client:
        for workspace in spellings:
            body = {**signed(tenant), "workspaceId": workspace}
            assert client.post("/job/list", json=body).status_code == 200
        not_a_uuid = client.post("/job/list", json={**signed(tenant), "workspaceId": "acme"})
    assert not_a_uuid.status_code == 403
