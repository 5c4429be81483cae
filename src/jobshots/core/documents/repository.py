"""Queries for job documents, always within the jobs a caller reaches."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from jobshots.core.documents.views import DocumentView
from jobshots.core.jobs.repository import Reach
from jobshots.core.users.views import person
from jobshots.db.models import Document, DocumentCategory, Job, User


def by_id(document_id: int) -> ColumnElement[bool]:
    """Match on the integer id."""
    return Document.id == document_id


def by_uuid(document_uuid: uuid.UUID) -> ColumnElement[bool]:
    """Match on the UUID."""
    return Document.uuid == document_uuid


def in_job(job_id: int) -> ColumnElement[bool]:
    """Match the documents of one job."""
    return Document.job_id == job_id


def of_note(note_id: int) -> ColumnElement[bool]:
    """Match the documents sent with one case note."""
    return Document.case_note_id == note_id


def release_from_note(session: Session, note_id: int) -> int:
    """Detach a note's documents from it (they stay documents of the job); how many."""
    result = session.execute(
        update(Document).where(Document.case_note_id == note_id).values(case_note_id=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def find(session: Session, reach: Reach, match: ColumnElement[bool]) -> Document | None:
    """The document `match` names, if it belongs to a live job within reach."""
    query = (
        select(Document)
        .join(Job, Job.id == Document.job_id)
        .where(*reach.live_jobs(), Document.company_id == reach.company_id, match)
    )
    return session.scalars(query).one_or_none()


def category(session: Session, company_id: int, category_id: int) -> DocumentCategory | None:
    """One of the company's document types."""
    query = select(DocumentCategory).where(
        DocumentCategory.company_id == company_id, DocumentCategory.id == category_id
    )
    return session.scalars(query).one_or_none()


def views(session: Session, *where: ColumnElement[bool]) -> list[DocumentView]:
    """The documents matching `where`, oldest first, with their job, type and uploader."""
    query = (
        select(Document, Job.uuid, DocumentCategory.name, User)
        .join(Job, Job.id == Document.job_id)
        .outerjoin(DocumentCategory, DocumentCategory.id == Document.category_id)
        .outerjoin(User, User.id == Document.uploaded_by_id)
        .where(*where)
        .order_by(Document.created_at, Document.id)
    )
    return [_view(*row) for row in session.execute(query).tuples()]


def _view(
    document: Document, job_uuid: uuid.UUID, type_name: str | None, uploader: User | None
) -> DocumentView:
    return DocumentView(
        id=document.id,
        uuid=document.uuid,
        job_id=document.job_id,
        job_uuid=job_uuid,
        document_type_id=document.category_id,
        document_type_name=type_name,
        file_name=document.file_name,
        file_size=document.file_size,
        mime_type=document.mime_type,
        checksum_sha256=document.checksum_sha256,
        uploaded_by_id=document.uploaded_by_id,
        uploaded_by=person(uploader),
        created_at=document.created_at,
    )
