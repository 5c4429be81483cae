"""What the core asks of a mail transport: take one message for its envelope recipients."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from typing import Protocol


class MailNotSent(Exception):
    """The mail server took the message for no one; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    """Sends messages; built by the composition root from `JOBSHOTS_SMTP_URL`."""

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> list[str]:
        """Hand `message` to the mail server for `recipients` (the envelope, not its headers);
        the addresses it refused while taking the others; MailNotSent if it took none."""
        ...
