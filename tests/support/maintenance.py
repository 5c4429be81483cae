"""Calling the maintenance API as a client does: a Bearer key, and a CSRF token for writes."""

from __future__ import annotations

import httpx

from tests.support.stack import Tenant


def bearer(tenant: Tenant) -> dict[str, str]:
    """The caller's key, for reads."""
    return {"Authorization": f"Bearer {tenant.api_key}"}


def csrf_token(client: httpx.Client, tenant: Tenant) -> str:
    """A CSRF token issued to the caller."""
    answer = client.get("/api/security/csrf-token", headers=bearer(tenant))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["token"])


def write_headers(client: httpx.Client, tenant: Tenant) -> dict[str, str]:
    """The caller's key plus a CSRF token of its own, for writes."""
    return {**bearer(tenant), "X-CSRF-Token": csrf_token(client, tenant)}
