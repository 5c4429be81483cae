"""The shape of an API key: `jsk_<prefix>_<secret>`; only a hash of it is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_FORMAT = re.compile(r"^jsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    """A freshly minted key: the full secret (show once) and what to store."""

    secret: str
    prefix: str
    key_hash: str


def mint() -> NewKey:
    """A new random key."""
    prefix = secrets.token_hex(6)
    secret = f"jsk_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(secret=secret, prefix=prefix, key_hash=hash_key(secret))


def prefix_of(secret: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    match = _FORMAT.match(secret)
    return match.group(1) if match else None


def hash_key(secret: str) -> str:
    """SHA-256 is right here: keys carry 256 bits of entropy, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


# Compared against when no key was found, so a miss costs what a wrong secret does.
DECOY_HASH = hash_key("jsk_000000000000_" + "0" * 43)


def matches(secret: str, key_hash: str) -> bool:
    """Constant-time comparison of a presented key with a stored hash."""
    return hmac.compare_digest(hash_key(secret), key_hash)
