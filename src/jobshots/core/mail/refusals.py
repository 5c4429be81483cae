"""Why an e-mail that came in is not threaded as a case note: each kind of refusal."""

from __future__ import annotations

from jobshots.core.errors import Invalid


class ReplyRefused(Invalid):
    """An incoming e-mail that is not threaded, and why; nothing of it is stored."""

    code = "reply_refused"


class UnreadableMessage(ReplyRefused):
    """Not an RFC 822 message we can read."""

    code = "unreadable_message"


class AutomaticMessage(ReplyRefused):
    """An auto-reply, bulk mail or a bounce: written by no person."""

    code = "automatic_message"


class UnknownAddressee(ReplyRefused):
    """Addressed to no note of ours: no reply address or Message-ID of ours, a forged or
    expired reply address, or a note that no longer exists."""

    code = "unknown_addressee"


class UnknownSender(ReplyRefused):
    """From someone who is not a party to the note's job."""

    code = "unknown_sender"


class EmptyReply(ReplyRefused):
    """Nothing left once the quoted history and signature are taken away."""

    code = "empty_reply"
