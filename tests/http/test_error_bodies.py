"""Every failure under an API's prefix answers in that API's own error body, a crash included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from jobshots.app import create_app
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users

# A route under each prefix that crashes: only this test's build of the app has them.
CRASHING = [
    "/api/v1/crash",
    "/api/v2/crash",
    "/light/crash",
    "/job/crash",
    "/api/jobs/crash",
    "/elsewhere/crash",
]
JOB = "7c7d3a5e-0000-4000-8000-000000000000"


def _crash() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    app: FastAPI = create_app(ctx.settings, ctx)
    for path in CRASHING:
        app.add_api_route(path, _crash, methods=["GET", "POST"])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _crm(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error": message, "code": code}


CASES: dict[str, tuple[str, str, int, Any]] = {
    "crm-404": ("GET", "/api/v1/nothing", 404, _crm("not_found", "not found")),
    "crm-405": (
        "PUT",
        f"/api/v1/jobs/{JOB}/photos",
        405,
        _crm("method_not_allowed", "method PUT is not allowed here"),
    ),
    "crm-500": ("GET", "/api/v1/crash", 500, _crm("internal_error", "internal server error")),
    "fulcrum-404": ("GET", "/api/v2/nothing", 404, {"error": "not found"}),
    "fulcrum-405": (
        "POST",
        "/api/v2/photos/some-key",
        405,
        {"error": "method POST is not allowed here"},
    ),
    "fulcrum-500": ("GET", "/api/v2/crash", 500, {"error": "internal server error"}),
    "presigned-404": ("GET", "/light/nothing/", 404, {"detail": "Not found."}),
    "presigned-405": ("PUT", "/light/photos/", 405, {"detail": 'Method "PUT" not allowed.'}),
    "presigned-500": ("GET", "/light/crash", 500, {"detail": "A server error occurred."}),
    "workphotos-404": ("POST", "/job/nothing", 404, {"error": "not found"}),
    "workphotos-405": ("GET", "/job/list", 405, {"error": "method GET is not allowed here"}),
    "workphotos-500": ("POST", "/job/crash", 500, {"error": "internal server error"}),
    "maintenance-404": ("GET", "/api/jobs/nothing", 404, {"success": False, "error": "not found"}),
    "maintenance-405": (
        "GET",
        "/api/auth/login",
        405,
        {"success": False, "error": "method GET is not allowed here"},
    ),
    "maintenance-500": (
        "GET",
        "/api/jobs/crash",
        500,
        {"success": False, "error": "internal server error"},
    ),
    "elsewhere-404": ("GET", "/nothing", 404, {"error": "not found"}),
    "elsewhere-500": ("GET", "/elsewhere/crash", 500, {"error": "internal server error"}),
}


@pytest.mark.parametrize("case", CASES)
def test_each_api_answers_failures_in_its_own_body(client: TestClient, case: str) -> None:
    method, path, status, body = CASES[case]
    response = client.request(method, path)
    assert response.status_code == status
    assert response.json() == body


def test_method_not_allowed_says_which_methods_are(client: TestClient) -> None:
    response = client.request("PUT", f"/api/v1/jobs/{JOB}/photos")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize(
    "path", ["/job/crash", "/job/nothing", "/job/list", "/job/create"], ids=str
)
def test_workphotos_failures_are_readable_from_any_origin(client: TestClient, path: str) -> None:
    method = "GET" if path == "/job/list" else "POST"
    response = client.request(method, path, headers={"Origin": "https://app.example"})
    assert response.status_code >= 400
    assert response.headers["access-control-allow-origin"] == "*"


def test_parameter_errors_use_each_apis_body_and_status(client: TestClient, ctx: Context) -> None:
    # The caller is checked first on every API, so an anonymous request is refused first.
    anonymous = [
        client.get(f"/api/v1/jobs/{JOB}/photos", params={"page": "x"}),
        client.get("/api/v2/photos", params={"page": "x"}),
        client.get("/light/photos/", params={"job": "x"}),
    ]
    assert [r.status_code for r in anonymous] == [401, 401, 401]
    assert anonymous[0].json()["success"] is False
    assert set(anonymous[1].json()) == {"error"}
    assert set(anonymous[2].json()) == {"detail"}
    with ctx.uow() as uow:
        made = companies.create(uow, "Params Ltd", "owner@params.example")
        job = jobs.create(uow, users.acting_as(made.owner), "Gutters")
    key = made.api_key
    crm = client.get(
        f"/api/v1/jobs/{job.uuid}/photos",
        params={"page": "x"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert crm.status_code == 400
    assert (crm.json()["success"], crm.json()["code"], list(crm.json()["fields"])) == (
        False, "invalid", ["page"],
    )  # fmt: skip
    fulcrum = client.get("/api/v2/photos", params={"page": "x"}, headers={"X-ApiToken": key})
    assert fulcrum.status_code == 422
    assert list(fulcrum.json()["photo"]["errors"]) == ["page"]
    presigned = client.get("/light/photos/", params={"job": "x"}, headers={"X-API-KEY": key})
    assert (presigned.status_code, list(presigned.json())) == (400, ["job"])


def test_web_pages_fail_as_pages_and_direct_uploads_as_s3_xml(client: TestClient) -> None:
    page = client.get("/app/nothing")
    assert (page.status_code, page.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert "Not found" in page.text
    upload = client.get("/uploads/direct")
    assert upload.status_code == 405
    assert upload.headers["content-type"] == "application/xml"
    assert "<Code>MethodNotAllowed</Code>" in upload.text


def test_a_crash_is_logged_with_its_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/light/crash")
    [record] = [r for r in caplog.records if "unhandled error" in r.getMessage()]
    assert record.exc_info is not None
    assert "a bug" in str(record.exc_info[1])
