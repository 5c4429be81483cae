"""Passwords: argon2id hashes only, never the password itself."""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jobshots.core.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 1024
# argon2-cffi's defaults are the RFC 9106 low-memory profile of argon2id.
_hasher = PasswordHasher()
# Each hash holds 64 MiB and a core while it runs: a burst of sign-ins takes turns rather
# than multiplying that by every request thread.
_turns = threading.BoundedSemaphore(os.cpu_count() or 1)
# Checked against when there is no account, so that answers take the same time either way.
DECOY_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password; Invalid naming what is wrong with it."""
    if len(password) < MIN_LENGTH:
        raise Invalid.field("password", f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise Invalid.field("password", f"must be at most {MAX_LENGTH} characters")
    with _turns:
        return _hasher.hash(password)


def matches(password_hash: str | None, password: str) -> bool:
    """True when `password` is the one `password_hash` was made from."""
    if not password_hash or len(password) > MAX_LENGTH:
        return False
    try:
        with _turns:
            return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
