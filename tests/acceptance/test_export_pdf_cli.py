"""`jobshots export pdf`, run as an operator would, against each database and storage."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.support import images
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance


def _upload(stack: Stack, tenant: Tenant, job: str, photo_type: str, colour: str) -> str:
    with stack.client() as client:
        made = client.post(
            f"/api/v1/jobs/{job}/photos",
            headers=tenant.auth,
            data={"photo_type": photo_type},
            files={"photos": (f"{colour}.jpg", images.jpeg(320, 240, colour), "image/jpeg")},
        )
    assert made.status_code == 200, made.text
    return str(made.json()["data"]["photos"][0]["uuid"])


def test_export_pdf_writes_the_report_of_the_processed_photos(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    job = stack.new_job(tenant, "Roof repair")
    for photo_type, colour in [("after", "green"), ("before", "red"), ("other", "white")]:
        _upload(stack, tenant, job, photo_type, colour)
    stack.settle()

    out = tmp_path / "roof.pdf"
    result = stack.server.cli("export", "pdf", "--job", job, "--out", str(out))

    assert f"{out} (3 photos, {out.stat().st_size} bytes)" in result.stdout
    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 6
    assert "Roof repair" in pages[0]
    assert [page.lstrip().split("\n", 1)[0] for page in pages[1:]] == [
        "Job details",
        "Before",
        "After",
        "Other",
        "Evidence",
    ]
    assert [len(page.images) for page in reader.pages] == [0, 0, 1, 1, 1, 0]
    assert all(f"Page {n} of 6" in page for n, page in enumerate(pages, 1))
    assert not list(tmp_path.glob(".*.partial"))


def test_export_pdf_refuses_a_missing_or_foreign_job_and_writes_nothing(
    stack: Stack, tenant: Tenant, tmp_path: Path
) -> None:
    theirs = stack.new_job(stack.new_tenant("Rival Roofing"))
    out = tmp_path / "nothing.pdf"
    errors = {}
    for case, args in {
        "missing job": ("--job", str(uuid.uuid4())),
        "another company's job": ("--job", theirs, "--company", str(tenant.company_id)),
        "malformed job": ("--job", "not-a-uuid"),
    }.items():
        result = stack.server.cli("export", "pdf", *args, "--out", str(out), check=False)
        assert result.returncode == 1, case
        errors[case] = result.stderr.strip()
    assert errors["missing job"] == "error: job not found"
    assert errors["another company's job"] == errors["missing job"]
    assert errors["malformed job"] == errors["missing job"]
    assert list(tmp_path.iterdir()) == []
