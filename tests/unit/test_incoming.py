"""Spooling uploads: hashed as they stream, cut off at the limit, cleaned up."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from jobshots.media.incoming import HEAD_BYTES, Spool, TooLarge, clean_filename


def _chunks(data: bytes, size: int = 65536) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_spool_keeps_bytes_hash_size_and_head(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    spool = Spool(tmp_path, len(data), "photo.jpg")
    for chunk in _chunks(data):
        spool.write(chunk)
    incoming = spool.finish()
    assert incoming.path.read_bytes() == data
    assert incoming.size == len(data)
    assert incoming.sha256 == hashlib.sha256(data).hexdigest()
    assert incoming.head == data[:HEAD_BYTES]


def test_spool_past_the_limit_raises_and_leaves_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 100_000, "big.jpg")
    spool.write(b"x" * 60_000)
    with pytest.raises(TooLarge):
        spool.write(b"x" * 60_000)
    assert list(tmp_path.iterdir()) == []


def test_abort_removes_the_partial_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path, 10**9, None)
    for chunk in _chunks(os.urandom(2 * 1024 * 1024)):
        spool.write(chunk)
    spool.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\roof.jpg", "roof.jpg"),
        ("bad\r\nname.jpg", "badname.jpg"),
        ("", None),
        (None, None),
        ("a" * 300 + ".jpg", "a" * 255),
    ],
)
def test_clean_filename(given: str | None, kept: str | None) -> None:
    assert clean_filename(given) == kept


def test_spool_takes_views_of_the_chunks_it_is_given(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    spool = Spool(tmp_path, len(data), "photo.jpg")
    view = memoryview(data)
    for start in range(0, len(data), 70_000):
        spool.write(view[start : start + 70_000])
    incoming = spool.finish()
    assert incoming.path.read_bytes() == data
    assert incoming.sha256 == hashlib.sha256(data).hexdigest()
    assert incoming.head == data[:HEAD_BYTES]
