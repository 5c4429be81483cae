"""Putting known bytes into a storage backend the way the server does: staged, then moved in."""

from __future__ import annotations

import tempfile
from pathlib import Path

from jobshots.storage.base import Storage


def put(storage: Storage, key: str, data: bytes, content_type: str) -> None:
    """Stage `data` in the backend's staging directory and move it to `key`."""
    with tempfile.NamedTemporaryFile(dir=storage.staging_dir(), delete=False) as staged:
        staged.write(data)
    storage.put_file(key, Path(staged.name), content_type)
