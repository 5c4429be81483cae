"""A backup of a live server under uploads, restored into a fresh one, keeps every photo."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import psycopg
import pytest
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from jobshots.backups import restore
from jobshots.backups.errors import RestoreRefused
from jobshots.config import Settings
from jobshots.db.models import Photo
from tests.support.databases import drop_later, postgres_admin_url
from tests.support.server import ServerProcess
from tests.support.stack import S3_CREDENTIALS, Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance

# Each database's snapshot and each store's copy, in two drills rather than four.
VARIANTS = [("sqlite", "local"), ("postgresql", "s3")]
# The machine's two cores are shared with the other test modules.
ONE_DECODER = {"JOBSHOTS_MEDIA_WORKERS": "1"}


@dataclass(frozen=True)
class Acknowledged:
    """An upload the server answered 200 to: its photo, its bytes' SHA-256, and when."""

    photo: str
    sha256: str
    at: float


@dataclass
class Uploader:
    """A thread uploading distinct photos to one job until stopped, recording each answer."""

    stack: Stack
    tenant: Tenant
    job: str
    acknowledged: list[Acknowledged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_for(self, count: int) -> None:
        while len(self.acknowledged) < count and not self.errors:
            time.sleep(0.02)
        assert not self.errors, self.errors

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(30)
        assert not self.errors, self.errors

    def _run(self) -> None:
        with httpx.Client(base_url=self.stack.url, timeout=30) as client:
            while not self._stop.is_set():
                data = _noise_jpeg()
                made = client.post(
                    f"/api/v1/jobs/{self.job}/photos",
                    headers=self.tenant.auth,
                    data={"photo_type": "during"},
                    files={"photos": ("site.jpg", data, "image/jpeg")},
                )
                if made.status_code != 200:
                    self.errors.append(f"{made.status_code} {made.text}")
                    return
                photo = made.json()["data"]["photos"][0]["uuid"]
                digest = hashlib.sha256(data).hexdigest()
                self.acknowledged.append(Acknowledged(photo, digest, time.monotonic()))
                # A steady stream, not a flood: the server's processing shares the CPU.
                self._stop.wait(0.05)


@dataclass
class Drill:
    """A backup taken mid-stream, and the fresh server it was restored into."""

    backend: str
    storage: str
    s3_endpoint: str | None
    job: str
    tenant: Tenant
    before_backup: list[Acknowledged]
    during_backup: list[Acknowledged]
    backup_dir: Path
    backup_output: str
    restore_output: str
    restore_warnings: str
    restored: Stack


def _noise_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (48, 32), os.urandom(48 * 32 * 3)).save(buffer, "JPEG")
    return buffer.getvalue()


@contextmanager
def _empty_target(
    backend: str, storage: str, tmp: Path, s3_endpoint: str | None
) -> Iterator[tuple[str, str, Path | None, object, str | None]]:
    """A database that does not exist yet (SQLite) or holds nothing, and an empty store."""
    media_root: Path | None = None
    s3 = bucket = None
    if storage == "local":
        media_root = tmp / "media"
        storage_url = f"file://{media_root}"
    else:
        bucket = f"restored-{uuid.uuid4().hex[:12]}"
        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **S3_CREDENTIALS)
        s3.create_bucket(Bucket=bucket)
        storage_url = (
            f"s3://{bucket}?endpoint_url={s3_endpoint}&region=us-east-1"
            "&access_key_id=testing&secret_access_key=testing"
        )
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'restored.db'}", storage_url, media_root, s3, bucket
        return
    admin = postgres_admin_url()
    name = f"jobshots_restore_{uuid.uuid4().hex[:12]}"
    libpq = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        yield url, storage_url, media_root, s3, bucket
    finally:
        drop_later(admin, name)


@pytest.fixture(scope="module", params=VARIANTS, ids=[f"{db}-{store}" for db, store in VARIANTS])
def drill(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Drill]:
    """Upload continuously, back up mid-stream with the CLI, restore into a fresh server."""
    backend, storage = request.param
    endpoint = request.getfixturevalue("s3_endpoint") if storage == "s3" else None
    tmp = tmp_path_factory.mktemp(f"backup-{backend}-{storage}")
    backup_dir = tmp / "backup"
    (tmp / "live").mkdir()
    with running_stack(backend, storage, tmp / "live", endpoint, ONE_DECODER) as live:
        tenant = live.new_tenant("Backup Builders")
        job = live.new_job(tenant, "Kitchen refit")
        uploader = Uploader(live, tenant, job)
        uploader.start()
        uploader.wait_for(5)
        began = time.monotonic()
        made = live.server.cli("backup", str(backup_dir))
        ended = time.monotonic()
        uploader.wait_for(len(uploader.acknowledged) + 3)
        uploader.stop()
        secret_key = live.server.secret_key
    acknowledged = uploader.acknowledged
    (tmp / "target").mkdir()
    with _empty_target(backend, storage, tmp / "target", endpoint) as target:
        database_url, storage_url, media_root, s3, bucket = target
        server = ServerProcess(
            database_url, storage_url, tmp / "target", ONE_DECODER, secret_key=secret_key
        )
        restored = server.cli("restore", str(backup_dir))
        server.start()
        try:
            yield Drill(
                backend=backend,
                storage=storage,
                s3_endpoint=endpoint,
                job=job,
                tenant=tenant,
                before_backup=[item for item in acknowledged if item.at < began],
                during_backup=[item for item in acknowledged if began <= item.at < ended],
                backup_dir=backup_dir,
                backup_output=made.stdout,
                restore_output=restored.stdout,
                restore_warnings=restored.stderr,
                restored=Stack(server, storage, media_root, s3, bucket),
            )
        finally:
            server.stop()


