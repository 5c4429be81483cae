"""The maintenance API's JSON shapes for case notes and the files sent with them."""

from __future__ import annotations

from typing import Any

from jobshots.core.documents.views import DocumentView
from jobshots.core.notes.views import NoteView
from jobshots.core.times import iso_seconds
from jobshots.dialects.maintenance.wire import listed, ok
from jobshots.dialects.maintenance.wire.documents import document


def note(item: NoteView) -> dict[str, Any]:
    """One note: the vendor's fields, its thread and where its e-mail stands."""
    return {
        "ID": item.id,
        "uuid": str(item.uuid),
        "job_id": item.job_id,
        "job_uuid": str(item.job_uuid),
        "note_text": item.text,
        "created_by": item.author_id,
        "created_by_name": item.author_name,
        "send_email": item.send_email,
        "is_pinned": item.is_pinned,
        "attachments_count": item.attachments_count,
        "in_reply_to": str(item.in_reply_to) if item.in_reply_to else None,
        "email_state": item.email_state,
        "email_error": item.email_error,
        "email_attempts": item.email_attempts,
        "email_sent_at": iso_seconds(item.email_sent_at),
        "created_at": iso_seconds(item.created_at),
        "updated_at": iso_seconds(item.updated_at),
    }


def notes(items: list[NoteView], total: int) -> dict[str, Any]:
    """A slice of a job's notes and how many it has."""
    return listed("Case notes retrieved", [note(item) for item in items], total)


def created(item: NoteView) -> dict[str, Any]:
    """A note just written: its id at the top level, as the vendor writes it, and the note."""
    return ok("Case note created", note(item), note_id=item.id)


def updated(item: NoteView) -> dict[str, Any]:
    """A note changed."""
    return ok("Case note updated", note(item))


def deleted() -> dict[str, Any]:
    """A note deleted."""
    return ok("Case note deleted")


def attachments(items: list[DocumentView], base_url: str) -> dict[str, Any]:
    """The files sent with a note, as the job's documents they are."""
    return listed(
        "Case note attachments retrieved", [document(item, base_url) for item in items], len(items)
    )
