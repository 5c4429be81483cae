"""Pins and video variants of the maintenance API, each with its permission and CSRF rule."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.support import images, media
from tests.support.maintenance import write_headers as _headers
from tests.support.stack import Stack

pytestmark = pytest.mark.acceptance


def test_toggling_a_pin_pins_then_unpins_for_that_user_only(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Pins Ltd")
    colleague = single_stack.new_colleague(owner)
    job = single_stack.new_job(owner)
    with single_stack.client() as client:
        pinned = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, owner), json={"job_uuid": job}
        )
        assert pinned.json() == {
            "success": True, "message": "Job pinned to your dashboard", "is_pinned": True,
        }  # fmt: skip
        theirs = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, colleague), json={"job_uuid": job}
        )
        assert theirs.json()["is_pinned"] is True  # a pin is per user
        unpinned = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, owner), json={"job_uuid": job}
        )
        assert unpinned.json() == {
            "success": True, "message": "Job unpinned from your dashboard", "is_pinned": False,
        }  # fmt: skip


def test_a_pin_needs_csrf_a_job_of_ones_own_and_the_permission(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Pin Rules Ltd")
    other = single_stack.new_tenant("Elsewhere Ltd")
    viewer = single_stack.new_colleague(owner, "viewer")
    job = single_stack.new_job(owner)
    with single_stack.client() as client:
        no_csrf = client.post(
            "/api/jobs/toggle-pin", headers={"Authorization": f"Bearer {owner.api_key}"},
            json={"job_uuid": job},
        )  # fmt: skip
        assert no_csrf.status_code == 403
        foreign = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, other), json={"job_uuid": job}
        )
        unknown = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, other),
            json={"job_uuid": str(uuid.uuid4())},
        )  # fmt: skip
        assert (foreign.status_code, foreign.json()) == (unknown.status_code, unknown.json())
        assert foreign.status_code == 404
        refused = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, viewer), json={"job_uuid": job}
        )
        assert refused.status_code == 403
        assert refused.json()["permission"] == "api.jobs.toggle_pin.manage"
        missing = client.post("/api/jobs/toggle-pin", headers=_headers(client, owner), json={})
        assert (missing.status_code, missing.json()["success"]) == (400, False)
        assert "job_uuid" in missing.json()["error"]
        # Nothing above pinned it: the first real toggle pins.
        first = client.post(
            "/api/jobs/toggle-pin", headers=_headers(client, owner), json={"job_uuid": job}
        )
        assert first.json()["is_pinned"] is True


def test_video_variants_list_the_made_renditions(single_stack: Stack, tmp_path: Path) -> None:
    owner = single_stack.new_tenant("Video Ltd")
    job = single_stack.new_job(owner)
    clip = media.video(tmp_path / "clip.mp4", width=1280, height=720, seconds=1)
    video = single_stack.upload(owner, job, "clip.mp4", clip.read_bytes(), "video/mp4")
    still = single_stack.upload(owner, job, "still.jpg", images.jpeg())
    single_stack.settle(120)
    bearer = {"Authorization": f"Bearer {owner.api_key}"}
    with single_stack.client() as client:
        made = client.get("/api/jobs/video-variants", headers=bearer, params={"uuid": video}).json()
        assert made["success"] is True
        assert made["data"]["uuid"] == video
        variants = made["data"]["variants"]
        assert [(v["label"], v["height"], v["mime_type"]) for v in variants] == [
            ("720p", 720, "video/mp4"), ("360p", 360, "video/mp4"),
        ]  # fmt: skip
        assert httpx.get(variants[1]["url"]).content[4:8] == b"ftyp"
        none = client.get("/api/jobs/video-variants", headers=bearer, params={"uuid": still})
        assert none.json()["data"]["variants"] == []
        missing = client.get("/api/jobs/video-variants", headers=bearer)
        assert missing.status_code == 400
        other = single_stack.new_tenant("Not Yours Ltd")
        foreign = client.get(
            "/api/jobs/video-variants",
            headers={"Authorization": f"Bearer {other.api_key}"},
            params={"uuid": video},
        )
        assert foreign.status_code == 404


def test_video_variants_need_the_photo_view_permission(single_stack: Stack) -> None:
    owner = single_stack.new_tenant("Narrow Video Ltd")
    job = single_stack.new_job(owner)
    still = single_stack.upload(owner, job, "still.jpg", images.jpeg())
    narrowed = single_stack.server.cli_json(
        "apikey", "create", "--company", str(owner.company_id), "--email", owner.owner_email,
        "--permission", "api.jobs.manage.list",
    )  # fmt: skip
    with single_stack.client() as client:
        refused = client.get(
            "/api/jobs/video-variants",
            headers={"Authorization": f"Bearer {narrowed['api_key']}"},
            params={"uuid": still},
        )
    assert refused.status_code == 403
    assert refused.json() == {
        "success": False,
        "error": "You do not have permission to perform this action",
        "permission": "api.jobs.photos.view",
    }
