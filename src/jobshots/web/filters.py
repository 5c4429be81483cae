"""How the pages word things: times, case-note text, and what an activity event did."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from jobshots.core.jobs.commits import Commit
from jobshots.core.notes import text as note_texts

# What each recorded action reads as after the person's name.
ACTIONS = {
    "job.created": "opened the job",
    "job.updated": "changed the job",
    "job.pinned": "pinned the job",
    "job.unpinned": "unpinned the job",
    "photo.created": "started a photo upload",
    "photo.uploaded": "uploaded a photo",
    "photo.updated": "changed a photo",
    "photo.deleted": "deleted a photo",
    "photo.restored": "restored a deleted photo",
    "photo.purged": "removed a deleted photo's files after the retention period",
    "photo.processed": "described a photo: its hash, time, place and flags",
    "job.held": "put the job on legal hold",
    "job.released": "released the job's legal hold",
    "photos.emailed": "e-mailed photos to the customer",
    "message.posted": "posted a message",
    "case_note.created": "added a case note",
    "case_note.updated": "changed a case note",
    "case_note.deleted": "deleted a case note",
    "case_note.received": "replied by e-mail",
    "document.deleted": "deleted a document",
    "report.created": "created the report link",
    "report.reissued": "created a new report link",
    "report.revoked": "turned off the report link",
    "report.viewed": "viewed the report",
    "document.uploaded": "added a document",
    "line_item.created": "added a line item",
}


def when(moment: datetime | None) -> str:
    """`4 Dec 2026, 14:05` (UTC), or nothing."""
    return "" if moment is None else moment.strftime("%-d %b %Y, %H:%M")


def note_text(text: str) -> Markup | str:
    """A note's HTML, cleaned again on the way out; plain text is escaped as it is."""
    if note_texts.is_html(text):
        return Markup(note_texts.sanitised(text))  # noqa: S704  (sanitised just now)
    return text


EXPORTS = {"zip": "downloaded the photos as a ZIP", "pdf": "downloaded the PDF report"}


def activity(event: Commit) -> str:
    """What an event of a job's history reads as."""
    if event.action == "job.exported":
        return EXPORTS.get(str(event.data.get("format")), "exported the job")
    return ACTIONS.get(event.action, event.action.replace(".", " ").replace("_", " "))


ALL = {"when": when, "note_text": note_text, "activity": activity}
