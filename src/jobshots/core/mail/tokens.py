"""The addresses that thread e-mail back to a case note: signed reply addresses, Message-IDs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
import time
import uuid

from jobshots.config import Settings
from jobshots.core.errors import Invalid

# Reply addresses are `notes+<token>@<reply domain>`; the local part must stay within the
# 64 characters RFC 5321 allows, so the token is binary (note UUID, expiry, truncated MAC)
# in lower-case base32, which survives mail systems that change the case of addresses.
LOCAL_PREFIX = "notes+"
_MAC_BYTES = 10
_TOKEN = struct.Struct(">16sI")
_MESSAGE_ID = re.compile(r"<?note\.([0-9a-f]{32})@([^>\s]+)>?", re.IGNORECASE)


class TokenRefused(Invalid):
    """A reply address that is not ours, was tampered with, or has expired."""

    code = "reply_token_refused"


def reply_address(settings: Settings, note_uuid: uuid.UUID, now: float | None = None) -> str:
    """The address a reply to this note is sent to, valid for the configured lifetime."""
    issued = time.time() if now is None else now
    expires = int(issued) + settings.reply_token_ttl_days * 86_400
    body = _TOKEN.pack(note_uuid.bytes, expires)
    token = base64.b32encode(body + _mac(settings, body)).decode().rstrip("=").lower()
    return f"{LOCAL_PREFIX}{token}@{settings.mail_reply_domain}"


def is_reply_address(settings: Settings, address: str) -> bool:
    """Whether `address` has the shape of our reply addresses (its token is not checked)."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return domain.lower() == settings.mail_reply_domain.lower() and local.lower().startswith(
        LOCAL_PREFIX
    )


def note_of_address(settings: Settings, address: str, now: float | None = None) -> uuid.UUID:
    """The note a reply address names; TokenRefused saying why when it names none."""
    if not is_reply_address(settings, address):
        raise TokenRefused("the reply address is not one of ours")
    local = address.strip().strip("<>").rpartition("@")[0]
    token = local[len(LOCAL_PREFIX) :].upper()
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except (binascii.Error, ValueError) as exc:
        raise TokenRefused("the reply address token is malformed") from exc
    body, mac = raw[: _TOKEN.size], raw[_TOKEN.size :]
    if len(body) != _TOKEN.size or not hmac.compare_digest(mac, _mac(settings, body)):
        raise TokenRefused("the reply address token is forged or damaged")
    note_bytes, expires = _TOKEN.unpack(body)
    if expires <= (time.time() if now is None else now):
        raise TokenRefused("the reply address token has expired")
    return uuid.UUID(bytes=note_bytes)


def message_id(settings: Settings, note_uuid: uuid.UUID) -> str:
    """The stable Message-ID of the e-mail that carries a note."""
    return f"<note.{note_uuid.hex}@{settings.mail_reply_domain}>"


def note_of_message_id(settings: Settings, value: str) -> uuid.UUID | None:
    """The note a Message-ID of ours names (from `In-Reply-To` or `References`), if any."""
    found = _MESSAGE_ID.fullmatch(value.strip())
    if found is None or found.group(2).lower() != settings.mail_reply_domain.lower():
        return None
    return uuid.UUID(hex=found.group(1))


def _mac(settings: Settings, body: bytes) -> bytes:
    key = settings.derived_key("case-note-reply-address")
    return hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
