"""Every write route of the maintenance API, read from its served OpenAPI document, refuses a
request without the caller's CSRF token, so a route added tomorrow is held to the rule too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.acceptance
PREFIXES = ("/api/jobs/", "/api/auth/", "/api/security/")
WRITES = {"post", "put", "patch", "delete"}
# Signing in is how a caller gets the credential a CSRF token is bound to.
BEFORE_ANY_CALLER = {("post", "/api/auth/login")}


def _writes(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (method, path)
        for path, operations in spec["paths"].items()
        if path.startswith(PREFIXES)
        for method in operations
        if method in WRITES and (method, path) not in BEFORE_ANY_CALLER
    )


def test_every_write_needs_the_callers_csrf_token(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Every Write Ltd")
    job = single_stack.new_job(tenant)
    bearer = {"Authorization": f"Bearer {tenant.api_key}"}
    with single_stack.client() as client:
        writes = _writes(client.get("/openapi.json").json())
        assert len(writes) >= 12, writes
        for method, path in writes:
            for extra in ({}, {"X-CSRF-Token": "1999999999.forged"}):
                refused = client.request(
                    method, path, headers={**bearer, **extra},
                    json={"action": "create", "job_uuid": job, "uuid": job, "name": "X"},
                )  # fmt: skip
                assert refused.status_code == 403, (method, path, refused.text)
                assert refused.json()["success"] is False
                assert "CSRF" in refused.json()["error"], (method, path)
        # Nothing was changed by any of them: the job is still there, unpinned.
        got = client.get("/api/jobs/manage", params={"action": "get", "uuid": job}, headers=bearer)
    assert got.status_code == 200
    assert got.json()["data"]["is_pinned"] is False
