"""Legal hold: placed and lifted by managers with a reason; while held nothing of the job is
deleted, and the refusal says why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.documents import service as documents
from jobshots.core.errors import Conflict, Invalid, MissingPermission, NotFound
from jobshots.core.evidence import holds
from jobshots.core.evidence.held import OnLegalHold
from jobshots.core.jobs import service as jobs
from jobshots.core.notes import service as notes
from jobshots.core.pagination import SliceRequest
from jobshots.core.photos import service as photos
from jobshots.core.photos.changes import PhotoChanges
from jobshots.core.principal import Principal
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Job, Photo
from jobshots.media.incoming import IncomingFile, Spool
from tests.support import images


def _incoming(ctx: Context, data: bytes, name: str = "a.jpg") -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), name)
    spool.write(data)
    return spool.finish()


def _setup(ctx: Context, name: str = "Acme") -> tuple[Principal, str, int]:
    with ctx.uow() as uow:
        made = companies.create(uow, name, f"owner@{name.lower()}.example")
        owner = users.acting_as(made.owner)
        job = jobs.create(uow, owner, "Fix the roof")
        [photo] = photos.upload_to_job(
            uow, owner, str(job.uuid), [_incoming(ctx, images.jpeg())], photos.PhotoDetails()
        )
    return owner, str(job.uuid), photo.id


def _person(ctx: Context, owner: Principal, role: str) -> Principal:
    with ctx.uow() as uow:
        company = uow.session.get_one(Company, owner.company_id)
        return users.acting_as(users.create(uow, company, f"{role}@acme.example", role=role))


def _events(ctx: Context, action: str) -> list[AuditEvent]:
    with ctx.uow() as uow:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(uow.session.scalars(query))


def test_a_held_job_refuses_its_deletion_and_its_photos_saying_why(ctx: Context) -> None:
    owner, job, photo_id = _setup(ctx)
    with ctx.uow() as uow:
        holds.place(uow, owner, job, "  Claim 4471 against the insurer  ")
        reference = jobs.get(uow, owner, job).reference
    expected = f"job {reference} is on legal hold: Claim 4471 against the insurer"
    with ctx.uow() as uow, pytest.raises(OnLegalHold) as refused:
        jobs.delete(uow, owner, job)
    assert refused.value.message == expected
    assert isinstance(refused.value, Conflict)
    with ctx.uow() as uow, pytest.raises(OnLegalHold, match="Claim 4471"):
        photos.delete(uow, owner, photos.PhotoRef(id=photo_id))
    with ctx.uow() as uow:
        assert uow.session.get_one(Photo, photo_id).deleted_at is None
        assert uow.session.get(Job, jobs.get(uow, owner, job).id) is not None
    [held] = _events(ctx, "job.held")
    assert held.data == {"reason": "Claim 4471 against the insurer"}
    assert held.entity_uuid == job


def test_after_release_the_job_and_its_photos_can_be_deleted(ctx: Context) -> None:
    owner, job, photo_id = _setup(ctx)
    with ctx.uow() as uow:
        holds.place(uow, owner, job, "Dispute")
    with ctx.uow() as uow:
        released = holds.lift(uow, owner, job)
        assert released.legal_hold_at is None
        assert released.legal_hold_reason is None
    with ctx.uow() as uow:
        photos.delete(uow, owner, photos.PhotoRef(id=photo_id))
    with ctx.uow() as uow:
        jobs.delete(uow, owner, job)
    [event] = _events(ctx, "job.released")
    assert event.data["reason"] == "Dispute"
    assert [e.action for e in _events(ctx, "job.deleted")] == ["job.deleted"]


@pytest.mark.parametrize("moved_to", ["other job", None])
def test_a_held_jobs_photo_cannot_leave_it(ctx: Context, moved_to: str | None) -> None:
    owner, job, photo_id = _setup(ctx)
    with ctx.uow() as uow:
        other = str(jobs.create(uow, owner, "Elsewhere").uuid) if moved_to else None
        holds.place(uow, owner, job, "Dispute")
    move = PhotoChanges(given=frozenset({"job"}), job=other)
    with pytest.raises(OnLegalHold, match="Dispute"), ctx.uow() as uow:
        photos.update(uow, owner, photos.PhotoRef(id=photo_id), move)
    with ctx.uow() as uow:
        assert uow.session.get_one(Photo, photo_id).job_id == jobs.get(uow, owner, job).id
    with ctx.uow() as uow:
        photos.update(
            uow,
            owner,
            photos.PhotoRef(id=photo_id),
            PhotoChanges(given=frozenset({"description"}), description="Still allowed"),
        )


def test_the_hold_records_who_and_when(ctx: Context) -> None:
    owner, job, _ = _setup(ctx)
    with ctx.uow() as uow:
        held = holds.place(uow, owner, job, "Dispute")
        assert held.legal_hold_by_id == owner.user_id
        assert held.legal_hold_at is not None


def test_documents_and_case_notes_of_a_held_job_cannot_be_deleted(ctx: Context) -> None:
    owner, job, _ = _setup(ctx)
    with ctx.uow() as uow:
        note = notes.create(uow, owner, job, "Customer says the roof leaked before we came")
        document = documents.upload(uow, owner, job, [_incoming(ctx, images.png(), "plan.png")])
        holds.place(uow, owner, job, "Dispute")
    with ctx.uow() as uow, pytest.raises(OnLegalHold, match="Dispute"):
        notes.delete(uow, owner, str(note.uuid))
    with ctx.uow() as uow, pytest.raises(OnLegalHold, match="Dispute"):
        documents.delete(uow, owner, documents.DocumentRef(uuid=str(document.uuid)))
    with ctx.uow() as uow:
        assert [n.uuid for n in notes.of_job(uow, owner, job, SliceRequest(0, 10, 10))[0]] == [
            note.uuid
        ]
        assert [d.uuid for d in documents.of_job(uow, owner, job)] == [document.uuid]


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (holds.REASON_MAX + 1)])
def test_a_reason_is_required_and_bounded(ctx: Context, reason: str | None) -> None:
    owner, job, _ = _setup(ctx)
    with ctx.uow() as uow, pytest.raises(Invalid) as refused:
        holds.place(uow, owner, job, reason)
    assert "reason" in refused.value.fields
    with ctx.uow() as uow:
        assert jobs.get(uow, owner, job).legal_hold_at is None
    assert _events(ctx, "job.held") == []


def test_holding_twice_or_releasing_a_free_job_is_a_conflict(ctx: Context) -> None:
    owner, job, _ = _setup(ctx)
    with ctx.uow() as uow, pytest.raises(Conflict, match="not on legal hold"):
        holds.lift(uow, owner, job)
    with ctx.uow() as uow:
        holds.place(uow, owner, job, "First")
    with ctx.uow() as uow, pytest.raises(Conflict, match="already on legal hold: First"):
        holds.place(uow, owner, job, "Second")
    assert len(_events(ctx, "job.held")) == 1


@pytest.mark.parametrize("role", ["staff", "contractor", "viewer"])
def test_only_owners_and_managers_hold_or_release(ctx: Context, role: str) -> None:
    owner, job, _ = _setup(ctx)
    someone = _person(ctx, owner, role)
    with ctx.uow() as uow, pytest.raises(MissingPermission):
        holds.place(uow, someone, job, "Dispute")
    with ctx.uow() as uow:
        holds.place(uow, owner, job, "Dispute")
    with ctx.uow() as uow, pytest.raises(MissingPermission):
        holds.lift(uow, someone, job)


def test_a_manager_may_hold_and_release(ctx: Context) -> None:
    owner, job, _ = _setup(ctx)
    manager = _person(ctx, owner, "manager")
    with ctx.uow() as uow:
        holds.place(uow, manager, job, "Dispute")
    with ctx.uow() as uow:
        holds.lift(uow, manager, job)


def test_another_companys_job_is_not_found(ctx: Context) -> None:
    _, job, _ = _setup(ctx)
    stranger, _, _ = _setup(ctx, "Other")
    with ctx.uow() as uow, pytest.raises(NotFound):
        holds.place(uow, stranger, job, "Dispute")


def test_restore_brings_a_deleted_photo_back_and_is_recorded(ctx: Context) -> None:
    owner, job, photo_id = _setup(ctx)
    with ctx.uow() as uow:
        photos.delete(uow, owner, photos.PhotoRef(id=photo_id))
    with ctx.uow() as uow:
        [deleted] = photos.deleted_of_job(uow, owner, job)
        assert deleted.id == photo_id
    with ctx.uow() as uow:
        restored = photos.restore(uow, owner, photos.PhotoRef(id=photo_id))
        assert restored.deleted_at is None
    with ctx.uow() as uow:
        assert photos.deleted_of_job(uow, owner, job) == []
        assert [p.id for p in photos.of_job(uow, owner, job)] == [photo_id]
    [event] = _events(ctx, "photo.restored")
    assert event.job_uuid == job
