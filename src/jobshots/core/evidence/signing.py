"""The server's Ed25519 key: it signs history chain heads and export manifests."""

from __future__ import annotations

import base64
from functools import lru_cache

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey


class Signer:
    """Signs with the seed from JOBSHOTS_SIGNING_KEY; anyone with the public key verifies."""

    def __init__(self, seed: bytes) -> None:
        self._key = SigningKey(seed)

    @property
    def public_key(self) -> str:
        """The public key, base64 (what `jobshots keys public` prints)."""
        return base64.b64encode(bytes(self._key.verify_key)).decode()

    def sign(self, message: bytes) -> str:
        """The detached signature of `message`, base64."""
        return base64.b64encode(self._key.sign(message).signature).decode()


@lru_cache(maxsize=4)
def signer(seed: bytes) -> Signer:
    """One signer per seed per process."""
    return Signer(seed)


def is_signed(public_key: str, message: bytes, signature: str) -> bool:
    """Whether `signature` (base64) is `public_key`'s (base64) signature of `message`."""
    try:
        key = VerifyKey(base64.b64decode(public_key, validate=True))
        key.verify(message, base64.b64decode(signature, validate=True))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
