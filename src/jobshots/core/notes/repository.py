"""Queries for case notes, always within the jobs a caller reaches."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, aliased

from jobshots.core.jobs.repository import Reach
from jobshots.core.notes.views import NoteView, note_view
from jobshots.db.models import CaseNote, Document, Job, User


def find(session: Session, reach: Reach, match: ColumnElement[bool]) -> CaseNote | None:
    """The note `match` names, if it is on a live job within reach."""
    query = (
        select(CaseNote)
        .join(Job, Job.id == CaseNote.job_id)
        .where(*reach.live_jobs(), CaseNote.company_id == reach.company_id)
        .where(match)
    )
    return session.scalars(query).one_or_none()


def by_uuid(note_uuid: uuid.UUID) -> ColumnElement[bool]:
    """Match on the UUID."""
    return CaseNote.uuid == note_uuid


def in_job(job_id: int) -> ColumnElement[bool]:
    """Match the notes of one job."""
    return CaseNote.job_id == job_id


def by_id(note_id: int) -> ColumnElement[bool]:
    """Match one note."""
    return CaseNote.id == note_id


def views(
    session: Session, *where: ColumnElement[bool], offset: int = 0, limit: int | None = None
) -> list[NoteView]:
    """The notes matching `where`, pinned first, then newest first, with their job's UUID,
    author, the note each answers and how many files each carries."""
    parent = aliased(CaseNote)
    files = (
        select(func.count(Document.id))
        .where(Document.case_note_id == CaseNote.id)
        .correlate(CaseNote)
        .scalar_subquery()
    )
    query = (
        select(CaseNote, Job.uuid, User, parent.uuid, files)
        .join(Job, Job.id == CaseNote.job_id)
        .outerjoin(User, User.id == CaseNote.author_id)
        .outerjoin(parent, parent.id == CaseNote.parent_id)
        .where(*where)
        .order_by(CaseNote.is_pinned.desc(), CaseNote.created_at.desc(), CaseNote.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [note_view(*row) for row in session.execute(query).all()]


def count(session: Session, *where: ColumnElement[bool]) -> int:
    """How many notes match `where`."""
    return session.scalar(select(func.count(CaseNote.id)).where(*where)) or 0


def unthread_replies(session: Session, note_id: int) -> int:
    """Make the replies to a note stand alone; how many there were."""
    result = session.execute(
        update(CaseNote).where(CaseNote.parent_id == note_id).values(parent_id=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
