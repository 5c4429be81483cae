"""Build the configured storage backend from a URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from jobshots.storage.base import Storage
from jobshots.storage.local import LocalStorage
from jobshots.storage.s3 import S3Storage

_S3_OPTIONS = frozenset({"endpoint_url", "region", "access_key_id", "secret_access_key"})


def open_storage(storage_url: str, *, base_url: str, signing_key: bytes) -> Storage:
    """`file://./rel/dir` or `file:///abs/dir` for local disk, `s3://bucket?...` for S3."""
    parts = urlsplit(storage_url)
    if parts.scheme == "file":
        host = "" if parts.netloc in ("", "localhost") else parts.netloc
        root = unquote(host + parts.path)
        if not root:
            raise ValueError(f"storage URL has no path: {storage_url!r}")
        return LocalStorage(Path(root), base_url=base_url, signing_key=signing_key)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"storage URL has no bucket: {storage_url!r}")
        options = _query(parts.query)
        unknown = options.keys() - _S3_OPTIONS
        if unknown:
            raise ValueError(f"unknown s3 storage options: {sorted(unknown)}")
        return S3Storage(
            parts.netloc,
            endpoint_url=options.get("endpoint_url"),
            region=options.get("region"),
            access_key_id=options.get("access_key_id"),
            secret_access_key=options.get("secret_access_key"),
        )
    raise ValueError(f"unsupported storage URL scheme: {parts.scheme!r}")


def _query(query: str) -> dict[str, str]:
    # Plain percent-decoding, not form decoding: AWS secrets contain "+", never spaces.
    pairs = (item.partition("=") for item in query.split("&") if item)
    return {unquote(name): unquote(value) for name, _, value in pairs}
