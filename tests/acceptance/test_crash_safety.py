"""Crash safety: a real server SIGKILLed mid-upload (three APIs and a presigned form), mid-finalize,
mid-processing and mid-ZIP download, the export CLI and a key re-encryption killed midway.

After each restart every acknowledged upload is there byte for byte, no row names a missing file,
nothing stays stuck, nothing is done twice, and what the crash left in staging is cleaned up.
Each kill is timed by observation (bytes the server has staged, the worker's copy of the video,
bytes of the ZIP received, the CLI's first output), at a different offset in each round.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.context import Context
from jobshots.core.exports import verify
from jobshots.db.models import AuditEvent, Job, Photo, Rendition
from jobshots.storage import keys
from tests.support import images, media
from tests.support.maintenance import write_headers
from tests.support.server import kill_group
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import signed_in

pytestmark = pytest.mark.acceptance

# Longer than any upload here is held still, or its staged bytes would go while it waits.
ORPHAN_GRACE = 8
ENV = {
    "JOBSHOTS_MAX_UPLOAD_BYTES": str(32 * 1024 * 1024),
    "JOBSHOTS_RECOVERY_GRACE_SECONDS": "1",
    "JOBSHOTS_RECOVERY_INTERVAL_SECONDS": "1",
    "JOBSHOTS_ORPHAN_GRACE_SECONDS": str(ORPHAN_GRACE),
    "JOBSHOTS_ORPHAN_SWEEP_INTERVAL_SECONDS": "1",
    "JOBSHOTS_MEDIA_WORKERS": "1",
}
BODY = 2 * 1024 * 1024
CHUNK = 64 * 1024
# Per round: where each held upload stops (None: every byte sent, the kill racing the commit),
# how far into the ZIP the download gets, how long after the worker has fetched the video, and
# how long after the finalize is sent, the server is killed.
# The ZIP's share stays short of the end: the server's send buffer holds megabytes in flight.
ROUNDS = [
    {"upload_at": CHUNK, "zip_share": 0.0, "decoding_for": 0.0, "finalize_for": 0.0},
    {"upload_at": BODY // 2, "zip_share": 0.25, "decoding_for": 0.15, "finalize_for": 0.01},
    {"upload_at": None, "zip_share": 0.5, "decoding_for": 0.35, "finalize_for": 0.05},
]
OLD_KEY = base64.b64encode(b"k" * 32).decode()  # the key tests/support/server.py starts with
NEW_KEY = base64.b64encode(b"n" * 32).decode()


@dataclass
class World:
    """The module's one server, its company and job, and what the server acknowledged."""

    stack: Stack
    tenant: Tenant
    job: str
    job_id: int
    video: bytes
    tmpdir: Path
    # The owner's web session (kept in the database, so it outlives each restart).
    cookies: httpx.Cookies
    # (SHA-256, API) of every file the server answered 2xx for: the same video comes each round.
    acknowledged: Counter[tuple[str, str]] = field(default_factory=Counter)

    def acknowledge(self, data: bytes, api: str) -> None:
        self.acknowledged[(hashlib.sha256(data).hexdigest(), api)] += 1

    @property
    def acknowledged_sha256(self) -> set[str]:
        return {sha for sha, _ in self.acknowledged}

    @property
    def staging(self) -> Path:
        assert self.stack.media_root is not None
        return self.stack.media_root / ".staging"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A SQLite + local server whose temporary files (the worker's copies) are observable."""
    tmp = tmp_path_factory.mktemp("crash")
    (tmp / "tmp").mkdir()
    env = {**ENV, "TMPDIR": str(tmp / "tmp")}
    with running_stack("sqlite", "local", tmp, None, env) as stack:
        tenant = stack.new_tenant()
        job_id, job = stack.new_job_ids(tenant)
        clip = media.video(tmp / "clip.mp4", width=1280, height=720, seconds=4)
        with signed_in(stack, tenant.owner_email) as browser:
            cookies = browser.cookies
        yield World(stack, tenant, job, job_id, clip.read_bytes(), tmp / "tmp", cookies)


def _photo_bytes() -> bytes:
    """A real JPEG made large by bytes after its end, different every time."""
    head = images.jpeg(320, 240, colour="orange")
    return head + os.urandom(BODY - len(head))


def _multipart(fields: dict[str, str], file_field: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body with the file last (as S3 forms require), and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        'filename="site.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    body = "".join(parts).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class Upload:
    """One upload request of one API, with the file it carries."""

    api: str
    url: str
    headers: dict[str, str]
    body: bytes
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _upload(world: World, api: str, form: dict[str, Any] | None = None) -> Upload:
    stack, tenant, data = world.stack, world.tenant, _photo_bytes()
    if api == "crm":
        body, kind = _multipart({"photo_type": "during"}, "photos", data)
        url, headers = f"{stack.url}/api/v1/jobs/{world.job}/photos", tenant.auth
    elif api == "fulcrum":
        fields = {"photo[access_key]": str(uuid.uuid4()), "photo[record_id]": world.job}
        body, kind = _multipart(fields, "photo[file]", data)
        url, headers = f"{stack.url}/api/v2/photos.json", {"X-ApiToken": tenant.api_key}
    elif api == "maintenance":
        body, kind = _multipart({"action": "upload", "job_uuid": world.job}, "photo", data)
        with stack.client() as client:
            url, headers = f"{stack.url}/api/jobs/photos", write_headers(client, tenant)
    else:
        assert form is not None
        body, kind = _multipart(form["fields"], "file", data)
        url, headers = form["url"], {}
    return Upload(api, url, {**headers, "Content-Type": kind}, body, data)


def _send(world: World, upload: Upload) -> httpx.Response:
    made = httpx.post(upload.url, headers=upload.headers, content=upload.body, timeout=60)
    assert made.is_success, made.text
    if upload.api != "direct":  # a presigned photo is acknowledged by its finalize
        world.acknowledge(upload.data, upload.api)
    return made


class Held:
    """An upload sent up to `stop_at` bytes, then held there until the server is killed."""

    def __init__(self, upload: Upload, stop_at: int | None, pool: ThreadPoolExecutor) -> None:
        self.upload = upload
        self.stop_at = len(upload.body) if stop_at is None else stop_at
        self.reached = threading.Event()
        self.release = threading.Event()
        self.result: Future[httpx.Response | httpx.TransportError] = pool.submit(self._post)

    def _body(self) -> Iterator[bytes]:
        body = self.upload.body
        for start in range(0, self.stop_at, CHUNK):
            yield body[start : min(start + CHUNK, self.stop_at)]
        self.reached.set()
        self.release.wait(60)
        for start in range(self.stop_at, len(body), CHUNK):
            yield body[start : start + CHUNK]

    def _post(self) -> httpx.Response | httpx.TransportError:
        try:
            return httpx.post(
                self.upload.url, headers=self.upload.headers, content=self._body(), timeout=60
            )
        except httpx.TransportError as exc:
            return exc


def _newest_staged(staging: Path, before: set[Path], size: int) -> None:
    """Wait until a staging file that was not there `before` holds `size` bytes or more."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in set(staging.glob("upload-*")) - before:
            try:
                if path.stat().st_size >= size:
                    return
            except FileNotFoundError:
                pass
        time.sleep(0.005)
    raise AssertionError(f"the server never staged {size} bytes of the held upload")


def _hold(world: World, upload: Upload, stop_at: int | None, pool: ThreadPoolExecutor) -> Held:
    before = set(world.staging.glob("upload-*")) if world.staging.exists() else set()
    held = Held(upload, stop_at, pool)
    assert held.reached.wait(30), "the held upload never got going"
    if stop_at is not None:
        # Staged through a buffered writer: all but its last few kilobytes are on disk.
        _newest_staged(world.staging, before, stop_at - CHUNK)
    return held


def _worker_fetched(world: World, before: set[Path]) -> None:
    """Wait until the worker has copied the video out of storage (to a new work folder)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for copy in set(world.tmpdir.glob("jobshots-media-*/original")) - before:
            try:
                if copy.stat().st_size == len(world.video):
                    return
            except FileNotFoundError:
                pass
        time.sleep(0.005)
    raise AssertionError("the worker never started on the video")


def _present(world: World, path: str, **body: Any) -> httpx.Response:
    with world.stack.client() as client:
        return client.request(
            "POST" if path.endswith("/photos/") else "PUT",
            f"/light{path}",
            headers={"Authorization": f"Token {world.tenant.api_key}"},
            json=body or None,
        )


def _finalize(world: World, photo: dict[str, Any], data: bytes) -> None:
    made = _present(world, f"/photos/{photo['id']}/uploaded/")
    assert made.status_code == 200, made.text
    world.acknowledge(data, "presigned")


def _zip_of_job(world: World, out: Path) -> None:
    with httpx.Client(base_url=world.stack.url, cookies=world.cookies, timeout=60) as browser:
        made = browser.get(f"/app/jobs/{world.job}/export.zip")
    assert made.status_code == 200
    assert len(made.content) == int(made.headers["Content-Length"])
    out.write_bytes(made.content)


def _originals_in(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return {
            hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if not name.endswith((".json", ".csv", ".sig"))
        }


def _stored_sha256(world: World, key: str) -> str:
    assert world.stack.media_root is not None
    return hashlib.sha256((world.stack.media_root / key).read_bytes()).hexdigest()


def _assert_nothing_lost_or_doubled(world: World) -> None:
    """Every acknowledged file byte for byte, every row's file there, everything done once."""
    stack = world.stack
    photos = stack.rows(
        select(Photo.uuid, Photo.state, Photo.storage_key, Photo.checksum_sha256).where(
            Photo.company_id == world.tenant.company_id
        )
    )
    by_sha = Counter(sha for _, _, _, sha in photos)
    stored = stack.stored_objects()
    for photo_uuid, state, key, sha in photos:
        assert state == "processed", (photo_uuid, state)  # nothing stuck
        assert key in stored, f"photo {photo_uuid} names a missing file"
        assert _stored_sha256(world, key) == sha
    for (sha, api), times in world.acknowledged.items():
        assert by_sha[sha] == times, f"a file acknowledged by the {api} API is missing or doubled"
    renditions = stack.rows(select(Rendition.photo_id, Rendition.kind, Rendition.storage_key))
    assert all(key in stored for _, _, key in renditions), "a rendition names a missing file"
    assert len({(photo, kind) for photo, kind, _ in renditions}) == len(renditions)
    once = Counter({str(photo_uuid): 1 for photo_uuid, _, _, _ in photos})
    assert _events(world, "photo.uploaded") == once
    assert _events(world, "photo.processed") == once
    # No file without its row: each one stored is an original or a rendition a row names.
    named = {key for _, _, key, _ in photos} | {key for _, _, key in renditions}
    assert {key for key in stored if not key.startswith(".")} == named


def _events(world: World, action: str) -> Counter[str]:
    """How many history events of `action` each photo of the company has."""
    return Counter(
        world.stack.scalars(
            select(AuditEvent.entity_uuid).where(
                AuditEvent.action == action, AuditEvent.company_id == world.tenant.company_id
            )
        )
    )


def _cleaned_up(world: World, orphan: str) -> None:
    """The recovery sweep removes, after the grace, what the killed requests left in staging,
    the killed worker's copy of the video, and a stored file whose row never committed; the
    removal is in the log and the history."""
    deadline = time.monotonic() + ORPHAN_GRACE + 30
    while time.monotonic() < deadline:
        left = [*world.staging.glob("upload-*"), *world.tmpdir.glob("jobshots-media-*")]
        if not left and orphan not in world.stack.stored_objects():
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"left behind: {left}, {orphan}")
    assert _events(world, "storage.orphan_removed")[orphan.split("/")[3]] == 1
    assert f"removing {orphan}" in world.stack.server.log_text()


@pytest.mark.parametrize("offsets", ROUNDS, ids=["early", "midway", "at-the-end"])
def test_a_server_killed_mid_request_loses_nothing_acknowledged(
    world: World, offsets: dict[str, Any]
) -> None:
    stack = world.stack
    # Acknowledged before the crash: one through each API, and a presigned photo's object.
    for api in ("crm", "fulcrum", "maintenance"):
        _send(world, _upload(world, api))
    finalized = _present(world, "/photos/", name="roof.jpg", job=world.job_id).json()
    finalized_upload = _upload(world, "direct", finalized["upload_url"])
    _send(world, finalized_upload)
    posted = _present(world, "/photos/", name="gutter.jpg", job=world.job_id).json()
    # A crash between storing an original and committing its row leaves such a file behind.
    orphan = keys.photo_original(uuid.UUID(world.tenant.company_uuid), uuid.uuid4(), "jpg")

    held: list[Held] = []
    with ThreadPoolExecutor(6) as pool, ExitStack() as open_streams:
        try:
            for api in ("crm", "fulcrum", "maintenance"):
                held.append(_hold(world, _upload(world, api), offsets["upload_at"], pool))
            direct = _upload(world, "direct", posted["upload_url"])
            held.append(_hold(world, direct, offsets["upload_at"], pool))
            answer = open_streams.enter_context(_zip_download(world))
            length = int(answer.headers["Content-Length"])
            chunks = answer.iter_raw(CHUNK)
            received = sum(len(c) for c in _read_until(chunks, int(length * offsets["zip_share"])))
            # Work folders of earlier rounds' killed workers are still there: only new ones count.
            earlier = set(world.tmpdir.glob("jobshots-media-*/original"))
            video = stack.upload(world.tenant, world.job, "clip.mp4", world.video, "video/mp4")
            world.acknowledge(world.video, "crm")
            _worker_fetched(world, earlier)
            time.sleep(offsets["decoding_for"])
            finalizing = pool.submit(_present, world, f"/photos/{finalized['id']}/uploaded/")
            time.sleep(offsets["finalize_for"])

            stack.server.crash()

        finally:
            for upload in held:
                upload.release.set()
        assert stack.photo_state(video)[0] == "stored", "killed too late: the video was done"
        assert set(world.tmpdir.glob("jobshots-media-*/original")) - earlier
        if offsets["upload_at"] is not None:
            assert any(world.staging.glob("upload-*")), "the held uploads left nothing staged"
        stack.put_object(orphan, images.jpeg())
        for upload in held:
            outcome = upload.result.result()
            answered = isinstance(outcome, httpx.Response) and outcome.is_success
            if answered and upload.upload.api != "direct":  # committed before the kill came
                world.acknowledge(upload.upload.data, upload.upload.api)
        finalizing.exception()
        with contextlib.suppress(httpx.TransportError):
            received += sum(len(chunk) for chunk in chunks)
        assert received < length, "killed too late: the whole ZIP had been sent"

    stack.server.start()
    # The client's retries: the killed finalize, then the form the kill cut short and its finalize.
    _finalize(world, finalized, finalized_upload.data)
    again = _upload(world, "direct", posted["upload_url"])
    _send(world, again)
    _finalize(world, posted, again.data)
    stack.settle(120)
    _cleaned_up(world, orphan)
    _assert_nothing_lost_or_doubled(world)
    # The ZIP asked for again is whole, verifies, and holds every original acknowledged.
    out = world.tmpdir.parent / f"after-{received}.zip"
    _zip_of_job(world, out)
    assert verify.verify(out).ok
    assert world.acknowledged_sha256 <= _originals_in(out)


@contextmanager
def _zip_download(world: World) -> Iterator[httpx.Response]:
    """The job's ZIP from the web app, as its owner, read only as far as the caller reads."""
    # A small receive window (autotuning would take tens of megabytes), so a reader that stops
    # reading stops the server too, instead of the rest of the ZIP arriving anyway.
    small = httpx.HTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, CHUNK)])
    with (
        httpx.Client(
            base_url=world.stack.url, cookies=world.cookies, timeout=60, transport=small
        ) as client,
        client.stream("GET", f"/app/jobs/{world.job}/export.zip") as answer,
    ):
        assert answer.status_code == 200
        yield answer


