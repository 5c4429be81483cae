"""Sending a body that is rendered piece by piece, in chunks worth a write each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK_BYTES = 64 * 1024


def buffered(pieces: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The pieces as UTF-8, gathered into chunks of about `size` bytes."""
    chunk = bytearray()
    for piece in pieces:
        chunk += piece.encode()
        if len(chunk) >= size:
            yield bytes(chunk)
            chunk.clear()
    if chunk:
        yield bytes(chunk)
