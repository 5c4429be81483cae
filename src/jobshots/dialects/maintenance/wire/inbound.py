"""The maintenance API's answer to an e-mailed reply threaded as a case note."""

from __future__ import annotations

from typing import Any

from jobshots.core.mail.inbound import ThreadedReply
from jobshots.dialects.maintenance.wire import ok
from jobshots.dialects.maintenance.wire.notes import note


def threaded(reply: ThreadedReply) -> dict[str, Any]:
    """The note the reply became (or became before, when the same message came again)."""
    message = "Reply already threaded" if reply.already_threaded else "Reply threaded"
    return ok(message, note(reply.note), already_threaded=reply.already_threaded)
