"""Sending through an SMTP server named by a URL: smtp://, smtp+starttls:// or smtps://."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from jobshots.core.mail.mailer import MailNotSent

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpServer:
    """Where to connect, how to secure the connection, and who to log in as."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """The server a URL names; its user and password URL-decoded; ValueError if unusable."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError("an SMTP URL must start with smtp://, smtp+starttls:// or smtps://")
        if not parts.hostname:
            raise ValueError("an SMTP URL must name a host")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


class SmtpMailer:
    """A connection per message: notes are few, and a fresh connection never goes stale."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.server = SmtpServer.from_url(url)
        self._timeout = timeout

    def send(self, message: EmailMessage, sender: str, recipients: Sequence[str]) -> list[str]:
        """Deliver to the envelope `recipients`; the ones refused; MailNotSent naming why."""
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailNotSent(f"{self.server} refused every recipient") from exc
        except smtplib.SMTPResponseException as exc:
            answer = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise MailNotSent(f"{self.server} answered {exc.smtp_code} {answer}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise MailNotSent(f"could not send through {self.server}: {reason}") from exc
        return list(refused)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self._timeout,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if server.username is not None:
                smtp.login(server.username, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
