"""Routes of the maintenance API: `/api/inbound/email`, replies to case notes posted by an MTA."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from jobshots.core.errors import Forbidden, NotFound, TooLarge
from jobshots.core.mail import inbound
from jobshots.core.mail.reading import MAX_MESSAGE_BYTES
from jobshots.core.mail.refusals import ReplyRefused
from jobshots.dialects.maintenance import errors
from jobshots.dialects.maintenance.wire import inbound as wire
from jobshots.http.caller import RequestUow
from jobshots.http.errors import HttpError

log = logging.getLogger(__name__)
router = APIRouter()
PATH = "/api/inbound/email"
INBOUND_HEADER = "X-Inbound-Secret"
# Refused replies: the request was understood, the message cannot be threaded.
REFUSED = 422

_RAW_MESSAGE = {
    "requestBody": {
        "required": True,
        "content": {
            "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "parameters": [
        {
            "name": INBOUND_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "JOBSHOTS_INBOUND_SECRET, shared with the MTA.",
        }
    ],
}


@router.post(
    PATH,
    summary="Thread an e-mailed reply to a case note",
    response_model=None,
    openapi_extra=_RAW_MESSAGE,
    responses={
        REFUSED: {
            "description": "The message cannot be threaded to a note; the error says why",
            "content": {"application/json": {"schema": errors.BODY}},
        }
    },
)
async def receive_email(request: Request, uow: RequestUow) -> dict[str, Any]:
    """The raw RFC 822 message as the body; 422 with the reason when it is refused.

    For an MTA, not a person: no Bearer token or CSRF, the shared secret instead. Without
    JOBSHOTS_INBOUND_SECRET configured the endpoint does not exist.
    """
    _check_secret(uow.settings.inbound_secret, request.headers.get(INBOUND_HEADER))
    raw = await _message(request)
    try:
        reply = await run_in_threadpool(inbound.receive, uow, raw)
    except ReplyRefused as exc:
        # The MTA that posted it may not keep the answer; the operator finds the reason here.
        log.warning("inbound e-mail refused (%s): %s", exc.code, exc.message)
        raise HttpError(REFUSED, exc.message) from exc
    return wire.threaded(reply)


def _check_secret(expected: str, presented: str | None) -> None:
    if not expected:
        raise NotFound("not found")
    if presented is None or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Forbidden(f"{INBOUND_HEADER} is missing or wrong")


async def _message(request: Request) -> bytes:
    """The body, refused as soon as it is known to be over the limit."""
    too_large = TooLarge.field("message", f"must be at most {MAX_MESSAGE_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_MESSAGE_BYTES:
        raise too_large
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_MESSAGE_BYTES:
            raise too_large
    return bytes(received)
