"""A real SMTP server (aiosmtpd) on a free port for tests: it keeps every message it accepts.

    with smtp_server() as smtp:                  # or smtp_server(login=("user", "secret"))
        env = {"JOBSHOTS_SMTP_URL": smtp.url}
        ...
        [received] = smtp.wait_for(1)            # polls; fails after `timeout` seconds
        received.recipients                      # the envelope's RCPT TO addresses
        received.message["Message-ID"]           # the parsed message (email.message.EmailMessage)
        received.raw                             # its bytes exactly as sent

`closed_smtp_url()` names a port nothing listens on: an SMTP server that is down.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.s3server import free_port

# A test server takes AUTH over plain SMTP on purpose; aiosmtpd warns on every connection.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


@dataclass(frozen=True)
class Received:
    """One message the server accepted: its envelope and its content."""

    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    message: EmailMessage

    def text(self) -> str:
        """The text/plain body."""
        part = self.message.get_body(("plain",))
        assert part is not None, "the message has no text/plain part"
        return str(part.get_content())  # type: ignore[attr-defined]

    def html(self) -> str:
        """The text/html body."""
        part = self.message.get_body(("html",))
        assert part is not None, "the message has no text/html part"
        return str(part.get_content())  # type: ignore[attr-defined]


class _Keeper:
    """aiosmtpd's handler: keeps each message."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(
                Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), raw, message)
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running aiosmtpd server and the messages it has accepted so far."""

    def __init__(self, controller: Controller, keeper: _Keeper, login: tuple[str, str] | None):
        self._controller = controller
        self._keeper = keeper
        self._login = login
        self.host = "127.0.0.1"
        self.port: int = controller.port

    @property
    def url(self) -> str:
        """`JOBSHOTS_SMTP_URL` for this server (with the user and password when it needs them)."""
        credentials = f"{self._login[0]}:{self._login[1]}@" if self._login else ""
        return f"smtp://{credentials}{self.host}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        """Every message accepted so far, oldest first."""
        with self._keeper.lock:
            return list(self._keeper.received)

    def wait_for(self, count: int = 1, timeout: float = 30) -> list[Received]:
        """The first `count` messages, once that many have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages
            if len(found) >= count:
                return found[:count]
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")

    def clear(self) -> None:
        """Forget the messages accepted so far."""
        with self._keeper.lock:
            self._keeper.received.clear()


@contextmanager
def smtp_server(
    login: tuple[str, str] | None = None, port: int | None = None
) -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1 (on `port`, or a free one) until the block ends; with
    `login`, it requires AUTH with that user and password (over plain SMTP, as a test allows)."""
    keeper = _Keeper()
    options: dict[str, Any] = {}
    if login is not None:

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            sent = (data.login.decode(), data.password.decode())
            ok = isinstance(data, LoginPassword) and sent == login
            return AuthResult(success=ok, auth_data=data.login if ok else None)

        options = {
            "authenticator": authenticate,
            "auth_required": True,
            "auth_require_tls": False,
        }
    controller = Controller(keeper, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        yield SmtpServer(controller, keeper, login)
    finally:
        controller.stop()


def closed_smtp_url() -> str:
    """An SMTP URL on a port nothing listens on: the server is down."""
    return f"smtp://127.0.0.1:{free_port()}"
