"""Orphan cleanup: a stored file no committed row owns goes once older than the grace period,
on local disk and on S3; a file whose row exists stays, whatever state the row is in."""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.cleanup import orphans
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.documents import service as documents
from jobshots.core.evidence import holds
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import processing
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Photo
from jobshots.db.types import utcnow
from jobshots.media.incoming import IncomingFile, Spool
from jobshots.media.pipeline import decode
from jobshots.storage import keys
from tests.support import images
from tests.support.stack import S3_CREDENTIALS

GRACE = timedelta(hours=1)


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Context]:
    """A core over a fresh database and a fresh store of each kind, with a temporary directory
    of its own (the sweep looks there for the work folders of killed processes)."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    if request.param == "local":
        storage_url = f"file://{tmp_path / 'media'}"
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"orphans-{uuid.uuid4().hex[:12]}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **S3_CREDENTIALS)
        s3.create_bucket(Bucket=bucket)
        storage_url = (
            f"s3://{bucket}?endpoint_url={endpoint}&region=us-east-1"
            "&access_key_id=testing&secret_access_key=testing"
        )
    settings = Settings(
        dev=True,
        database_url=database_url,
        storage_url=storage_url,
        base_url="http://testserver",
        orphan_grace_seconds=GRACE.total_seconds(),
    )
    context = build_context(settings)
    yield context
    context.close()


def _incoming(ctx: Context, data: bytes, name: str = "site.jpg") -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    return spool.finish()


def _put(ctx: Context, key: str, data: bytes = b"left behind") -> None:
    staged = ctx.storage.staging_dir() / f"test-{uuid.uuid4().hex}"
    staged.write_bytes(data)
    ctx.storage.put_file(key, staged, "application/octet-stream")


def _stored(ctx: Context) -> set[str]:
    return {f.key for f in ctx.storage.list_objects()}


def _upload(ctx: Context, owner: Principal, job: str, colour: str) -> Photo:
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, owner, job, [_incoming(ctx, images.jpeg(colour=colour))], photos.PhotoDetails()
        )
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, shown.id)
        uow.session.expunge(photo)
    return photo


def _world(ctx: Context) -> tuple[Principal, uuid.UUID, dict[str, str]]:
    """A company whose photos are in every state a row can be in; each one's original key."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example")
        owner = users.acting_as(made.owner)
        company_uuid = made.company.uuid
        free = str(jobs.create(uow, owner, "Free").uuid)
        held = str(jobs.create(uow, owner, "Held").uuid)
    live = _upload(ctx, owner, free, "red")
    assert processing.process_photo(ctx, live.id, decode) == "processed"
    deleted = _upload(ctx, owner, free, "blue")
    kept = _upload(ctx, owner, held, "green")
    purged = _upload(ctx, owner, free, "white")
    with ctx.uow() as uow:
        photos.delete(uow, owner, photos.PhotoRef(id=deleted.id))
        photos.delete(uow, owner, photos.PhotoRef(id=kept.id))
        holds.place(uow, owner, held, "Claim 4471")
        # A purge whose commit landed but whose file deletions a crash cut short.
        photos.delete(uow, owner, photos.PhotoRef(id=purged.id))
    with ctx.uow() as uow:
        uow.session.get_one(Photo, purged.id).purged_at = utcnow()
        changes = PhotoChanges(name="porch.jpg", job=free, given=frozenset({"name", "job"}))
        pending = photos.start_direct_upload(uow, owner, photos.NewDirectUpload(changes)).photo
        pending_key = uow.session.get_one(Photo, pending.id).storage_key
        document = documents.upload(uow, owner, free, [_incoming(ctx, images.PDF, "cert.pdf")])
    _put(ctx, pending_key, images.jpeg())
    named = {
        "live": live.storage_key,
        "deleted": deleted.storage_key,
        "held": kept.storage_key,
        "purged": purged.storage_key,
        "pending": pending_key,
        "document": next(k for k in _stored(ctx) if f"/documents/{document.uuid}/" in k),
    }
    return owner, company_uuid, named


def _age(path: Path, by: timedelta) -> None:
    then = time.time() - by.total_seconds()
    for item in [*path.rglob("*"), path]:
        os.utime(item, (then, then))


