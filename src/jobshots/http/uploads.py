"""Receiving an upload: check the caller before reading a byte, then stream the body to staging."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.http.caller import Call
from jobshots.http.multipart import ReceivedForm, read_multipart


async def receive_form(request: Request, call: Call, limit: Callable[[], int]) -> ReceivedForm:
    """Run `limit` (which checks the caller may upload and gives the byte limit), then read.

    What `limit` read is committed before the body streams in, so a slow upload holds no
    database connection (nor SQLite's write lock) while it arrives.
    """
    byte_limit = await run_in_threadpool(_checked_and_committed, call, limit)
    return await read_multipart(request, call.uow.storage.staging_dir(), byte_limit)


def _checked_and_committed(call: Call, limit: Callable[[], int]) -> int:
    # One trip to a worker thread, not two: each costs a wakeup, and more on a busy machine.
    byte_limit = limit()
    call.uow.commit()
    return byte_limit
