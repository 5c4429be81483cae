"""A job's ZIP: every live original byte for byte, manifests that match it, a known length."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import NotFound
from jobshots.core.exports import manifest
from jobshots.core.exports import zip as zip_export
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import service as photos
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Job, Photo
from jobshots.media.incoming import IncomingFile, Spool
from tests.support import images

TAKEN = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def _incoming(ctx: Context, data: bytes, name: str) -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    return spool.finish()


def _company(ctx: Context, name: str) -> tuple[Principal, str]:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example", "Olive Owner")
        principal = users.acting_as(made.owner)
        job = jobs.create(uow, principal, "Boiler service / flat 2")
    return principal, str(job.uuid)


def _upload(
    ctx: Context, principal: Principal, job: str, photo_type: str, name: str, data: bytes
) -> str:
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, principal, job, [_incoming(ctx, data, name)], photos.PhotoDetails(photo_type)
        )
    return str(shown.uuid)


def _job_with_photos(ctx: Context) -> tuple[Principal, str, dict[str, bytes], str]:
    """A job with photos of every type (two sharing a name), one of them soft-deleted;
    the originals by photo UUID, and the deleted photo's UUID."""
    principal, job = _company(ctx, "Acme")
    originals: dict[str, bytes] = {}
    for photo_type, name, data in [
        ("before", "site.jpg", images.jpeg(colour="red")),
        ("before", "site.jpg", images.jpeg(colour="blue")),
        ("during", "../../etc/passwd.png", images.png()),
        ("after", "done.jpg", images.jpeg(80, 60, "green")),
        ("other", "Zähler Küche.jpg", images.jpeg(40, 40, "white")),
    ]:
        originals[_upload(ctx, principal, job, photo_type, name, data)] = data
    deleted = _upload(ctx, principal, job, "after", "mistake.jpg", images.jpeg(colour="black"))
    with ctx.uow() as uow:
        photos.delete(uow, principal, photos.PhotoRef(uuid=deleted))
        first = next(iter(originals))
        uow.session.execute(
            update(Photo)
            .where(Photo.uuid == uuid.UUID(first))
            .values(latitude=51.5007, longitude=-0.1246, taken_at=TAKEN)
        )
    return principal, job, originals, deleted


def _export(ctx: Context, principal: Principal, job: str) -> tuple[zip_export.Download, bytes]:
    with ctx.uow() as uow:
        download = zip_export.job_zip(uow, principal, job)
    return download, b"".join(download.chunks)


def test_zip_holds_every_live_original_byte_for_byte_with_matching_manifests(
    ctx: Context,
) -> None:
    principal, job, originals, deleted = _job_with_photos(ctx)
    download, body = _export(ctx, principal, job)

    assert download.length == len(body)
    assert download.filename.endswith("-Boiler-service-flat-2.zip")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    listed = json.loads(archive.read("manifest.json"))
    assert listed["job"]["title"] == "Boiler service / flat 2"
    assert listed["job"]["reference"]
    assert listed["exported_at"]
    files = listed["files"]

    assert {f["photo_uuid"] for f in files} == set(originals)
    assert deleted not in {f["photo_uuid"] for f in files}
    paths = [f["path"] for f in files]
    assert len(set(paths)) == len(paths)
    assert sorted(archive.namelist()) == sorted(
        [*paths, "manifest.json", "manifest.csv", "manifest.json.sig"]
    )
    for entry in files:
        data = archive.read(entry["path"])
        assert data == originals[entry["photo_uuid"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["size"] == len(data)
        assert entry["path"].startswith(f"{entry['photo_type']}/")
        assert entry["uploaded_by"] == "Olive Owner"
    assert {f["photo_type"] for f in files} == {"before", "during", "after", "other"}
    assert "before/0001-site.jpg" in paths
    assert "before/0002-site.jpg" in paths
    assert "during/0003-passwd.png" in paths
    assert "other/0005-Zähler Küche.jpg" in paths

    located = next(f for f in files if f["latitude"] is not None)
    assert (located["latitude"], located["longitude"]) == (51.5007, -0.1246)
    assert located["taken_at"] == TAKEN.isoformat()

    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    assert [(r["path"], r["sha256"], int(r["size"])) for r in rows] == [
        (f["path"], f["sha256"], f["size"]) for f in files
    ]
    assert {r["job_title"] for r in rows} == {"Boiler service / flat 2"}
    assert next(r for r in rows if r["path"] == located["path"])["latitude"] == "51.5007"


def test_the_export_is_recorded_in_the_jobs_activity(ctx: Context) -> None:
    principal, job, originals, _ = _job_with_photos(ctx)
    download, _ = _export(ctx, principal, job)
    with ctx.uow() as uow:
        [event] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "job.exported")
        ).all()
        assert event.entity_uuid == job
        assert event.job_id is not None
        assert event.data == {"format": "zip", "photos": len(originals), "bytes": download.length}


