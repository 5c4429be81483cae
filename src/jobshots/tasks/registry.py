"""The core's tasks as the runners know them: each name's code, and the work left to find."""

from __future__ import annotations

from collections.abc import Callable

from jobshots.core.context import Context
from jobshots.core.photos import processing
from jobshots.core.tasks import Payload, Task
from jobshots.media.pipeline import DecodeJob, DecodeResult

Handler = Callable[[Payload], str]
Decoder = Callable[[DecodeJob], DecodeResult]
TASK_NAMES = (processing.PROCESS_PHOTO,)


def handlers(ctx: Context, decoder: Decoder) -> dict[str, Handler]:
    """The code that runs each named task, decoding media with `decoder`."""
    return {
        processing.PROCESS_PHOTO: lambda payload: processing.process_photo(
            ctx, int(payload["photo_id"]), decoder
        ),
    }


def waiting(ctx: Context, *, everything: bool) -> list[Task]:
    """Work the database says is unfinished: after the grace period, or all of it."""
    cutoff = None if everything else processing.grace_cutoff(ctx)
    found = processing.awaiting_processing(ctx, cutoff)
    return [processing.task_for(photo_id) for photo_id in found]
