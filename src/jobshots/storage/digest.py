"""A stored file's size and SHA-256, read in chunks so any size fits in memory."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

CHUNK = 1024 * 1024


def measured(stream: BinaryIO) -> tuple[int, str]:
    """The size and SHA-256 of what is left to read in `stream`."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()
