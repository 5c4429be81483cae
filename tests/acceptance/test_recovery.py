"""Work a crash interrupts is found again from the database and done once, in effect."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support import media
from tests.support.server import kill_group
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

FAST_RECOVERY = {
    "JOBSHOTS_RECOVERY_GRACE_SECONDS": "1",
    "JOBSHOTS_RECOVERY_INTERVAL_SECONDS": "1",
    "JOBSHOTS_MEDIA_WORKERS": "1",
    "JOBSHOTS_WORKER_HEARTBEAT_SECONDS": "1",
    "JOBSHOTS_MAX_UPLOAD_BYTES": str(50 * 1024 * 1024),
}
VIDEO_KINDS = {"thumbnail": 1, "large": 1, "video_720p": 1, "video_360p": 1}


def _upload_video(stack: Stack, tenant: Tenant, tmp_path: Path) -> str:
    # Long enough that transcoding is still running when the worker is killed.
    clip = media.video(tmp_path / "clip.mp4", width=1280, height=720, seconds=6)
    return stack.upload(tenant, stack.new_job(tenant), "clip.mp4", clip.read_bytes(), "video/mp4")


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _assert_processed_once(stack: Stack, photo: str) -> None:
    processed = _wait_for(lambda: stack.photo_state(photo)[0] == "processed", 120)
    assert processed, stack.photo_state(photo)
    _, kinds = stack.photo_state(photo)
    assert kinds == VIDEO_KINDS
    under_photo = {key for key in stack.stored_objects() if photo in key}
    assert {key.rsplit("/", 1)[1] for key in under_photo} == {
        "original.mp4",
        "thumbnail.jpg",
        "large.jpg",
        "video_720p.mp4",
        "video_360p.mp4",
    }


def test_killed_server_finishes_the_work_after_restart_on_sqlite(tmp_path: Path) -> None:
    with running_stack("sqlite", "local", tmp_path, None, FAST_RECOVERY) as stack:
        tenant = stack.new_tenant()
        photo = _upload_video(stack, tenant, tmp_path)
        time.sleep(0.5)
        stack.server.crash()
        assert stack.photo_state(photo) == ("stored", {}), "killed too late to prove anything"
        stack.server.start()
        _assert_processed_once(stack, photo)


def _job_statuses(stack: Stack) -> list[str]:
    url = make_url(stack.server.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        rows = conn.execute("SELECT status FROM procrastinate_jobs ORDER BY id").fetchall()
    return [str(status) for (status,) in rows]


def test_killed_worker_finishes_the_work_after_restart_on_postgresql(
    tmp_path: Path, s3_endpoint: str
) -> None:
    with running_stack(
        "postgresql", "s3", tmp_path, s3_endpoint, FAST_RECOVERY, worker=False
    ) as stack:
        tenant = stack.new_tenant()
        photo = _upload_video(stack, tenant, tmp_path)
        assert _job_statuses(stack) == ["todo"]  # deferred after commit, before any worker
        first = stack.server.spawn("worker", log=(tmp_path / "worker-1.log").open("wb"))
        try:
            assert _wait_for(lambda: "doing" in _job_statuses(stack), 30)
        finally:
            kill_group(first)
        assert stack.photo_state(photo) == ("stored", {}), "killed too late to prove anything"
        second = stack.server.spawn("worker", log=(tmp_path / "worker-2.log").open("wb"))
        try:
            _assert_processed_once(stack, photo)
            # The killed worker's job is closed, not left `doing` for ever.
            assert _wait_for(lambda: "doing" not in _job_statuses(stack), 30), _job_statuses(stack)
            statuses = _job_statuses(stack)
            assert statuses[0] == "failed"  # the job the killed worker held
            assert set(statuses[1:]) == {"succeeded"}
        finally:
            kill_group(second)
