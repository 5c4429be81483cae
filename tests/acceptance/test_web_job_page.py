"""A job's page in the web app, over a signed-in session: gallery, timeline, notes, documents,
map and activity, and the writes it makes."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jobshots.core.documents import service as documents
from jobshots.core.users import service as users
from jobshots.media.incoming import Spool
from tests.support.images import jpeg
from tests.support.media import camera_jpeg, video
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in

pytestmark = pytest.mark.acceptance
TILES = "https://tiles.example.net/{z}/{x}/{y}.png"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-job-page-{request.param}")
    env = {"JOBSHOTS_MAP_TILES_URL": TILES}
    with running_stack(request.param, "local", tmp, None, env) as running:
        yield running


def _page_path(tenant: Tenant, job: str) -> str:
    return f"/app/{tenant.company_uuid}/jobs/{job}"


def _section(html: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    assert found, f"no section {section_id}"
    return found.group(0)


def test_the_gallery_shows_each_photo_under_its_type_and_pages_a_long_heading(
    stack: Stack,
) -> None:
    owner = stack.new_tenant("Gallery Glaziers")
    job = stack.new_job(owner, "Shopfront glazing")
    for n in range(26):
        stack.upload(owner, job, f"before-{n}.jpg", jpeg(40, 30, "red"), photo_type="before")
    stack.upload(owner, job, "after.jpg", jpeg(40, 30, "blue"), photo_type="after")
    stack.settle()
    with signed_in(stack, owner.owner_email) as browser:
        got = browser.get(_page_path(owner, job))
        assert got.status_code == 200, got.text
        html = got.text
        groups = dict(re.findall(r'<div class="group" id="photos-(\w+)">(.*?)</div>', html, re.S))
        assert set(groups) == {"before", "during", "after", "other"}
        assert groups["before"].count("data-pswp-width") == 24
        assert ">Show more before photos</button>" in groups["before"]
        assert groups["after"].count("data-pswp-width") == 1
        assert "No during photos." in groups["during"]
        assert 'loading="lazy"' in groups["before"]
        # The rest of the heading, and no further button after the last page.
        more = browser.get(f"/app/jobs/{job}/photos", params={"type": "before", "page": 2})
        assert more.status_code == 200
        assert more.text.count("data-pswp-width") == 2
        assert "Show more" not in more.text
        sideways = browser.get(f"/app/jobs/{job}/photos", params={"type": "sideways"})
        assert sideways.status_code == 400
    # The comparison offers the before photos and the after photo.
    compare = _section(html, "compare")
    assert compare.count("<option") == 24 + 1
    assert "<img-comparison-slider" in compare
    # The page's policy lets in the store's files and the map's tiles, and nothing else.
    policy = got.headers["content-security-policy"]
    assert "img-src 'self' data: blob: " in policy
    assert "https://tiles.example.net" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_the_map_pins_located_photos_and_lists_their_coordinates(stack: Stack) -> None:
    owner = stack.new_tenant("Map Masons")
    job = stack.new_job(owner, "Chimney repointing")
    stack.upload(owner, job, "chimney.jpg", camera_jpeg(latitude=53.81621, longitude=-1.56712))
    stack.upload(owner, job, "no-gps.jpg", jpeg(40, 30, "green"))
    stack.settle()
    with signed_in(stack, owner.owner_email) as browser:
        shown = _section(browser.get(_page_path(owner, job)).text, "map")
        markers = browser.get(f"/app/jobs/{job}/points.json")
        listed = browser.get(f"/app/jobs/{job}/points")
    assert 'aria-label="Photo map"' in shown
    assert f'data-tiles="{TILES}"' in shown
    assert f'data-points="/app/jobs/{job}/points.json"' in shown
    assert '<span class="count">1</span>' in shown
    assert markers.status_code == 200
    assert [(round(p["lat"], 5), round(p["lng"], 5)) for p in markers.json()] == [
        (53.81621, -1.56712)
    ]
    assert markers.json()[0]["label"] == "During photo chimney.jpg"
    assert listed.status_code == 200
    assert "53.81621, -1.56712" in listed.text
    assert listed.text.count("<li>") == 1


def test_a_video_plays_from_its_poster_in_720p_or_360p(stack: Stack, tmp_path: Path) -> None:
    owner = stack.new_tenant("Video Valets")
    job = stack.new_job(owner, "Drain camera run")
    clip = video(tmp_path / "drain.mp4", width=1280, height=720, seconds=1)
    stack.upload(owner, job, "drain.mp4", clip.read_bytes(), "video/mp4", photo_type="before")
    stack.settle(120)
    with signed_in(stack, owner.owner_email) as browser:
        html = browser.get(_page_path(owner, job)).text
    player = re.search(r"<video .*?</video>", _section(html, "photos"), re.S)
    assert player, "the before heading holds a player"
    poster = re.search(r'poster="([^"]+)"', player.group(0))
    sources = re.findall(
        r'<source src="([^"]+)" type="video/mp4" data-quality="(\w+)">', player.group(0)
    )
    assert poster
    assert [quality for _, quality in sources] == ["720p", "360p"]
    with httpx.Client() as files:
        assert files.get(html_lib.unescape(poster.group(1))).content[:2] == b"\xff\xd8"
        for url, _ in sources:
            assert files.get(html_lib.unescape(url)).content[4:8] == b"ftyp"
    # A video is not a still: it is not offered for the before-and-after comparison.
    assert "No before photos" not in html
    assert "Add a before and an after photo" in _section(html, "compare")


def test_a_message_posts_to_the_timeline_only_with_the_pages_token(stack: Stack) -> None:
    owner = stack.new_tenant("Timeline Tilers")
    job = stack.new_job(owner, "Bathroom tiling")
    with signed_in(stack, owner.owner_email) as browser:
        page = _page_path(owner, job)
        token = csrf_token(browser.get(page).text)
        refused = browser.post(f"/app/jobs/{job}/messages", data={"message": "Grout done"})
        assert refused.status_code == 403
        forged = browser.post(
            f"/app/jobs/{job}/messages", data={"message": "Grout done", "csrf_token": "x" * 40}
        )
        assert forged.status_code == 403
        assert "Grout done" not in browser.get(page).text
        posted = browser.post(
            f"/app/jobs/{job}/messages",
            data={"message": "Grout done <b>today</b>", "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert posted.status_code == 200, posted.text
        assert posted.text.startswith('<section id="timeline"')
        assert "Grout done &lt;b&gt;today&lt;/b&gt;" in posted.text
        blank = browser.post(
            f"/app/jobs/{job}/messages", data={"message": "  ", "csrf_token": token}
        )
        assert blank.status_code == 400
        # Without htmx the form goes back to the page's timeline.
        plain = browser.post(
            f"/app/jobs/{job}/messages", data={"message": "Sealed", "csrf_token": token}
        )
        assert plain.status_code == 303
        assert plain.headers["location"].endswith("#timeline")
        timeline = _section(browser.get(page).text, "timeline")
    assert timeline.index("Grout done") < timeline.index("Sealed")


def test_case_notes_are_added_and_their_html_cleaned(stack: Stack) -> None:
    owner = stack.new_tenant("Notes Navvies")
    job = stack.new_job(owner, "Drain survey")
    with signed_in(stack, owner.owner_email) as browser:
        page = _page_path(owner, job)
        token = csrf_token(browser.get(page).text)
        added = browser.post(
            f"/app/jobs/{job}/notes",
            data={"note_text": "<p>Camera run <script>alert(1)</script><b>clear</b></p>",
                  "csrf_token": token},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        assert added.status_code == 200, added.text
        assert "<b>clear</b>" in added.text
        assert "<script" not in added.text
        assert "alert(1)" not in added.text
        notes = _section(browser.get(page).text, "notes")
    assert "Camera run" in notes


def test_documents_download_from_their_own_job_only(stack: Stack) -> None:
    owner = stack.new_tenant("Document Drainage")
    job = stack.new_job(owner, "Soakaway")
    other_job = stack.new_job(owner, "Gully clean")
    document = _document(stack, owner, job, b"%PDF-1.4 survey")
    with signed_in(stack, owner.owner_email) as browser:
        html = browser.get(_page_path(owner, job)).text
        assert f"/app/jobs/{job}/documents/{document}" in _section(html, "documents")
        got = browser.get(f"/app/jobs/{job}/documents/{document}")
        assert got.status_code == 200
        assert got.content == b"%PDF-1.4 survey"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert browser.get(f"/app/jobs/{other_job}/documents/{document}").status_code == 404


def test_another_companys_job_and_a_signed_out_visit(stack: Stack) -> None:
    owner = stack.new_tenant("Owner Ovens")
    rival = stack.new_tenant("Rival Ovens")
    job = stack.new_job(owner, "Range cooker")
    page = _page_path(owner, job)
    with signed_in(stack, rival.owner_email) as other:
        assert other.get(page).status_code == 404
        in_their_workspace = f"/app/{rival.company_uuid}/jobs/{job}"
        assert other.get(in_their_workspace).status_code == 404
        assert other.get(f"/app/jobs/{job}/photos", params={"type": "before"}).status_code == 404
        token = csrf_token(other.get("/app/jobs").text)
        posted = other.post(
            f"/app/jobs/{job}/messages", data={"message": "hi", "csrf_token": token}
        )
        assert posted.status_code == 404
    with stack.client() as signed_out:
        got = signed_out.get(page)
    assert got.status_code == 401
    assert 'name="next"' in got.text


def test_a_viewer_sees_the_job_without_the_forms_and_cannot_post(stack: Stack) -> None:
    owner = stack.new_tenant("Viewer Ventilation")
    viewer = stack.new_colleague(owner, "viewer")
    job = stack.new_job(owner, "Extractor fan")
    stack.upload(owner, job, "fan.jpg", jpeg(40, 30, "red"), photo_type="after")
    stack.settle()
    with signed_in(stack, viewer.owner_email) as browser:
        got = browser.get(_page_path(owner, job))
        assert got.status_code == 200
        assert got.text.count("data-pswp-width") == 1
        assert 'id="message"' not in got.text
        assert "Add photos" not in got.text
        assert 'id="notes"' not in got.text
        token = csrf_token(got.text)
        posted = browser.post(
            f"/app/jobs/{job}/messages", data={"message": "hi", "csrf_token": token}
        )
        assert posted.status_code == 403


def _document(stack: Stack, tenant: Tenant, job: str, data: bytes) -> str:
    """A document uploaded through the core, as the maintenance API would; its UUID."""
    with stack.server.core.uow() as uow:
        spool = Spool(uow.storage.staging_dir(), len(data), "survey.pdf")
        spool.write(data)
        principal = users.acting_as(users.owner_of(uow, tenant.company_id))
        made = documents.upload(uow, principal, job, [spool.finish()])
    return str(made.uuid)
