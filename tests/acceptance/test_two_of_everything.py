"""Two API servers and two workers on one PostgreSQL database and one S3 store, one worker killed.

Reduced for CI; `make soak` sets JOBSHOTS_SOAK=1 for the full size.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import boto3
import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from jobshots.db.models import AuditEvent, Photo
from tests.load.runner import site_photo
from tests.support import media
from tests.support.databases import fresh_database
from tests.support.server import ServerProcess, kill_group
from tests.support.stack import S3_CREDENTIALS, Stack, Tenant

pytestmark = pytest.mark.acceptance
T = TypeVar("T")

SOAK = os.environ.get("JOBSHOTS_SOAK") == "1"
# Photos uploaded before the kill (after the two videos) and after it, half through each server.
BEFORE_KILL, AFTER_KILL = (100, 100) if SOAK else (4, 6)
FAST_RECOVERY = {
    "JOBSHOTS_RECOVERY_GRACE_SECONDS": "1",
    "JOBSHOTS_RECOVERY_INTERVAL_SECONDS": "1",
    "JOBSHOTS_WORKER_HEARTBEAT_SECONDS": "1",
    "JOBSHOTS_MAX_UPLOAD_BYTES": str(50 * 1024 * 1024),
}
IMAGE_KINDS = {"thumbnail": 1, "large": 1}
VIDEO_KINDS = {"thumbnail": 1, "large": 1, "video_720p": 1, "video_360p": 1}


@dataclass
class Deployment:
    """Two servers over the same database and bucket, and the workers beside them."""

    servers: tuple[Stack, Stack]
    workers: list[subprocess.Popen[bytes]]

    @property
    def database_url(self) -> str:
        """The one database every process shares."""
        return self.servers[0].server.database_url


@contextmanager
def two_of_everything(tmp: Path, s3_endpoint: str) -> Iterator[Deployment]:
    """Two `jobshots serve` processes, sharing one database, one bucket and one secret key."""
    with fresh_database("postgresql", tmp) as database_url, ExitStack() as running:
        bucket = f"jobshots-{uuid.uuid4().hex[:12]}"
        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **S3_CREDENTIALS)
        s3.create_bucket(Bucket=bucket)
        storage_url = (
            f"s3://{bucket}?endpoint_url={s3_endpoint}&region=us-east-1"
            "&access_key_id=testing&secret_access_key=testing"
        )
        secret = secrets.token_hex(16)
        servers = []
        for name in ("a", "b"):
            (tmp / name).mkdir()
            server = ServerProcess(
                database_url, storage_url, tmp / name, extra_env=FAST_RECOVERY, secret_key=secret
            )
            running.callback(server.stop)
            servers.append(server)
        with ThreadPoolExecutor(2) as starting:
            list(starting.map(ServerProcess.start, servers))
        a, b = (Stack(server, "s3", None, s3, bucket) for server in servers)
        yield Deployment((a, b), [])


def _sql(database_url: str, query: str) -> list[tuple[object, ...]]:
    url = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        return list(conn.execute(query).fetchall())


def _wait_for(condition: Callable[[], T | None], seconds: float, what: str) -> T:
    """The condition's first truthy answer, polled until the deadline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _start_worker(deployment: Deployment, name: str) -> tuple[subprocess.Popen[bytes], int]:
    """A `jobshots worker` process and the id it registered under."""
    url = deployment.database_url
    known = {row[0] for row in _sql(url, "SELECT id FROM procrastinate_workers")}
    stack = deployment.servers[0]
    log = (stack.server.workdir / f"worker-{name}.log").open("wb")
    proc = stack.server.spawn("worker", log=log)
    deployment.workers.append(proc)

    def registered() -> int | None:
        ids = {row[0] for row in _sql(url, "SELECT id FROM procrastinate_workers")} - known
        return int(ids.pop()) if ids else None

    return proc, _wait_for(registered, 60, f"worker {name} to register")


@dataclass(frozen=True)
class Sent:
    """An acknowledged upload: the photo, the server (0 or 1) that took it, its bytes' SHA-256."""

    photo: str
    server: int
    sha256: str


def _upload_through_both(
    deployment: Deployment, tenant: Tenant, job: str, first: int, count: int
) -> list[Sent]:
    """`count` distinct photos, alternately through each server, four at a time."""

    def send(number: int) -> Sent:
        server = number % 2
        data = site_photo(number)
        photo = deployment.servers[server].upload(tenant, job, f"site-{number}.jpg", data)
        return Sent(photo, server, hashlib.sha256(data).hexdigest())

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(send, range(first, first + count)))


def _held_video(url: str, worker_id: int) -> int | None:
    """The photo id of a video job the worker is in the middle of, if any."""
    rows = _sql(
        url,
        "SELECT (j.args->>'photo_id')::int FROM procrastinate_jobs j "
        "JOIN photos p ON p.id = (j.args->>'photo_id')::int "
        f"WHERE j.status = 'doing' AND j.worker_id = {worker_id} AND p.mime_type = 'video/mp4'",
    )
    return int(str(rows[0][0])) if rows else None