def _folder(parent: Path, name: str, age: timedelta | None = None) -> Path:
    """A work folder holding one file, last written `age` ago (or now)."""
    folder = parent / name
    folder.mkdir()
    (folder / "original").write_bytes(b"z" * 1000)
    if age is not None:
        _age(folder, age)
    return folder


def test_files_no_row_owns_go_after_the_grace_and_every_owned_file_stays(
    store: Context, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = store
    owner, company, named = _world(ctx)
    owned = _stored(ctx)
    assert any(k.endswith("/thumbnail.jpg") for k in owned)  # the live photo's renditions
    stranger = uuid.uuid4()
    orphaned = {
        keys.photo_original(company, uuid.uuid4(), "jpg"),
        keys.rendition(company, uuid.uuid4(), "large", "jpg"),
        keys.document(company, uuid.uuid4(), "pdf"),
        keys.upload_part(company, uuid.uuid4(), 0),
        keys.export(company, uuid.uuid4(), "pdf"),
        keys.photo_original(stranger, uuid.uuid4(), "jpg"),  # a company that no longer exists
    }
    for key in orphaned:
        _put(ctx, key)
    not_ours = "imports/readme.txt"  # no key builder makes this: never ours to remove
    _put(ctx, not_ours)
    stale = ctx.storage.staging_dir() / "upload-killed-midway"
    stale.write_bytes(b"x" * 1000)
    _age(stale, GRACE * 2)
    # A report's work folder in staging, and a processing's in the temporary directory.
    stale_folders = [
        _folder(ctx.storage.staging_dir(), "tmp-report-killed", GRACE * 2),
        _folder(Path(tempfile.gettempdir()), "jobshots-media-killed", GRACE * 2),
    ]
    other_program = _folder(Path(tempfile.gettempdir()), "someone-elses", GRACE * 2)
    # The staging folder of a killed process that had no local root (S3): its upload goes.
    dead_process = _folder(Path(tempfile.gettempdir()), "jobshots-staging-dead", GRACE * 2)
    # Object stores keep whole seconds, cut down: everything above is older than `cutoff`, and
    # a second on, all below is newer.
    cutoff = datetime.now(UTC)
    time.sleep(1.1)
    young = keys.photo_original(company, uuid.uuid4(), "jpg")
    _put(ctx, young)
    streaming = ctx.storage.staging_dir() / "upload-in-progress"
    streaming.write_bytes(b"y" * 1000)
    working = _folder(Path(tempfile.gettempdir()), "jobshots-media-working")

    caplog.set_level(logging.INFO, logger=orphans.__name__)
    swept = orphans.sweep(ctx, now=cutoff + GRACE)

    purged_files = {k for k in owned if f"/photos/{Path(named['purged']).parent.name}/" in k}
    assert purged_files == {named["purged"]}
    assert swept == orphans.Swept(orphans=len(orphaned) + 1, staged=4)
    assert _stored(ctx) == (owned - purged_files) | {not_ours, young}
    assert {
        named["live"],
        named["deleted"],
        named["held"],
        named["pending"],
        named["document"],
    } <= (_stored(ctx))
    assert not stale.exists()
    assert not any(folder.exists() for folder in stale_folders)
    assert streaming.exists()
    assert working.exists()
    assert other_program.exists()
    assert dead_process.is_dir()
    assert list(dead_process.iterdir()) == []
    with ctx.uow() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == orphans.REMOVED)
        ).all()
        acme = uow.session.scalars(select(Company.id).where(Company.uuid == company)).one()
    ours = {key for key in orphaned if str(stranger) not in key}
    assert {event.data["key"] for event in events} == ours | {named["purged"]}
    assert {event.company_id for event in events} == {acme}
    assert all(event.entity_uuid and event.entity_uuid in event.data["key"] for event in events)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert all(key in logged for key in orphaned)
    assert "upload-killed-midway" in logged

    # A day later the young orphan and the upload that never finished are old enough to go.
    assert orphans.sweep(ctx, now=utcnow() + GRACE * 2) == orphans.Swept(orphans=1, staged=2)
    assert young not in _stored(ctx)
    assert not streaming.exists()
    assert not working.exists()
    assert other_program.exists()
    assert orphans.sweep(ctx, now=utcnow() + GRACE * 2) == orphans.Swept(orphans=0, staged=0)
    assert owner.company_id == acme