def _read_until(chunks: Iterator[bytes], wanted: int) -> Iterator[bytes]:
    got = 0
    for chunk in chunks:
        yield chunk
        got += len(chunk)
        if got >= wanted:
            return


@pytest.mark.parametrize("written", [1, 8 * 1024 * 1024], ids=["first-byte", "8-MiB"])
def test_an_export_cli_killed_midway_leaves_no_zip_and_runs_again(
    world: World, written: int
) -> None:
    server = world.stack.server
    out = world.tmpdir.parent / f"job-{written}.zip"
    partial = out.with_name(f".{out.name}.partial")
    log = (world.tmpdir.parent / f"export-{written}.log").open("wb")
    export = server.spawn("export", "zip", "--job", world.job, "--out", str(out), log=log)
    try:
        _wait_for(lambda: _size(partial) >= written, 60)
        assert export.poll() is None, "killed too late: the export had finished"
    finally:
        kill_group(export)
    assert not out.exists(), "a killed export left a ZIP under the name asked for"
    server.cli("export", "zip", "--job", world.job, "--out", str(out))
    assert not partial.exists()
    assert verify.verify(out).ok
    assert world.acknowledged_sha256 <= _originals_in(out)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.002)
    raise AssertionError("the condition never held")


def _core(world: World, key: str, previous: str = "") -> Context:
    """The core over the module's database with a chosen key ring."""
    prefix = "JOBSHOTS_"
    named = {
        k[len(prefix) :].lower(): v
        for k, v in world.stack.server.env.items()
        if k.startswith(prefix)
    }
    named.update(encryption_key=key, previous_encryption_keys=previous)
    return build_context(Settings(**named))


