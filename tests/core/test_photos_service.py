"""Receiving photos: all or nothing, with stored files removed when the transaction fails."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Forbidden, NotFound, QuotaExceeded
from jobshots.core.jobs import service as jobs
from jobshots.core.pagination import PageRequest
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Photo
from jobshots.media.incoming import IncomingFile, Spool
from tests.support import images


def _incoming(ctx: Context, data: bytes, name: str = "a.jpg") -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    return spool.finish()


def _setup(ctx: Context, name: str = "Acme") -> tuple[Principal, str]:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        principal = users.acting_as(made.owner)
        job = jobs.create(uow, principal, "Fix the roof")
    return principal, str(job.uuid)


def _media_files(ctx: Context) -> list[Path]:
    root = Path(ctx.settings.storage_url.removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file() and ".staging" not in p.parts]


def test_upload_stores_the_original_byte_identical(ctx: Context) -> None:
    principal, job = _setup(ctx)
    data = images.jpeg()
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, principal, job, [_incoming(ctx, data)], photos.PhotoDetails("before")
        )
    with ctx.uow() as uow:
        photo = uow.session.get_one(Photo, shown.id)
    assert photo.state == "stored"
    assert photo.checksum_sha256 is not None
    with ctx.storage.open(photo.storage_key) as stored:
        assert stored.read() == data
    with ctx.uow() as uow:
        [uploaded] = uow.session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "photo.uploaded")
        ).all()
    assert uploaded == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_a_change_is_recorded_with_each_field_before_and_after(ctx: Context) -> None:
    principal, job = _setup(ctx)
    with ctx.uow() as uow:
        [shown] = photos.upload_to_job(
            uow, principal, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
        other = str(jobs.create(uow, principal, "Fix the porch").uuid)
    change = PhotoChanges(
        description="Ridge tiles replaced",
        tags=["roof"],
        job=other,
        name="a.jpg",
        given=frozenset({"description", "tags", "job", "name"}),
    )
    with ctx.uow() as uow:
        photos.update(uow, principal, photos.PhotoRef(id=shown.id), change)
    with ctx.uow() as uow:
        photos.update(uow, principal, photos.PhotoRef(id=shown.id), change)
    with ctx.uow() as uow:
        recorded = uow.session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "photo.updated")
        ).all()
    # The name did not change and is not recorded; the same change again records nothing.
    assert recorded == [
        {
            "changes": {
                "description": {"from": None, "to": "Ridge tiles replaced"},
                "tags": {"from": [], "to": ["roof"]},
                "job": {"from": job, "to": other},
            }
        }
    ]


def test_failed_transaction_removes_the_files_it_stored(ctx: Context) -> None:
    principal, job = _setup(ctx)
    files = [_incoming(ctx, images.jpeg()), _incoming(ctx, images.png(), "b.png")]

    seen_while_open: list[int] = []

    class Boom(Exception):
        pass

    def upload_then_fail() -> None:
        with ctx.uow() as uow:
            photos.upload_to_job(uow, principal, job, files, photos.PhotoDetails("after"))
            seen_while_open.append(len(_media_files(ctx)))
            raise Boom

    with pytest.raises(Boom):
        upload_then_fail()
    assert seen_while_open == [2]
    assert _media_files(ctx) == []
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_storage_quota_counts_what_is_kept(ctx: Context) -> None:
    principal, job = _setup(ctx)
    data = images.jpeg()
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, principal.company_id)
        companies.update_plan(uow, company, companies.PlanChange(storage_quota_bytes=len(data) * 2))
    with ctx.uow() as uow:
        photos.upload_to_job(uow, principal, job, [_incoming(ctx, data)], photos.PhotoDetails())
    two = [_incoming(ctx, data), _incoming(ctx, data)]
    with ctx.uow() as uow, pytest.raises(QuotaExceeded):
        photos.upload_to_job(uow, principal, job, two, photos.PhotoDetails())
    assert len(_media_files(ctx)) == 1


def test_viewer_cannot_upload(ctx: Context) -> None:
    principal, job = _setup(ctx)
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, principal.company_id)
        viewer = users.acting_as(users.create(uow, company, "v@acme.example", role="viewer"))
    with ctx.uow() as uow, pytest.raises(Forbidden):
        photos.upload_to_job(
            uow, viewer, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
    with ctx.uow() as uow:
        listed = photos.page_of_job(
            uow, viewer, job, photos.PhotoFilter(), PageRequest(1, 10, maximum=100)
        )
        assert listed.total == 0


def test_other_company_job_is_not_found(ctx: Context) -> None:
    _, job = _setup(ctx, "Acme")
    stranger, _ = _setup(ctx, "Other")
    with ctx.uow() as uow, pytest.raises(NotFound):
        photos.upload_to_job(
            uow, stranger, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
    assert _media_files(ctx) == []


def test_racing_uploads_with_one_key_keep_one_photo_and_one_file(ctx: Context) -> None:
    principal, _ = _setup(ctx)
    data = images.jpeg()
    details = photos.PhotoDetails(client_key="phone-photo-1")
    first_uow = ctx.uow().__enter__()
    first = photos.receive_with_key(first_uow, principal, _incoming(ctx, data), details)
    outcome: dict[str, object] = {}

    def second_upload() -> None:
        with ctx.uow() as uow:
            received = photos.receive_with_key(uow, principal, _incoming(ctx, data), details)
            outcome.update(created=received.created, photo=received.photo.id)

    racer = threading.Thread(target=second_upload)
    racer.start()
    time.sleep(0.3)  # lets the second upload reach its insert before the first commits
    first_uow.__exit__(None, None, None)
    racer.join(30)
    assert outcome == {"created": False, "photo": first.photo.id}
    assert len(_media_files(ctx)) == 1
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Photo)) == 1


def test_two_finishes_of_one_direct_upload_at_once_record_it_once(ctx: Context) -> None:
    principal, job = _setup(ctx)
    changes = PhotoChanges(name="porch.jpg", job=job, given=frozenset({"job"}))
    with ctx.uow() as uow:
        pending = photos.start_direct_upload(uow, principal, photos.NewDirectUpload(changes)).photo
        key = uow.session.get_one(Photo, pending.id).storage_key
    staged = ctx.storage.staging_dir() / "porch.jpg"
    staged.write_bytes(images.jpeg())
    ctx.storage.put_file(key, staged, "image/jpeg")
    ref = photos.PhotoRef(id=pending.id)
    first_uow = ctx.uow().__enter__()
    photos.finish_direct_upload(first_uow, principal, ref)
    seen: list[str] = []

    def second_finish() -> None:
        with ctx.uow() as uow:
            seen.append(photos.finish_direct_upload(uow, principal, ref).state)

    racer = threading.Thread(target=second_finish)
    racer.start()
    time.sleep(0.3)  # lets the second finish read the photo before the first commits
    first_uow.__exit__(None, None, None)
    racer.join(30)
    assert seen == ["stored"]
    with ctx.uow() as uow:
        uploaded = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "photo.uploaded")
        ).all()
    assert len(uploaded) == 1


def test_one_visibility_rule_for_every_lookup_and_list(ctx: Context) -> None:
    principal, job = _setup(ctx)
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, principal.company_id)
        colleague = users.acting_as(users.create(uow, company, "c@acme.example"))
        pending = photos.start_direct_upload(
            uow,
            principal,
            photos.NewDirectUpload(
                PhotoChanges(name="porch.jpg", job=job, given=frozenset({"job"}))
            ),
        ).photo
    mine = photos.PhotoRef(id=pending.id)
    everything = photos.PhotoFilter()
    paging = PageRequest(1, 10, maximum=100)
    with ctx.uow() as uow:
        # Still on its way: its creator finds it by id, by UUID, by key; nobody lists it.
        assert photos.get(uow, principal, mine).state == "pending"
        assert photos.get(uow, principal, photos.PhotoRef(uuid=str(pending.uuid))).id == pending.id
        with pytest.raises(NotFound):
            photos.get(uow, colleague, mine)
        assert photos.page(uow, principal, everything, paging).total == 0
        [stored] = photos.upload_to_job(
            uow, principal, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
    ref = photos.PhotoRef(public_key=str(stored.uuid))
    with ctx.uow() as uow:
        photos.delete(uow, colleague, ref)
    with ctx.uow() as uow:
        # Deleted: gone from lookups and lists unless the caller asks for deleted photos too.
        with pytest.raises(NotFound):
            photos.get(uow, principal, ref)
        with pytest.raises(NotFound):
            photos.delete(uow, principal, ref)
        again = photos.get(uow, principal, ref, job=job, include_deleted=True)
        assert again.deleted_at is not None
        photos.delete(uow, principal, ref, job=job, include_deleted=True)
        assert photos.page(uow, principal, everything, paging).total == 0
        shown = photos.page(uow, principal, photos.PhotoFilter(include_deleted=True), paging)
        assert [p.id for p in shown.items] == [stored.id]
    with ctx.uow() as uow:
        deletions = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "photo.deleted")
        ).all()
    assert len(deletions) == 1


def _statements(ctx: Context) -> list[str]:
    """Every SQL statement the engine runs from now on, collected into the returned list."""
    seen: list[str] = []
    event.listen(ctx.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_an_upload_checked_before_its_bytes_is_stored_without_reading_anything_again(
    ctx: Context,
) -> None:
    principal, job = _setup(ctx)
    data = images.jpeg()
    with ctx.uow() as uow:
        photos.upload_limit(uow, principal, job)
        uow.commit()  # as a route does before the body streams in
        incoming = _incoming(ctx, data)
        seen = _statements(ctx)
        [shown] = photos.upload_to_job(uow, principal, job, [incoming], photos.PhotoDetails())
        statements = list(seen)
    reads = [s.split("FROM", 1)[1].split()[0] for s in statements if s.startswith("SELECT")]
    # The job is checked again (it may have gone meanwhile); the company, the uploader and the
    # new photo's renditions are not read again, nor the photo itself.
    assert "jobs" in reads
    assert not {"companies", "users", "renditions", "photos"} & set(reads), reads
    assert shown.uploaded_by is not None
    assert shown.uploaded_by.id == principal.user_id
    assert shown.renditions == {}
    assert shown.file_size == len(data)
    assert shown.original_url is not None


def test_a_job_deleted_while_its_upload_arrived_is_not_found_and_keeps_no_file(
    ctx: Context,
) -> None:
    principal, job = _setup(ctx)
    with ctx.uow() as uow:
        photos.upload_limit(uow, principal, job)
        uow.commit()
        with ctx.uow() as other:
            jobs.delete(other, principal, job)
        with pytest.raises(NotFound):
            photos.upload_to_job(
                uow, principal, job, [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
            )
        uow.session.rollback()
    assert _media_files(ctx) == []
