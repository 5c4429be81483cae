"""A real server given hostile files: each fails alone with its reason, the others process, and
the server answers throughout (the decode worker the limit kills is replaced)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.pool import StaticPool

from jobshots.db.engine import normalise_url
from jobshots.db.models import Photo
from tests.support import hostile, media
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.acceptance

CPU_SECONDS = 1


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server (and, on PostgreSQL, a worker) allowing each file 1 s of CPU time."""
    tmp = tmp_path_factory.mktemp(f"decoding-{request.param}")
    env = {
        "JOBSHOTS_DECODE_CPU_SECONDS": str(CPU_SECONDS),
        "JOBSHOTS_DECODE_MEMORY_MB": "1024",
        "JOBSHOTS_DECODE_TIMEOUT_SECONDS": "120",
        "JOBSHOTS_MEDIA_WORKERS": "2",
    }
    with running_stack(request.param, "local", tmp, None, env) as running:
        yield running


def _outcomes(engine: Engine, uuids: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    query = select(Photo.uuid, Photo.state, Photo.failure_reason).where(
        Photo.uuid.in_([uuid.UUID(value) for value in uuids.values()])
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found = {str(photo_uuid): (state, reason) for photo_uuid, state, reason in rows}
    return {name: found[value] for name, value in uuids.items()}


def _attempts(engine: Engine, photo_uuid: str) -> int:
    query = select(Photo.processing_attempts).where(Photo.uuid == uuid.UUID(photo_uuid))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_hostile_uploads_fail_alone_while_the_server_and_other_photos_carry_on(
    server: Stack, tmp_path: Path
) -> None:
    tenant = server.new_tenant()
    job = server.new_job(tenant)
    _, endless = hostile.eight_k_videos(tmp_path)
    good_jpeg, good_heic = media.camera_jpeg(), media.heic(320, 240)
    uploads = [
        ("endless-8k", "bomb.mp4", endless.read_bytes(), "video/mp4"),
        ("truncated", "cut.jpg", hostile.truncated(good_jpeg), "image/jpeg"),
        ("jpeg", "good.jpg", good_jpeg, "image/jpeg"),
        ("heic", "good.heic", good_heic, "image/heic"),
    ]
    uuids = {
        name: server.upload(tenant, job, filename, data, kind)
        for name, filename, data, kind in uploads
    }
    answers: list[int] = []
    # One connection, held while polling: the database is shared with the server and worker.
    engine = create_engine(normalise_url(server.server.database_url), poolclass=StaticPool)
    with server.client() as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # The server keeps answering, its own health and the API alike, while it waits.
            answers.append(client.get("/healthz").status_code)
            listed = client.get(f"/api/v1/jobs/{job}/photos", headers=tenant.auth)
            answers.append(listed.status_code)
            if all(state != "stored" for state, _ in _outcomes(engine, uuids).values()):
                break
            time.sleep(0.3)
    outcomes = _outcomes(engine, uuids)
    # Failed for good at the first attempt, so the recovery sweep never takes them up again.
    attempts = {name: _attempts(engine, uuids[name]) for name in ("endless-8k", "truncated")}
    engine.dispose()
    assert attempts == {"endless-8k": 1, "truncated": 1}
    assert set(answers) == {200}
    assert outcomes["endless-8k"] == (
        "failed",
        f"decoding used more than {CPU_SECONDS} s of CPU time",
    )
    state, reason = outcomes["truncated"]
    assert state == "failed"
    assert reason is not None
    assert reason.startswith("cannot decode the jpeg image")
    assert outcomes["jpeg"] == ("processed", None)
    assert outcomes["heic"] == ("processed", None)
    assert server.photo_state(uuids["jpeg"])[1] == {"thumbnail": 1, "large": 1}
    # The killed worker was replaced: the next upload is processed like any other.
    later = server.upload(tenant, job, "later.jpg", media.camera_jpeg(), "image/jpeg")
    server.settle()
    assert server.photo_state(later) == ("processed", {"thumbnail": 1, "large": 1})
    assert server.server.proc is not None
    assert server.server.proc.poll() is None
    assert "BrokenProcessPool" not in server.server.log_text()
