"""The public job report in a real browser: no sign-in, grouped photos, no metadata, revocable."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, select

from jobshots.db.engine import normalise_url
from jobshots.db.models import AuditEvent, Job
from tests.support import images, media
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LATITUDE, LONGITUDE = 51.501364, -0.14189
CAMERA = media.camera_jpeg(latitude=LATITUDE, longitude=LONGITUDE)
# Original file names, as a phone names them; none may reach the public page.
PHOTOS = [
    ("before", "IMG_2041_front-door.jpg", CAMERA),
    ("before", "IMG_2042_boiler-cupboard.jpg", CAMERA),
    ("during", "IMG_2043_pressure-valve.jpg", CAMERA),
    ("after", "IMG_2044_finished.jpg", CAMERA),
    # Cannot be decoded, so it never gets renditions: the public must never get its original.
    ("other", "IMG_2045_blurred.jpg", images.jpeg(640, 480)[:400]),
]
GPS_IFD = 0x8825


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own (see `make browser`)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh, signed-out browser tab at phone width."""
    context = browser.new_context(viewport={"width": 390, "height": 2400})
    yield context.new_page()
    context.close()


def visit(page: Page, url: str) -> int:
    """Open `url` in the tab; the status it answered with."""
    response = page.goto(url)
    assert response is not None
    return response.status


def report_job(stack: Stack, tenant: Tenant) -> dict[str, str]:
    """A job with camera photos of each stage and a chat, made through the APIs."""
    with stack.client() as client:
        created = client.post(
            "/job/create",
            json={
                "authKey": tenant.api_key,
                "workspaceId": tenant.company_uuid,
                "name": "Boiler service at 14 Elm Road",
                "message": "Customer reports low pressure",
            },
        ).json()
        job = created["jobId"]
        for photo_type, file_name, data in PHOTOS:
            response = client.post(
                f"/api/v1/jobs/{job}/photos",
                headers=tenant.auth,
                data={"photo_type": photo_type},
                files=[("photos", (file_name, data, "image/jpeg"))],
            )
            assert response.status_code == 200, response.text
        client.post(
            "/job/message",
            json={
                "authKey": tenant.api_key,
                "workspaceId": tenant.company_uuid,
                "jobId": job,
                "message": "Pressure restored to 1.5 bar",
            },
        ).raise_for_status()
    stack.settle()
    return created


def nameless_owner(stack: Stack, company: str) -> Tenant:
    """A company whose owner gave no name, only an e-mail address."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    made = stack.server.cli_json("company", "create", company, "--owner-email", email)
    return Tenant(made["company_id"], made["company_uuid"], made["api_key"], email)


def report_viewers(stack: Stack, job_uuid: str) -> list[int | None]:
    """Who viewed the job's report, one entry per recorded view (None: the public)."""
    engine = create_engine(normalise_url(stack.server.database_url))
    try:
        with engine.connect() as conn:
            query = (
                select(AuditEvent.actor_user_id)
                .join(Job, AuditEvent.job_id == Job.id)
                .where(Job.uuid == uuid.UUID(job_uuid), AuditEvent.action == "report.viewed")
            )
            return list(conn.scalars(query))
    finally:
        engine.dispose()


def assert_no_metadata(jpeg: bytes) -> None:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "exif" not in image.info


def test_report_link_shows_grouped_photos_without_metadata_until_revoked(
    single_stack: Stack, page: Page
) -> None:
    tenant = nameless_owner(single_stack, "Northside Plumbing")
    created = report_job(single_stack, tenant)
    link = created["jobReportDeeplink"]

    assert visit(page, link) == 200
    assert page.locator("h1").inner_text() == "Boiler service at 14 Elm Road"
    groups = page.locator("section.photo-group")
    assert [groups.nth(i).get_attribute("data-photo-type") for i in range(groups.count())] == [
        "before",
        "during",
        "after",
    ]
    headings = page.locator("section.photo-group h2").all_text_contents()
    assert [" ".join(heading.split()) for heading in headings] == [
        "Before 2 photos",
        "During 1 photo",
        "After 1 photo",
    ]
    for photo_type, count in {"before": 2, "during": 1, "after": 1}.items():
        thumbnails = page.locator(f"section[data-photo-type={photo_type}] img")
        assert thumbnails.count() == count
    # Thumbnails below the fold load as they come into view, and on a busy machine late.
    page.mouse.wheel(0, 10_000)
    page.wait_for_function(
        "() => Array.from(document.images).every(img => img.complete && img.naturalWidth > 0)"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    text, html = page.locator("body").inner_text(), page.content()
    assert "Customer reports low pressure" in text
    assert "Northside Plumbing" in page.locator("ol.timeline .who").first.inner_text()
    assert "Pressure restored to 1.5 bar" in text
    for _, file_name, _ in PHOTOS:
        assert file_name not in html
    assert "IMG_" not in html
    assert "51.50" not in html
    assert tenant.owner_email not in html

    first = page.locator("section[data-photo-type=before] a").first
    large_url = first.get_attribute("href")
    thumbnail_url = first.locator("img").get_attribute("src")
    with page.expect_response(lambda response: response.url == large_url) as followed:
        first.click()
    large = followed.value
    assert large.status == 200
    assert large.headers["content-type"].startswith("image/jpeg")
    assert page.url == large_url
    assert max(Image.open(io.BytesIO(large.body())).size) <= 1600
    assert_no_metadata(large.body())
    downloaded = page.request.get(thumbnail_url)
    assert downloaded.ok
    assert_no_metadata(downloaded.body())

    single_stack.server.cli("report", "revoke", created["jobId"])
    assert visit(page, link) == 404
    assert "Not found" in page.locator("h1").inner_text()
    assert "Elm Road" not in page.content()

    assert report_viewers(single_stack, created["jobId"]) == [None]


def test_reissued_link_replaces_the_old_one(single_stack: Stack, page: Page) -> None:
    tenant = single_stack.new_tenant()
    created = report_job(single_stack, tenant)
    old = created["jobReportDeeplink"]

    reissued = single_stack.server.cli_json("report", "reissue", created["jobId"])
    new = reissued["report_url"]

    assert new != old
    assert new.startswith(f"{single_stack.url}/r/")
    assert httpx.get(old).status_code == 404
    assert visit(page, new) == 200
    assert page.locator("h1").inner_text() == "Boiler service at 14 Elm Road"
    listed = httpx.post(
        f"{single_stack.url}/job/list",
        json={"authKey": tenant.api_key, "workspaceId": tenant.company_uuid},
    ).json()
    assert listed["jobs"][0]["jobReportDeeplink"] == new
