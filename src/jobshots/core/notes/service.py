"""Case notes on a job: listing, writing, changing and deleting them, and e-mailing them.

A note's text is sealed at rest, so the audit trail says what happened to a note and never
what it says. Its author, or the office (owner, manager, staff), may change or delete it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from jobshots.core import audit, permissions
from jobshots.core.companies import policy
from jobshots.core.documents import service as documents
from jobshots.core.documents.views import DocumentView
from jobshots.core.errors import Forbidden, Invalid, NotFound
from jobshots.core.evidence import held
from jobshots.core.ids import parse_uuid, storable
from jobshots.core.jobs import service as jobs
from jobshots.core.mail import outbound
from jobshots.core.notes import repository, text
from jobshots.core.notes.views import NoteView
from jobshots.core.pagination import SliceRequest
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import CaseNote, Company, Job
from jobshots.media.incoming import IncomingFile

# Roles that may change or delete anyone's note; everyone else only their own.
OFFICE_ROLES = frozenset({"owner", "manager", "staff"})
# How callers name a note: its UUID, or the integer id its creation answered.
NoteRef = str | uuid.UUID | int


def upload_limit(uow: UnitOfWork, principal: Principal) -> int:
    """Check the caller may write notes; the byte limit to stream an attachment to."""
    principal.require(permissions.CASE_NOTES)
    return policy.upload_limit(uow, uow.session.get_one(Company, principal.company_id))


def of_job(
    uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef, paging: SliceRequest
) -> tuple[list[NoteView], int]:
    """A slice of a job's notes (pinned first, then newest first) and how many it has."""
    principal.require(permissions.CASE_NOTES)
    job = jobs.get(uow, principal, job_ref)
    offset, limit = paging.checked()
    found = repository.views(uow.session, repository.in_job(job.id), offset=offset, limit=limit)
    return found, repository.count(uow.session, repository.in_job(job.id))


def create(
    uow: UnitOfWork,
    principal: Principal,
    job_ref: jobs.JobRef,
    note_text: str | None,
    *,
    send_email: bool = False,
    in_reply_to: str | None = None,
    attachments: Sequence[IncomingFile] = (),
) -> NoteView:
    """Write a note on one of the caller's jobs, its files kept as documents of the job;
    with `send_email`, it is e-mailed to the job's parties once the transaction commits."""
    principal.require(permissions.CASE_NOTES)
    job = jobs.get(uow, principal, job_ref)
    body = text.cleaned(note_text)
    parent = _answered(uow, principal, job, in_reply_to)
    note = CaseNote(
        company_id=job.company_id,
        job_id=job.id,
        author_id=principal.user_id,
        send_email=send_email,
        parent_id=parent.id if parent is not None else None,
    )
    uow.session.add(note)
    note.body = body
    uow.session.flush()
    files = documents.attach_to_note(uow, principal, note, list(attachments))
    if send_email:
        outbound.queue(uow, note)
    data = {
        "format": "html" if text.is_html(body) else "text",
        "send_email": send_email,
        "attachments": files,
        "in_reply_to": str(parent.uuid) if parent is not None else None,
    }
    audit.record(
        uow, principal, "case_note.created", "case_note", note.uuid, job_id=job.id, data=data
    )
    return _view(uow, note)


def change(
    uow: UnitOfWork,
    principal: Principal,
    ref: NoteRef,
    *,
    note_text: str | None = None,
    is_pinned: bool | None = None,
) -> NoteView:
    """Change a note's text and/or pin, only what was sent; a change of nothing is not
    recorded."""
    principal.require(permissions.CASE_NOTES)
    note = _get(uow, principal, ref)
    if note_text is None and is_pinned is None:
        raise Invalid.field(text.FIELD, "or is_pinned is required")
    _require_editor(principal, note)
    changed: list[dict[str, object]] = []
    if note_text is not None:
        body = text.cleaned(note_text)
        if body != note.body:
            note.body = body
            changed.append({"field": text.FIELD, "sealed": True})
    if is_pinned is not None and is_pinned != note.is_pinned:
        changed.append({"field": "is_pinned", "before": note.is_pinned, "after": is_pinned})
        note.is_pinned = is_pinned
    if changed:
        audit.record(
            uow, principal, "case_note.updated", "case_note", note.uuid, job_id=note.job_id,
            data={"changes": changed},
        )  # fmt: skip
    uow.session.flush()
    return _view(uow, note)


def delete(uow: UnitOfWork, principal: Principal, ref: NoteRef) -> None:
    """Delete a note: its files stay as documents of the job, and its replies stay as notes
    that answer nothing."""
    principal.require(permissions.CASE_NOTES)
    note = _get(uow, principal, ref)
    _require_editor(principal, note)
    held.refuse_deletion(uow.session.get(Job, note.job_id))
    kept = documents.release_from_note(uow, note)
    unthreaded = repository.unthread_replies(uow.session, note.id)
    data = {"attachments_kept": kept, "replies_unthreaded": unthreaded}
    audit.record(
        uow, principal, "case_note.deleted", "case_note", note.uuid, job_id=note.job_id, data=data
    )
    uow.session.delete(note)
    uow.session.flush()


def attachments(uow: UnitOfWork, principal: Principal, ref: NoteRef) -> list[DocumentView]:
    """The files sent with one of the caller's notes, oldest first."""
    principal.require(permissions.CASE_NOTES)
    return documents.of_note(uow, _get(uow, principal, ref))


def view(uow: UnitOfWork, note: CaseNote) -> NoteView:
    """The view of a note row."""
    return _view(uow, note)


def _get(uow: UnitOfWork, principal: Principal, ref: NoteRef) -> CaseNote:
    """The caller's note; another company's note is NotFound, exactly like a missing one."""
    if isinstance(ref, int):
        if not storable(ref):
            raise NotFound("case note not found")
        match = repository.by_id(ref)
    else:
        match = repository.by_uuid(parse_uuid(ref, "case note"))
    note = repository.find(uow.session, jobs.reach_of(principal), match)
    if note is None:
        raise NotFound("case note not found")
    return note


def _answered(uow: UnitOfWork, principal: Principal, job: Job, ref: str | None) -> CaseNote | None:
    if ref is None or not ref.strip():
        return None
    try:
        parent = _get(uow, principal, ref.strip())
    except NotFound:
        parent = None
    if parent is None or parent.job_id != job.id:
        raise Invalid.field("in_reply_to", "is not a note of this job")
    return parent


def _require_editor(principal: Principal, note: CaseNote) -> None:
    if principal.role in OFFICE_ROLES or (
        note.author_id is not None and note.author_id == principal.user_id
    ):
        return
    raise Forbidden("only the note's author or the office (owner, manager, staff) may change it")


def _view(uow: UnitOfWork, note: CaseNote) -> NoteView:
    [found] = repository.views(uow.session, repository.by_id(note.id))
    return found
