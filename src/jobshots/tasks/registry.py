"""The core's tasks as the runners know them: each name's code, and the work left to find."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from jobshots.core.context import Context
from jobshots.core.evidence import checks
from jobshots.core.exports import reports
from jobshots.core.mail import delivery, outbound
from jobshots.core.photos import customer_mail, processing
from jobshots.core.tasks import Payload, Task
from jobshots.media.pipeline import DecodeJob, DecodeResult

log = logging.getLogger(__name__)

Handler = Callable[[Payload], str]
Decoder = Callable[[DecodeJob], DecodeResult]
TASK_NAMES = (
    processing.PROCESS_PHOTO,
    outbound.DELIVER_NOTE,
    reports.MAKE_REPORT,
    customer_mail.EMAIL_PHOTOS,
    checks.VERIFY_HISTORY,
)


def handlers(ctx: Context, decoder: Decoder) -> dict[str, Handler]:
    """The code that runs each named task, decoding media with `decoder`."""
    return {
        processing.PROCESS_PHOTO: lambda payload: processing.process_photo(
            ctx, int(payload["photo_id"]), decoder
        ),
        outbound.DELIVER_NOTE: lambda payload: _deliver_note(
            ctx, int(payload["note_id"]), int(payload.get("attempt", 1))
        ),
        reports.MAKE_REPORT: lambda payload: reports.make(ctx, int(payload["export_id"])),
        customer_mail.EMAIL_PHOTOS: lambda payload: customer_mail.deliver(ctx, payload),
        checks.VERIFY_HISTORY: lambda payload: checks.run(
            ctx, int(payload["company_id"])
        ).describe(),
    }


def waiting(ctx: Context, *, everything: bool) -> list[Task]:
    """Work the database says is unfinished: after the grace period, or all of it."""
    photo_cutoff = None if everything else processing.grace_cutoff(ctx)
    photos = processing.awaiting_processing(ctx, photo_cutoff)
    note_cutoff = None if everything else delivery.grace_cutoff(ctx)
    notes = delivery.waiting(ctx, note_cutoff)
    asked = reports.waiting(ctx, None if everything else reports.grace_cutoff(ctx))
    return [
        *(processing.task_for(photo_id) for photo_id in photos),
        *(outbound.task_for(note_id, attempt) for note_id, attempt in notes),
        *(reports.task_for(export_id) for export_id in asked),
        *(checks.task_for(company_id) for company_id in checks.due(ctx)),
    ]


def _deliver_note(ctx: Context, note_id: int, attempt: int) -> str:
    outcome = delivery.deliver(ctx, note_id, attempt)
    if outcome.next_attempt is not None and outcome.retry_in is not None:
        task = outbound.task_for(note_id, outcome.next_attempt)
        # The same attempt, found too early, is this very task: enqueued while it still runs,
        # a runner would take it for a duplicate, so it waits at least a second.
        wait = outcome.retry_in if outcome.next_attempt != attempt else max(outcome.retry_in, 1.0)
        _enqueue_later(ctx, task, wait)
    return str(outcome)


def _enqueue_later(ctx: Context, task: Task, seconds: float) -> None:
    """Enqueue `task` after a wait, holding no worker meanwhile; a wait lost with its process
    is made good by the recovery sweep, since the note is still queued."""

    def enqueue() -> None:
        try:
            ctx.tasks.enqueue(task)
        except Exception:
            log.exception("%s: could not be enqueued again; the recovery sweep will", task.key)

    timer = threading.Timer(seconds, enqueue)
    timer.daemon = True
    timer.start()
