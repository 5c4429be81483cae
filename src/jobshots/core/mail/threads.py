"""Queries that thread an incoming reply: the note it answers, and a reply already threaded."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobshots.core.jobs.repository import Reach
from jobshots.db.models import CaseNote, Job


def note_by_uuid(session: Session, note_uuid: uuid.UUID) -> CaseNote | None:
    """The case note with that UUID, of any company (a reply address names it, signed)."""
    return session.scalars(select(CaseNote).where(CaseNote.uuid == note_uuid)).one_or_none()


def note_by_message_id(session: Session, message_id: str) -> CaseNote | None:
    """The case note a message with that Message-ID was threaded as, or was sent as."""
    query = select(CaseNote).where(CaseNote.email_message_id == message_id)
    return session.scalars(query).one_or_none()


def live_job(session: Session, note: CaseNote) -> Job | None:
    """The note's job, unless it has been deleted."""
    query = select(Job).where(*Reach(company_id=note.company_id).live_jobs(), Job.id == note.job_id)
    return session.scalars(query).one_or_none()
