"""A real SMTP server (aiosmtpd) on a free port for tests: it keeps every message it accepts.

    with smtp_server() as smtp:                  # or smtp_server(login=("user", "secret"))
        env = {"JOBSHOTS_SMTP_URL": smtp.url}
        ...
        [received] = smtp.wait_for(1)            # polls; fails after `timeout` seconds
        received.recipients                      # the envelope's RCPT TO addresses
        received.message["Message-ID"]           # the parsed message (email.message.EmailMessage)
        received.raw                             # its bytes exactly as sent

`closed_smtp_url()` names a port nothing listens on: an SMTP server that is down.
`smtp_server(tls="starttls")` (or `"implicit"`) secures it with a fresh self-signed certificate
for 127.0.0.1, at `smtp.ca_file`: trust it with `SSL_CERT_FILE`.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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

    def __init__(
        self,
        controller: Controller,
        keeper: _Keeper,
        login: tuple[str, str] | None,
        tls: str | None = None,
        ca_file: Path | None = None,
    ):
        self._controller = controller
        self._keeper = keeper
        self._login = login
        self._scheme = {None: "smtp", "starttls": "smtp+starttls", "implicit": "smtps"}[tls]
        self.ca_file = ca_file
        self.host = "127.0.0.1"
        self.port: int = controller.port

    @property
    def url(self) -> str:
        """`JOBSHOTS_SMTP_URL` for this server (with the user and password when it needs them)."""
        credentials = f"{self._login[0]}:{self._login[1]}@" if self._login else ""
        return f"{self._scheme}://{credentials}{self.host}:{self.port}"

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
    login: tuple[str, str] | None = None, port: int | None = None, tls: str | None = None
) -> Iterator[SmtpServer]:
    """Run an SMTP server on 127.0.0.1 (on `port`, or a free one) until the block ends; with
    `login`, it requires AUTH with that user and password (over plain SMTP, as a test allows);
    with `tls`, it requires STARTTLS ("starttls") or speaks TLS from the start ("implicit")."""
    keeper = _Keeper()
    options: dict[str, Any] = {}
    ca_file = None
    if tls is not None:
        context, ca_file = _self_signed()
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if login is not None:

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            sent = (data.login.decode(), data.password.decode())
            ok = isinstance(data, LoginPassword) and sent == login
            return AuthResult(success=ok, auth_data=data.login if ok else None)

        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    controller = Controller(keeper, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        yield SmtpServer(controller, keeper, login, tls, ca_file)
    finally:
        controller.stop()
        if ca_file is not None:
            shutil.rmtree(ca_file.parent, ignore_errors=True)


def closed_smtp_url() -> str:
    """An SMTP URL on a port nothing listens on: the server is down."""
    return f"smtp://127.0.0.1:{free_port()}"


def _self_signed() -> tuple[ssl.SSLContext, Path]:
    """A server context with a new certificate for 127.0.0.1, and the file that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([address]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="jobshots-smtp-tls-"))
    ca_file, key_file = folder / "certificate.pem", folder / "key.pem"
    ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca_file, key_file)
    return context, ca_file
