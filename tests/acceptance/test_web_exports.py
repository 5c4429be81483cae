"""The web app's downloads of a job, over a signed-in browser session: the ZIP and the PDF."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from jobshots.db.models import JobExport
from tests.support.images import jpeg
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-exports-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


def _job_with_photos(stack: Stack, owner: Tenant) -> tuple[str, dict[str, bytes]]:
    job = stack.new_job(owner, "Roof leak")
    colours = {"ridge.jpg": "red", "valley.jpg": "blue", "gutter.jpg": "green"}
    originals = {name: jpeg(80, 60, colour) for name, colour in colours.items()}
    for name, data in originals.items():
        stack.upload(owner, job, name, data)
    stack.settle()
    return job, originals


def test_the_zip_holds_every_original_byte_for_byte_as_its_manifest_says(stack: Stack) -> None:
    owner = stack.new_tenant("Zip Roofing")
    job, originals = _job_with_photos(stack, owner)
    with signed_in(stack, owner.owner_email) as browser:
        got = browser.get(f"/app/jobs/{job}/export.zip")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert int(got.headers["content-length"]) == len(got.content)
    assert got.headers["content-disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    manifest = json.loads(archive.read("manifest.json"))
    listed = manifest["files"] if isinstance(manifest, dict) else manifest
    assert len(listed) == 3
    kept = {}
    for entry in listed:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]
        kept[entry["original_name"]] = data
    assert kept == originals


def test_the_pdf_report_is_drawn_by_a_worker_then_downloads_with_its_pages(
    stack: Stack,
) -> None:
    owner = stack.new_tenant("Pdf Roofing")
    job, _ = _job_with_photos(stack, owner)
    with signed_in(stack, owner.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs").text)
        refused = browser.post(f"/app/jobs/{job}/reports")
        assert refused.status_code == 403
        asked = browser.post(f"/app/jobs/{job}/reports", data={"csrf_token": token})
        assert asked.status_code == 303, asked.text
        progress = asked.headers["location"]
        # A fresh report is queued for the worker: the download waits for it.
        report = progress.rsplit("/", 1)[1]
        assert _ready(browser, progress)
        got = browser.get(f"{progress}/report.pdf")
        # Someone else of the company does not get another person's report.
        colleague = stack.new_colleague(owner, "manager")
    with signed_in(stack, colleague.owner_email) as other:
        assert other.get(progress).status_code == 404
        assert other.get(f"{progress}/report.pdf").status_code == 404
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert int(got.headers["content-length"]) == len(got.content)
    pages = PdfReader(io.BytesIO(got.content)).pages
    assert len(pages) >= 3
    assert "Roof leak" in pages[0].extract_text()
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1].extract_text()
    assert stack.scalars(select(JobExport.storage_key).where(JobExport.uuid == uuid.UUID(report)))


def _ready(browser: httpx.Client, progress: str) -> bool:
    """Ask as htmx does until the report is ready (True) or failed (False)."""
    for _ in range(120):
        shown = browser.get(progress, headers={"HX-Request": "true"})
        assert shown.status_code == 200, shown.text
        if "report.pdf" in shown.text:
            return True
        if "could not be made" in shown.text:
            return False
        time.sleep(0.5)
    raise AssertionError("the report was never drawn")


def test_downloads_need_a_session_and_a_job_in_reach(stack: Stack) -> None:
    owner = stack.new_tenant("Reach Roofing")
    job = stack.new_job(owner, "Private job")
    rival = stack.new_tenant("Rival Roofing")
    with httpx.Client(base_url=stack.url, timeout=30) as stranger:
        for path in (f"/app/jobs/{job}/export.zip", f"/app/reports/{uuid.uuid4()}"):
            refused = stranger.get(path)
            assert refused.status_code == 303, refused.text
            assert refused.headers["location"].startswith("/login")
    with signed_in(stack, rival.owner_email) as other:
        missing = other.get("/app/jobs/00000000-0000-0000-0000-000000000000/export.zip")
        foreign = other.get(f"/app/jobs/{job}/export.zip")
        token = csrf_token(other.get("/app/jobs").text)
        foreign_pdf = other.post(f"/app/jobs/{job}/reports", data={"csrf_token": token})
    assert (missing.status_code, foreign.status_code, foreign_pdf.status_code) == (404, 404, 404)
    assert foreign.text == missing.text
