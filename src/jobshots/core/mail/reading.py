"""Reading an incoming RFC 822 message: who sent it, to which addresses, in reply to what."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import errors as email_errors
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

from jobshots.core.errors import TooLarge
from jobshots.core.mail import trimming
from jobshots.core.mail.refusals import AutomaticMessage, UnreadableMessage

# Far above any reply a person types; attachments of replies are not kept.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
# Where the reply address may show: the headers a reply is sent to, then those the
# delivering MTA adds with the envelope recipient.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_MESSAGE_ID_MAX = 255
_BULK = frozenset({"bulk", "junk", "list"})
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond")
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})
# What can go wrong reading a mangled header or part with the stdlib parser.
_BROKEN = (ValueError, TypeError, LookupError, AttributeError, email_errors.MessageError)


@dataclass(frozen=True)
class IncomingMail:
    """The parts of a message that thread it: sender, addresses, references, its text."""

    message_id: str
    sender_address: str
    sender_name: str
    recipients: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str


def read(raw: bytes) -> IncomingMail:
    """The message read, or why it is refused: unreadable, too large, or written by no person."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise TooLarge.field("message", f"must be at most {MAX_MESSAGE_BYTES} bytes")
    if not raw.strip():
        raise UnreadableMessage("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise UnreadableMessage("the message has no headers")
        automatic = automatic_reason(message)
        if automatic is not None:
            raise AutomaticMessage(f"not written by a person: {automatic}")
        name, address = _sender(message)
        return IncomingMail(
            message_id=_own_message_id(message, raw),
            sender_address=address,
            sender_name=name,
            recipients=tuple(_addresses(message, RECIPIENT_HEADERS)),
            in_reply_to=tuple(_message_ids(message, "In-Reply-To")),
            references=tuple(_message_ids(message, "References")),
            text=_reply_text(message),
        )
    except _BROKEN as exc:
        raise UnreadableMessage(f"the message cannot be read: {exc}") from exc


def automatic_reason(message: Message) -> str | None:
    """Why a message was written by a machine (auto-reply, bulk mail, bounce), or None."""
    submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"an automatic message (Auto-Submitted: {submitted})"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in _BULK:
        return f"bulk mail (Precedence: {precedence})"
    for name in _AUTOREPLY_HEADERS:
        if name in message:
            return f"an auto-reply ({name})"
    if message.get_content_type() == "multipart/report":
        kind = message.get_param("report-type", "report")
        return f"a delivery report or bounce (multipart/report; {kind})"
    if _header(message, "Return-Path").strip() == "<>":
        return "a bounce (empty Return-Path)"
    senders = [address for _, address in getaddresses(_values(message, "From"))]
    if any(address.partition("@")[0].lower() in _DAEMONS for address in senders):
        return "a bounce (from a mail server)"
    return None


def _sender(message: Message) -> tuple[str, str]:
    found = [(n, a) for n, a in getaddresses(_values(message, "From")) if "@" in a]
    if not found:
        raise UnreadableMessage("the message has no From address")
    if len(found) > 1:
        raise UnreadableMessage("the message names more than one sender in From")
    name, address = found[0]
    return name.strip(), address.strip().lower()


def _addresses(message: Message, headers: tuple[str, ...]) -> list[str]:
    values = [value for name in headers for value in _values(message, name)]
    return [address.strip() for _, address in getaddresses(values) if "@" in address]


def _message_ids(message: Message, name: str) -> list[str]:
    return [found for value in _values(message, name) for found in _MESSAGE_ID.findall(value)]


def _own_message_id(message: Message, raw: bytes) -> str:
    """The message's Message-ID; one made from its bytes when it has none (or an overlong
    one), so the same message delivered twice is still recognised."""
    found = _message_ids(message, "Message-ID")
    if found and len(found[0]) <= _MESSAGE_ID_MAX:
        return found[0]
    return f"<{hashlib.sha256(raw).hexdigest()}@inbound.jobshots.invalid>"


def _reply_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)
    if part.get_content_subtype() == "html":
        content = trimming.text_of_html(content)
    return trimming.trimmed(content)


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError):
        # An unknown or wrong charset: keep what decodes.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _values(message: Message, name: str) -> list[str]:
    return [str(value) for value in message.get_all(name) or []]


def _header(message: Message, name: str) -> str:
    return next(iter(_values(message, name)), "")
