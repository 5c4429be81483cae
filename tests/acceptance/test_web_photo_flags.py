"""A photo's dispute flags on the job page of a real server: a badge on the thumbnail, the
sentences in the caption, and a duplicate's link to the other job."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import pytest

from tests.support.images import jpeg
from tests.support.media import camera_jpeg
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import signed_in

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-photo-flags-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


def _job_page(stack: Stack, tenant: Tenant, job: str) -> str:
    with signed_in(stack, tenant.owner_email) as browser:
        got = browser.get(f"/app/{tenant.company_uuid}/jobs/{job}")
    assert got.status_code == 200, got.text
    return got.text


def _tiles(page: str) -> list[str]:
    return re.findall(r'<li class="tile">(.*?)</li>', page, re.S)


def _captions(tile: str) -> list[str]:
    found = re.findall(r'<span class="flag" data-flag="(\w+)">(.*?)</span>', tile, re.S)
    return [f"{code}: {html_lib.unescape(re.sub(r'<[^>]+>', '', text))}" for code, text in found]


def test_each_photo_shows_its_flags_as_a_badge_and_in_its_caption(stack: Stack) -> None:
    owner = stack.new_tenant("Flagged Roofing")
    job = stack.new_job(owner, "Ridge tiles")
    # A phone photo of 6 June 2025 (late by now), and a file with no EXIF at all.
    stack.upload(owner, job, "ridge.jpg", camera_jpeg(), photo_type="before")
    stack.upload(owner, job, "screenshot.jpg", jpeg(64, 48, "green"), photo_type="after")
    stack.settle()

    page = _job_page(stack, owner, job)

    before, after = _tiles(page)
    assert '<span class="flagged">1 flag</span>' in before
    [late] = _captions(before)
    assert re.fullmatch(r"late_upload: Flag: taken \d+ days before upload", late), late
    assert '<span class="flagged">1 flag</span>' in after
    assert _captions(after) == ["no_exif: Flag: no camera details or capture time in the file"]


def test_a_photo_without_flags_has_no_badge(stack: Stack) -> None:
    owner = stack.new_tenant("Clean Cladding")
    job = stack.new_job(owner, "Cladding")
    stack.upload(owner, job, "wall.jpg", camera_jpeg(taken=None, offset=None))
    stack.settle()

    [tile] = _tiles(_job_page(stack, owner, job))

    # No capture time at all is dated by upload, so not late; the camera tags are there.
    assert "flagged" not in tile
    assert _captions(tile) == []


def test_a_duplicate_links_to_the_other_photo_s_job(stack: Stack) -> None:
    owner = stack.new_tenant("Twice Plumbing")
    first_job = stack.new_job(owner, "Leak at number 4")
    second_job = stack.new_job(owner, "Leak at number 6")
    data = camera_jpeg(taken=None, offset=None, latitude=None, longitude=None)
    stack.upload(owner, first_job, "leak.jpg", data)
    stack.settle()
    stack.upload(owner, second_job, "leak-again.jpg", data)
    stack.settle()

    [tile] = _tiles(_job_page(stack, owner, second_job))

    link = f'<a href="/app/{owner.company_uuid}/jobs/{first_job}">open that job</a>'
    assert link in tile
    assert any(caption.startswith("duplicate: Flag: ") for caption in _captions(tile))
    # The link sits in the caption beside the thumbnail's link, never inside it.
    thumbnail_link = re.search(r"<a href=[^>]*data-pswp-width.*?</a>", tile, re.S)
    assert thumbnail_link is not None
    assert "open that job" not in thumbnail_link.group(0)