@pytest.fixture
def deployment(tmp_path: Path, s3_endpoint: str) -> Iterator[Deployment]:
    """Two servers, stopped afterwards with any workers the test started."""
    with two_of_everything(tmp_path, s3_endpoint) as running:
        try:
            yield running
        finally:
            for proc in running.workers:
                with suppress(ProcessLookupError):  # the one the test killed
                    kill_group(proc)


def test_two_servers_and_two_workers_process_every_photo_once_when_a_worker_is_killed(
    deployment: Deployment, tmp_path: Path
) -> None:
    a, b = deployment.servers
    url = deployment.database_url
    tenant = a.new_tenant("Two Sites Ltd")
    job = a.new_job(tenant, "Warehouse roof")
    doomed, doomed_id = _start_worker(deployment, "a")
    _start_worker(deployment, "b")

    # Two videos first: both workers are idle, so each takes one, and a video takes long
    # enough to be caught in the middle of it.
    clip = media.video(tmp_path / "clip.mp4", width=1280, height=720, seconds=2).read_bytes()

    def first_half() -> list[Sent]:
        digest = hashlib.sha256(clip).hexdigest()
        clips = [
            Sent(stack.upload(tenant, job, f"clip-{n}.mp4", clip, "video/mp4"), n, digest)
            for n, stack in enumerate((a, b))
        ]
        return clips + _upload_through_both(deployment, tenant, job, 0, BEFORE_KILL)

    # Uploads go on while worker a is killed the moment it is seen in the middle of a video.
    with ThreadPoolExecutor(1) as background:
        sending = background.submit(first_half)
        held = _wait_for(lambda: _held_video(url, doomed_id), 60, "worker a to hold a video")
        kill_group(doomed)
        [(state,)] = _sql(url, f"SELECT state FROM photos WHERE id = {held}")
        assert state == "stored", "killed too late to prove anything"
        uploaded = sending.result()
    videos = {sent.photo for sent in uploaded[:2]}
    uploaded += _upload_through_both(deployment, tenant, job, BEFORE_KILL, AFTER_KILL)

    def all_processed() -> bool:
        waiting = a.scalars(
            select(func.count()).select_from(Photo).where(Photo.state != "processed")
        )
        return waiting == [0]

    _wait_for(all_processed, 300 if SOAK else 120, "every photo to be processed")
    photos = [sent.photo for sent in uploaded]
    assert a.photo_rows() == len(photos) == 2 + BEFORE_KILL + AFTER_KILL

    # Once in effect: one set of renditions, one processing event, no stray objects.
    for photo in photos:
        state, kinds = a.photo_state(photo)
        assert (state, kinds) == ("processed", VIDEO_KINDS if photo in videos else IMAGE_KINDS)
    processed_events = dict(
        a.rows(
            select(AuditEvent.entity_uuid, func.count())
            .where(AuditEvent.action == "photo.processed")
            .group_by(AuditEvent.entity_uuid)
        )
    )
    assert processed_events == dict.fromkeys(photos, 1)
    objects = a.stored_objects()
    for photo in photos:
        names = {key.rsplit("/", 1)[1] for key in objects if photo in key}
        expected = {"thumbnail.jpg", "large.jpg"}
        if photo in videos:
            expected |= {"original.mp4", "video_720p.mp4", "video_360p.mp4"}
        else:
            expected |= {"original.jpg"}
        assert names == expected, photo

    # The killed worker's job was closed as failed; the work was done by a later job.
    statuses = _sql(
        url,
        "SELECT status::text FROM procrastinate_jobs "
        f"WHERE (args->>'photo_id')::int = {held} ORDER BY id",
    )
    assert statuses[0] == ("failed",), statuses
    assert statuses[-1] == ("succeeded",), statuses

    # Visible through either server, whichever took the upload: the original byte for byte
    # from the other server's link, and a rendition through it.
    with a.client() as via_a, b.client() as via_b:
        for sent in uploaded:
            answers = [
                client.get(f"/api/v1/jobs/{job}/photos/{sent.photo}", headers=tenant.auth)
                for client in (via_a, via_b)
            ]
            assert [answer.status_code for answer in answers] == [200, 200], sent
            other = (via_b, via_a)[sent.server]
            original = httpx.get(answers[1 - sent.server].json()["data"]["photo"]["photo_url"])
            assert hashlib.sha256(original.content).hexdigest() == sent.sha256, sent
            thumbnail = other.get(
                f"/api/v2/photos/{sent.photo}/thumbnail.jpg",
                headers={"X-ApiToken": tenant.api_key},
            )
            assert thumbnail.status_code == 200, sent
            assert thumbnail.content[:3] == b"\xff\xd8\xff"
