"""Case notes as the APIs show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jobshots.db.models import CaseNote, User

# Who wrote a note nobody can name (a user since removed, a contact without a name).
UNKNOWN_AUTHOR = "Unknown"


@dataclass(frozen=True)
class NoteView:
    """A note: its text (opened), its author, its thread, its attachments and its e-mail."""

    id: int
    uuid: UUID
    job_id: int
    job_uuid: UUID
    text: str
    author_id: int | None
    author_name: str
    send_email: bool
    is_pinned: bool
    attachments_count: int
    in_reply_to: UUID | None
    email_state: str | None
    email_error: str | None
    email_attempts: int
    email_sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


def author_name(note: CaseNote, author: User | None) -> str:
    """The author's name: the user's, else the name a contact's e-mail reply gave."""
    if author is not None:
        return author.display_name
    return note.author_name or UNKNOWN_AUTHOR


def note_view(
    note: CaseNote,
    job_uuid: UUID,
    author: User | None,
    parent_uuid: UUID | None,
    attachments: int,
) -> NoteView:
    """The view of a note row (in its session: its text is opened here)."""
    return NoteView(
        id=note.id,
        uuid=note.uuid,
        job_id=note.job_id,
        job_uuid=job_uuid,
        text=note.body,
        author_id=note.author_id,
        author_name=author_name(note, author),
        send_email=note.send_email,
        is_pinned=note.is_pinned,
        attachments_count=attachments,
        in_reply_to=parent_uuid,
        email_state=note.email_state,
        email_error=note.email_error,
        email_attempts=note.email_attempts,
        email_sent_at=note.email_sent_at,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )
