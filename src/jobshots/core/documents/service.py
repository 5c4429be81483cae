"""Job documents, for every API: uploading, listing, downloading and deleting them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import ColumnElement

from jobshots.core import audit, intake, permissions
from jobshots.core.companies import policy
from jobshots.core.documents import repository
from jobshots.core.documents.views import DocumentFile, DocumentView
from jobshots.core.errors import Invalid, NotFound
from jobshots.core.evidence import held
from jobshots.core.ids import parse_uuid, storable
from jobshots.core.jobs import service as jobs
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.db.models import CaseNote, Company, Document, Job
from jobshots.media.incoming import IncomingFile
from jobshots.media.sniff import Sniffed
from jobshots.storage import keys
from jobshots.storage.base import Storage


@dataclass(frozen=True)
class DocumentRef:
    """How a caller names a document: its integer id or its UUID."""

    id: int | None = None
    uuid: str | None = None

    def match(self) -> ColumnElement[bool]:
        """The condition that finds the document; NotFound for an id that names none."""
        if self.id is not None:
            if not storable(self.id):
                raise NotFound("document not found")
            return repository.by_id(self.id)
        if self.uuid is not None:
            return repository.by_uuid(parse_uuid(self.uuid, "document"))
        raise ValueError("a DocumentRef names no document")


def upload_limit(uow: UnitOfWork, principal: Principal) -> int:
    """Check the caller may manage documents; the byte limit to stream a file to."""
    return policy.upload_limit(uow, _company(uow, principal, permissions.DOCUMENTS))


def upload(
    uow: UnitOfWork,
    principal: Principal,
    job_ref: jobs.JobRef,
    incoming: list[IncomingFile],
    document_type_id: int | None = None,
) -> DocumentView:
    """Store one file as a document of the job, its type by its bytes."""
    company = _company(uow, principal, permissions.DOCUMENTS)
    job = jobs.get(uow, principal, job_ref)
    if document_type_id is not None and not _is_document_type(uow, company, document_type_id):
        raise Invalid.field("document_type_id", "is not one of the company's document types")
    if not incoming:
        raise Invalid.field("file", "is required")
    if len(incoming) > 1:
        raise Invalid.field("file", "must be one file: each document is one file")
    [item] = incoming
    [kind] = intake.accept(uow, company, incoming, intake.DOCUMENTS)
    document = _store(uow, principal, company, job, item, kind, category_id=document_type_id)
    return _view(uow, document)


def attach_to_note(
    uow: UnitOfWork, principal: Principal, note: CaseNote, incoming: list[IncomingFile]
) -> int:
    """Store the files sent with a case note as documents of its job, by the rules every
    document follows (the documents add-on, size, type by its bytes, quota); how many."""
    if not incoming:
        return 0
    company = uow.session.get_one(Company, principal.company_id)
    policy.require_addon(company, "documents")
    job = uow.session.get_one(Job, note.job_id)
    kinds = intake.accept(uow, company, incoming, intake.DOCUMENTS)
    for item, kind in zip(incoming, kinds, strict=True):
        _store(uow, principal, company, job, item, kind, case_note=note)
    return len(incoming)


def of_note(uow: UnitOfWork, note: CaseNote) -> list[DocumentView]:
    """The documents sent with a note the caller has been shown to reach, oldest first."""
    return repository.views(uow.session, repository.of_note(note.id))


def release_from_note(uow: UnitOfWork, note: CaseNote) -> int:
    """Keep a note's documents as documents of its job alone, before the note goes; how many."""
    return repository.release_from_note(uow.session, note.id)


def of_job(uow: UnitOfWork, principal: Principal, job_ref: jobs.JobRef) -> list[DocumentView]:
    """A job's documents, oldest first; NotFound when the job is not the caller's."""
    _company(uow, principal, permissions.ATTACHMENTS)
    job = jobs.get(uow, principal, job_ref)
    return repository.views(uow.session, repository.in_job(job.id))


def download(
    uow: UnitOfWork, principal: Principal, ref: DocumentRef, job_ref: jobs.JobRef | None = None
) -> DocumentFile:
    """A document's file as it was uploaded, to stream to the caller; with `job_ref`, only a
    document of that job (another job's is not found)."""
    document = _find(uow, principal, ref, permissions.ATTACHMENTS)
    if job_ref is not None and jobs.get(uow, principal, job_ref).id != document.job_id:
        raise NotFound("document not found")
    return DocumentFile(
        open=_opener(uow.storage, document.storage_key),
        size=document.file_size,
        mime_type=document.mime_type,
        file_name=document.file_name,
    )


def delete(uow: UnitOfWork, principal: Principal, ref: DocumentRef) -> None:
    """Delete a document for good; its file is removed once the deletion has committed."""
    document = _find(uow, principal, ref, permissions.DOCUMENTS)
    held.refuse_deletion(uow.session.get(Job, document.job_id))
    data = {"file_name": document.file_name, "checksum_sha256": document.checksum_sha256}
    audit.record(
        uow, principal, "document.deleted", "document", document.uuid,
        job_id=document.job_id, data=data,
    )  # fmt: skip
    key, storage = document.storage_key, uow.storage
    uow.session.delete(document)
    uow.session.flush()
    uow.after_commit(lambda: storage.delete(key))


def _store(
    uow: UnitOfWork,
    principal: Principal,
    company: Company,
    job: Job,
    item: IncomingFile,
    kind: Sniffed,
    *,
    category_id: int | None = None,
    case_note: CaseNote | None = None,
) -> Document:
    document_uuid = uuid.uuid4()
    key = keys.document(company.uuid, document_uuid, kind.extension)
    intake.put(uow, key, item, kind)
    document = Document(
        uuid=document_uuid,
        company_id=company.id,
        job_id=job.id,
        case_note_id=case_note.id if case_note is not None else None,
        category_id=category_id,
        uploaded_by_id=principal.user_id,
        file_name=item.filename or f"document.{kind.extension}",
        file_size=item.size,
        mime_type=kind.mime_type,
        checksum_sha256=item.sha256,
        storage_key=key,
    )
    uow.session.add(document)
    uow.session.flush()
    data = {"file_name": document.file_name, "mime_type": document.mime_type}
    if case_note is not None:
        data["case_note_uuid"] = str(case_note.uuid)
    audit.record(
        uow, principal, "document.uploaded", "document", document.uuid, job_id=job.id, data=data
    )
    return document


def _company(uow: UnitOfWork, principal: Principal, permission: str) -> Company:
    principal.require(permission)
    company = uow.session.get_one(Company, principal.company_id)
    policy.require_addon(company, "documents")
    return company


def _find(uow: UnitOfWork, principal: Principal, ref: DocumentRef, permission: str) -> Document:
    _company(uow, principal, permission)
    document = repository.find(uow.session, jobs.reach_of(principal), ref.match())
    if document is None:
        raise NotFound("document not found")
    return document


def _is_document_type(uow: UnitOfWork, company: Company, document_type_id: int) -> bool:
    return storable(document_type_id) and (
        repository.category(uow.session, company.id, document_type_id) is not None
    )


def _view(uow: UnitOfWork, document: Document) -> DocumentView:
    [view] = repository.views(uow.session, repository.by_id(document.id))
    return view


def _opener(storage: Storage, key: str) -> Callable[[], BinaryIO]:
    def open_file() -> BinaryIO:
        try:
            return storage.open(key)
        except FileNotFoundError:
            raise NotFound("the document's file is not in storage") from None

    return open_file
