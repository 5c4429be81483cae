"""Every credential form each vendor documents works, and a wrong key in any of them answers
exactly as no key does."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

# A request in one credential form: (client, tenant, job UUID, key or None) -> response.
Send = Callable[[httpx.Client, Tenant, str, str | None], httpx.Response]
WRONG = ["jsk_000000000000_" + "x" * 43, "nonsense", "jsk_"]


def _in_header(name: str, path: str, scheme: str = "") -> Send:
    def send(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
        headers = {name: f"{scheme} {key}".strip()} if key is not None else {}
        return client.get(path.format(job=job), headers=headers)

    return send


def _in_query(name: str, path: str) -> Send:
    def send(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
        return client.get(path, params={name: key} if key is not None else {})

    return send


def _in_body(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
    return client.post("/job/list", json={"authKey": key or "", "workspaceId": tenant.company_uuid})


CRM = "/api/v1/jobs/{job}/photos"
FORMS: dict[str, Send] = {
    "crm-bearer": _in_header("Authorization", CRM, "Bearer"),
    "crm-x-api-key": _in_header("X-API-Key", CRM),
    "fulcrum-header": _in_header("X-ApiToken", "/api/v2/photos.json"),
    "fulcrum-token-query": _in_query("token", "/api/v2/photos.json"),
    "presigned-token": _in_header("Authorization", "/light/photos/", "Token"),
    "presigned-bearer": _in_header("Authorization", "/light/photos/", "Bearer"),
    "presigned-x-api-key": _in_header("X-API-KEY", "/light/photos/"),
    "vendor-base-x-api-key": _in_header("X-API-KEY", "/roof_link_endpoints/api/light/photos/"),
    "workphotos-authkey": _in_body,
}


@pytest.mark.parametrize("form", FORMS)
def test_each_documented_form_works_and_a_wrong_key_is_refused_like_none(
    single_stack: Stack, form: str
) -> None:
    tenant = single_stack.new_tenant("Keys Ltd")
    job = single_stack.new_job(tenant)
    send = FORMS[form]
    with single_stack.client() as client:
        assert send(client, tenant, job, tenant.api_key).status_code == 200
        refused = send(client, tenant, job, None)
        assert refused.status_code == 401, refused.text
        for key in WRONG:
            wrong = send(client, tenant, job, key)
            assert (wrong.status_code, wrong.json()) == (refused.status_code, refused.json())
            challenge = wrong.headers.get("www-authenticate")
            assert challenge == refused.headers.get("www-authenticate")