def _stored_bytes(stack: Stack, key: str) -> bytes:
    if stack.media_root is not None:
        return (stack.media_root / key).read_bytes()
    assert stack.s3 is not None
    body: bytes = stack.s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    return body


def test_uploads_went_on_while_the_backup_ran(drill: Drill) -> None:
    assert len(drill.before_backup) >= 5
    assert drill.during_backup, "no upload was acknowledged while the backup ran"
    assert "backup written to" in drill.backup_output


def test_every_upload_acknowledged_before_the_backup_downloads_byte_for_byte(drill: Drill) -> None:
    stack = drill.restored
    with stack.client() as client:
        for upload in drill.before_backup:
            got = client.get(
                f"/api/v1/jobs/{drill.job}/photos/{upload.photo}", headers=drill.tenant.auth
            )
            assert got.status_code == 200, got.text
            original = httpx.get(got.json()["data"]["photo"]["photo_url"], timeout=30)
            assert original.status_code == 200
            assert hashlib.sha256(original.content).hexdigest() == upload.sha256


def test_every_upload_acknowledged_before_the_backup_is_in_the_restored_storage(
    drill: Drill,
) -> None:
    stack = drill.restored
    keys = dict(stack.rows(select(Photo.uuid, Photo.storage_key)))
    for upload in drill.before_backup:
        stored = _stored_bytes(stack, keys[uuid.UUID(upload.photo)])
        assert hashlib.sha256(stored).hexdigest() == upload.sha256


def test_every_restored_photo_row_has_its_file(drill: Drill) -> None:
    stack = drill.restored
    rows = stack.rows(select(Photo.storage_key, Photo.checksum_sha256))
    assert len(rows) >= len(drill.before_backup)
    for key, checksum in rows:
        assert hashlib.sha256(_stored_bytes(stack, key)).hexdigest() == checksum
    manifest = json.loads((drill.backup_dir / "manifest.json").read_text())
    assert manifest["missing"] == []
    assert manifest["counts"]["photos"] == len(rows)
    assert f"{len(rows)} photos" in drill.restore_output
    assert drill.restore_warnings == ""


def _settings(server: ServerProcess) -> Settings:
    """The settings `server` runs with, for calling a restore in-process."""
    prefix = "JOBSHOTS_"
    named = {k[len(prefix) :].lower(): v for k, v in server.env.items() if k.startswith(prefix)}
    return Settings(**named)


def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(drill: Drill) -> None:
    stack = drill.restored
    before = stack.photo_rows()
    with pytest.raises(RestoreRefused, match=r"already holds companies.*--force"):
        restore.run(_settings(stack.server), drill.backup_dir)
    assert stack.photo_rows() == before


def test_restore_refuses_storage_that_holds_files(drill: Drill, tmp_path: Path) -> None:
    with _empty_target(drill.backend, drill.storage, tmp_path, drill.s3_endpoint) as target:
        database_url, storage_url, media_root, s3, bucket = target
        server = ServerProcess(database_url, storage_url, tmp_path)
        untouched = Stack(server, drill.storage, media_root, s3, bucket)
        untouched.put_object("companies/elsewhere/notes.txt", b"kept")
        with pytest.raises(RestoreRefused, match=r"already holds files.*--force"):
            restore.run(_settings(server), drill.backup_dir)
        assert untouched.stored_objects() == {"companies/elsewhere/notes.txt"}


@pytest.mark.parametrize("drill", [VARIANTS[0]], ids=["sqlite-local"], indirect=True)
def test_a_flipped_byte_fails_the_restore_naming_the_file(drill: Drill, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(drill.backup_dir, damaged)
    manifest = json.loads((damaged / "manifest.json").read_text())
    victim = next(item["key"] for item in manifest["media"] if item["key"].endswith(".jpg"))
    path = damaged / "media" / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with _empty_target(drill.backend, drill.storage, tmp_path, drill.s3_endpoint) as target:
        database_url, storage_url, media_root, s3, bucket = target
        server = ServerProcess(database_url, storage_url, tmp_path)
        failed = server.cli("restore", str(damaged), check=False)
        assert failed.returncode == 1
        assert f"corrupt: {victim}: SHA-256" in failed.stderr
        assert "nothing was restored" in failed.stderr
        untouched = Stack(server, drill.storage, media_root, s3, bucket)
        assert not untouched.stored_objects()
        if drill.backend == "sqlite":
            assert not (tmp_path / "restored.db").exists()
        else:
            assert not untouched.rows(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