def test_another_companys_job_is_refused_like_a_missing_one(ctx: Context) -> None:
    _, theirs = _company(ctx, "Rival")
    mine, _ = _company(ctx, "Acme")
    with ctx.uow() as uow, pytest.raises(NotFound) as foreign:
        zip_export.job_zip(uow, mine, theirs)
    with ctx.uow() as uow, pytest.raises(NotFound) as missing:
        zip_export.job_zip(uow, mine, "00000000-0000-4000-8000-000000000000")
    assert foreign.value.message == missing.value.message
    with ctx.uow() as uow:
        assert not uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "job.exported")
        ).all()


def test_a_job_without_photos_is_a_zip_of_its_manifests(ctx: Context) -> None:
    principal, job = _company(ctx, "Empty")
    download, body = _export(ctx, principal, job)
    assert download.length == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["manifest.csv", "manifest.json", "manifest.json.sig"]
    assert json.loads(archive.read("manifest.json"))["files"] == []


def test_an_original_changed_in_storage_stops_the_stream(ctx: Context) -> None:
    principal, job = _company(ctx, "Acme")
    photo = _upload(ctx, principal, job, "before", "a.jpg", images.jpeg())
    with ctx.uow() as uow:
        download = zip_export.job_zip(uow, principal, job)
        key = uow.session.scalars(
            select(Photo.storage_key).where(Photo.uuid == uuid.UUID(photo))
        ).one()
    path = ctx.storage.file_server().path_for(key)  # type: ignore[union-attr]
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(zip_export.OriginalChanged):
        b"".join(download.chunks)


def test_originals_are_read_as_the_stream_is_consumed(ctx: Context) -> None:
    principal, job = _company(ctx, "Acme")
    _upload(ctx, principal, job, "before", "a.jpg", images.jpeg())
    with ctx.uow() as uow:
        key = uow.session.scalars(select(Photo.storage_key)).one()
        download = zip_export.job_zip(uow, principal, job)
    # Removed after the ZIP was prepared: only reading it finds the original gone.
    ctx.storage.delete(key)
    with pytest.raises(FileNotFoundError):
        b"".join(download.chunks)


@pytest.mark.parametrize(
    ("photo_type", "name", "extension", "path"),
    [
        ("before", "site.jpg", "jpg", "before/0007-site.jpg"),
        ("after", "../../etc/passwd", "png", "after/0007-passwd.png"),
        ("during", "C:\\Users\\me\\IMG 1.HEIC", "heic", "during/0007-IMG 1.HEIC"),
        ("other", "", "jpg", "other/0007.jpg"),
        ("other", 'a:b*c?"d\x00.jpg', "jpg", "other/0007-a_b_c__d.jpg"),
    ],
)
def test_paths_in_the_export_are_safe_and_keep_the_original_name(
    photo_type: str, name: str, extension: str, path: str
) -> None:
    assert manifest.path_in_export(photo_type, 7, name, extension) == path


def test_an_original_with_no_recorded_checksum_is_measured_from_storage(ctx: Context) -> None:
    # A direct upload not yet processed has its bytes stored but no checksum recorded.
    principal, job = _company(ctx, "Acme")
    data = images.jpeg(70, 50, "yellow")
    photo = _upload(ctx, principal, job, "during", "pipe.jpg", data)
    with ctx.uow() as uow:
        uow.session.execute(
            update(Photo)
            .where(Photo.uuid == uuid.UUID(photo))
            .values(checksum_sha256=None, file_size=None)
        )
    download, body = _export(ctx, principal, job)
    assert download.length == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    [entry] = json.loads(archive.read("manifest.json"))["files"]
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["size"] == len(data)
    assert archive.read(entry["path"]) == data


def test_a_contractor_exports_only_the_jobs_they_are_on(ctx: Context) -> None:
    owner, job = _company(ctx, "Acme")
    with ctx.uow() as uow:
        company = companies.get(uow, str(owner.company_id))
        contractor = users.acting_as(
            users.create(uow, company, "sub@acme.example", role="contractor")
        )
    with ctx.uow() as uow, pytest.raises(NotFound):
        zip_export.job_zip(uow, contractor, job)
    with ctx.uow() as uow:
        uow.session.execute(
            update(Job).where(Job.uuid == uuid.UUID(job)).values(contractor_id=contractor.user_id)
        )
    with ctx.uow() as uow:
        assert zip_export.job_zip(uow, contractor, job).length > 0
