"""The served OpenAPI document and docs page, and the health check."""

from __future__ import annotations

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.acceptance


def test_openapi_describes_every_route(single_stack: Stack) -> None:
    spec = httpx.get(f"{single_stack.url}/openapi.json").json()
    paths = spec["paths"]
    crm = paths["/api/v1/jobs/{job_uuid}/photos"]
    assert set(crm) >= {"get", "post"}
    assert "multipart/form-data" in crm["post"]["requestBody"]["content"]
    assert set(paths["/api/v1/jobs/{job_uuid}/photos/{photo_uuid}"]) >= {"get", "delete"}
    assert "/healthz" in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_docs_page_renders(single_stack: Stack) -> None:
    page = httpx.get(f"{single_stack.url}/docs")
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert "/openapi.json" in page.text


def test_healthz_reports_ok(single_stack: Stack) -> None:
    assert httpx.get(f"{single_stack.url}/healthz").json() == {"status": "ok"}