def _secrets(ctx: Context) -> dict[str, tuple[str | None, str | None, str | None]]:
    with ctx.uow() as uow:
        return {
            str(job.uuid): (job.access_details, job.private_contact_name, job.private_contact_email)
            for job in uow.session.scalars(select(Job))
        }


def test_a_reencryption_killed_midway_leaves_every_secret_readable_and_completes(
    world: World,
) -> None:
    # Last in the module: afterwards the running server's key no longer opens these fields.
    server = world.stack.server
    with server.core.uow() as uow:
        for n in range(2000):
            job = Job(
                company_id=world.tenant.company_id, title=f"Flat {n}", reference=f"CRASH-{n}",
                vat_rate=Decimal("20.00"),
            )  # fmt: skip
            uow.session.add(job)
            job.access_details = f"Key safe code {n:04d}"
            job.private_contact_name = f"Tenant {n}"
            job.private_contact_email = f"tenant{n}@example.com"
    old = _core(world, OLD_KEY)
    expected = _secrets(old)
    old.close()
    env = {
        **server.env,
        "JOBSHOTS_ENCRYPTION_KEY": NEW_KEY,
        "JOBSHOTS_PREVIOUS_ENCRYPTION_KEYS": OLD_KEY,
    }
    command = [sys.executable, "-m", "jobshots", "keys", "reencrypt"]
    for offset in (0.0, 0.3):
        output = world.tmpdir.parent / f"reencrypt-{offset}.log"
        with output.open("wb") as log:
            running = subprocess.Popen(
                command, env=env, cwd=server.workdir, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            _wait_for(lambda log=output: b"Resealing" in log.read_bytes(), 60)  # type: ignore[misc]
            time.sleep(offset)
            assert running.poll() is None, "killed too late: the re-encryption had finished"
        finally:
            kill_group(running)
        both = _core(world, NEW_KEY, OLD_KEY)
        assert _secrets(both) == expected
        both.close()
    finished = subprocess.run(
        command, env=env, cwd=server.workdir, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    new_only = _core(world, NEW_KEY)
    assert _secrets(new_only) == expected
    new_only.close()
