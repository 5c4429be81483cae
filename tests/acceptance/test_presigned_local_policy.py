"""The local backend's own upload endpoint enforces the signed policy and stores nothing else."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import images, media
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance


def _form(stack: Stack, tenant: Tenant, name: str = "porch.jpg") -> dict[str, Any]:
    with stack.client() as client:
        response = client.post(
            "/light/photos/",
            headers={"Authorization": f"Token {tenant.api_key}"},
            json={"name": name},
        )
    form: dict[str, Any] = response.json()["upload_url"]
    return form


def _post(
    form: dict[str, Any], fields: dict[str, str], data: bytes, ctype: str = "image/jpeg"
) -> httpx.Response:
    return httpx.post(form["url"], data=fields, files={"file": ("p.jpg", data, ctype)})


def _policy_with(form: dict[str, Any], **changes: Any) -> str:
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    policy.update(changes)
    return base64.b64encode(json.dumps(policy).encode()).decode()


def test_a_valid_form_stores_exactly_its_key(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant()
    form = _form(single_stack, tenant)
    before = single_stack.stored_objects()
    assert _post(form, form["fields"], media.camera_jpeg()).status_code == 204
    assert single_stack.stored_objects() - before == {form["fields"]["key"]}


@pytest.mark.parametrize(
    "violation", ["changed-key", "wrong-content-type", "tampered-signature", "tampered-policy"]
)
def test_policy_violations_are_refused_and_store_nothing(
    single_stack: Stack, violation: str
) -> None:
    tenant = single_stack.new_tenant()
    form = _form(single_stack, tenant)
    fields = dict(form["fields"])
    if violation == "changed-key":
        fields["key"] = fields["key"].replace("original", "evil")
    elif violation == "wrong-content-type":
        fields["Content-Type"] = "text/html"
    elif violation == "tampered-signature":
        fields["x-jobshots-signature"] = "0" * 64
    else:
        fields["policy"] = _policy_with(form, expiration="2999-01-01T00:00:00Z")
    before = single_stack.stored_objects()
    response = _post(form, fields, media.camera_jpeg())
    assert response.status_code == 403
    assert b"AccessDenied" in response.content
    assert single_stack.stored_objects() == before


def test_too_large_is_refused_and_stores_nothing(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant()
    single_stack.server.cli(
        "company", "update", str(tenant.company_id), "--max-upload-bytes", "40000"
    )
    form = _form(single_stack, tenant)
    before = single_stack.stored_objects()
    response = _post(form, form["fields"], b"\xff\xd8\xff" + bytes(50_000))
    assert response.status_code == 400
    assert b"EntityTooLarge" in response.content
    assert single_stack.stored_objects() == before


def test_expired_form_is_refused(tmp_path: Path) -> None:
    with running_stack(
        "sqlite", "local", tmp_path, None, {"JOBSHOTS_UPLOAD_FORM_TTL_SECONDS": "1"}
    ) as stack:
        tenant = stack.new_tenant()
        form = _form(stack, tenant)
        time.sleep(2.1)
        before = stack.stored_objects()
        response = _post(form, form["fields"], images.jpeg())
        assert response.status_code == 403
        assert b"expired" in response.content
        assert stack.stored_objects() == before
