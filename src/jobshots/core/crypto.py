"""Field encryption at rest with XSalsa20-Poly1305 (PyNaCl SecretBox)."""

from __future__ import annotations

import nacl.secret
import nacl.utils


class FieldCipher:
    """Encrypts personal fields before they reach the database."""

    def __init__(self, key: bytes) -> None:
        self._box = nacl.secret.SecretBox(key)

    def encrypt(self, text: str | None) -> bytes | None:
        """Ciphertext with its random nonce, or None for None."""
        if text is None:
            return None
        return bytes(self._box.encrypt(text.encode("utf-8")))

    def decrypt(self, blob: bytes | None) -> str | None:
        """The plain text back, or None for None."""
        if blob is None:
            return None
        return self._box.decrypt(blob).decode("utf-8")
