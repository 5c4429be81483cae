"""Ids and numbers past anything a database holds answer as unknown ones do, on every API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

HUGE = [10**30, -(10**30), 2**63, -(2**63) - 1, 2**31, -(2**31) - 1]


def _headers(path: str, tenant: Tenant) -> dict[str, str]:
    if path.startswith("/api/v2/"):
        return {"X-ApiToken": tenant.api_key}
    if path.startswith("/light/"):
        return {"Authorization": f"Token {tenant.api_key}"}
    return {"Authorization": f"Bearer {tenant.api_key}"}


def _integer_parameters(spec: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) for every integer path or query parameter."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if "integer" in kinds:
                    found.append((method, path, parameter["in"], parameter["name"]))
    return found


def test_every_integer_parameter_takes_numbers_past_the_databases_range(
    single_stack: Stack,
) -> None:
    tenant = single_stack.new_tenant("Range Ltd")
    job = single_stack.new_job(tenant)
    spec = httpx.get(f"{single_stack.url}/openapi.json").json()
    parameters = _integer_parameters(spec)
    # The presigned API's ids and filters, the CRM's and Fulcrum's paging at least.
    assert len(parameters) >= 10, parameters
    strings = {"job_uuid": job, "photo_uuid": str(uuid.uuid4()), "access_key": "no-such-key"}
    with single_stack.client() as client:
        for method, path, where, name in parameters:
            for number in HUGE:
                values = {**strings, name: str(number)}
                url = path.format(**{k: v for k, v in values.items() if "{" + k + "}" in path})
                params = {name: str(number)} if where == "query" else {}
                body = {"name": "x.jpg"} if method in ("post", "put", "patch") else None
                response = client.request(
                    method, url, params=params, json=body, headers=_headers(path, tenant)
                )
                what = f"{method.upper()} {path} {name}={number}"
                assert response.status_code < 500, f"{what}: {response.text}"
                if where == "path":
                    assert response.status_code == 404, what


@pytest.mark.parametrize("number", HUGE)
def test_ids_in_bodies_past_the_range_are_unknown_ids(single_stack: Stack, number: int) -> None:
    tenant = single_stack.new_tenant("Body Range Ltd")
    headers = {"Authorization": f"Token {tenant.api_key}"}
    fields = [
        "job",
        "job_inspection_line_item",
        "estimate_line_item",
        "supplemental_line_item",
        "change_order_line_item",
    ]
    with single_stack.client() as client:
        for field in fields:
            made = client.post(
                "/light/photos/", headers=headers, json={"name": "x.jpg", field: number}
            )
            assert (made.status_code, list(made.json())) == (400, [field]), made.text
        item = client.post(
            "/light/line-items/", headers=headers, json={"job": number, "kind": "estimate"}
        )
        assert (item.status_code, item.json()) == (400, {"job": ["does not exist"]})
        listed = client.get("/light/line-items/", headers=headers, params={"job": number})
        assert (listed.status_code, listed.json()["count"]) == (200, 0)
