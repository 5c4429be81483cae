"""`jobshots export zip`, run as an operator would, against each database and storage."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.support import images
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance


def _upload(stack: Stack, tenant: Tenant, job: str, photo_type: str, name: str, data: bytes) -> str:
    with stack.client() as client:
        made = client.post(
            f"/api/v1/jobs/{job}/photos",
            headers=tenant.auth,
            data={"photo_type": photo_type},
            files={"photos": (name, data, "image/jpeg" if name.endswith(".jpg") else "image/png")},
        )
    assert made.status_code == 200, made.text
    return str(made.json()["data"]["photos"][0]["uuid"])


def test_export_zip_writes_every_live_original_and_a_manifest_that_matches(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    job = stack.new_job(tenant, "Roof repair")
    originals = {
        _upload(stack, tenant, job, photo_type, name, data): data
        for photo_type, name, data in [
            ("before", "roof.jpg", images.jpeg(colour="red")),
            ("before", "roof.jpg", images.jpeg(colour="blue")),
            ("during", "scaffold.png", images.png()),
            ("after", "roof.jpg", images.jpeg(90, 70, "green")),
        ]
    }
    gone = _upload(stack, tenant, job, "after", "blurred.jpg", images.jpeg(colour="black"))
    with stack.client() as client:
        deleted = client.delete(f"/api/v1/jobs/{job}/photos/{gone}", headers=tenant.auth)
    assert deleted.status_code == 200, deleted.text

    out = tmp_path / "roof.zip"
    result = stack.server.cli("export", "zip", "--job", job, "--out", str(out))

    size = out.stat().st_size
    assert f"{out} ({size} bytes, {size / 1e6:.1f} MB)" in result.stdout
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        files = json.loads(archive.read("manifest.json"))["files"]
        assert {f["photo_uuid"] for f in files} == set(originals)
        assert sorted(archive.namelist()) == sorted(
            [*(f["path"] for f in files), "manifest.json", "manifest.csv", "manifest.json.sig"]
        )
        for entry in files:
            data = archive.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert data == originals[entry["photo_uuid"]]
    assert {f["photo_type"] for f in files} == {"before", "during", "after"}
    assert len({f["path"] for f in files}) == len(files)
    assert not list(tmp_path.glob(".*.partial"))


def test_export_zip_refuses_a_missing_or_foreign_job_and_an_unknown_company(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    theirs = stack.new_job(stack.new_tenant("Rival Roofing"))
    out = tmp_path / "nothing.zip"
    cases = {
        "missing job": ("--job", str(uuid.uuid4())),
        "another company's job": ("--job", theirs, "--company", str(tenant.company_id)),
        "malformed job": ("--job", "not-a-uuid"),
        "unknown company": ("--job", theirs, "--company", str(uuid.uuid4())),
    }
    errors = {}
    for case, args in cases.items():
        result = stack.server.cli("export", "zip", *args, "--out", str(out), check=False)
        assert result.returncode == 1, case
        errors[case] = result.stderr.strip()
    assert errors["missing job"] == "error: job not found"
    assert errors["another company's job"] == errors["missing job"]
    assert errors["malformed job"] == errors["missing job"]
    assert errors["unknown company"].startswith("error: ")
    assert "company" in errors["unknown company"]
    assert list(tmp_path.iterdir()) == []
