"""Storage in a local directory, with atomic writes and HMAC-signed download URLs."""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote_plus

from jobshots.storage import keys
from jobshots.storage.base import (
    StorageError,
    StoredFile,
    UploadForm,
    UploadRefused,
    url_origin,
)

SIGNATURE_FIELD = "x-jobshots-signature"


class LocalStorage:
    """Objects as files under `root`; readers never see a half-written object."""

    def __init__(self, root: Path, *, base_url: str, signing_key: bytes) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._root = root.resolve()
        self._staging = self._root / ".staging"
        self._base_url = base_url.rstrip("/")
        self._signing_key = signing_key

    def file_server(self) -> LocalStorage:
        """This store: the server itself serves its download URLs and receives its forms."""
        return self

    @property
    def root(self) -> Path:
        """The resolved directory holding every object."""
        return self._root

    def staging_dir(self) -> Path:
        """`root/.staging`, on the same filesystem so `put_file` is a rename."""
        self._staging.mkdir(exist_ok=True)
        return self._staging

    def path_for(self, key: str) -> Path:
        """The file behind `key`; ValueError for a key that is unsafe or leaves the root."""
        return Path(self._real_path(key))

    def _real_path(self, key: str) -> str:
        # os.path, not pathlib: signing a page of 20,000 photos' URLs resolves 60,000 keys.
        if not keys.is_safe(key):
            raise ValueError(f"unsafe storage key: {key!r}")
        root = str(self._root)
        real = os.path.realpath(os.path.join(root, key))
        if not real.startswith(root + os.sep):
            raise ValueError(f"storage key resolves outside the root: {key!r}")
        staging = str(self._staging)
        if real == staging or real.startswith(staging + os.sep):
            raise ValueError(f"storage key resolves into staging: {key!r}")
        return real

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Move a staged file to `key` by a rename, then fsync the file and its directory."""
        dest = self.path_for(key)
        self._make_dirs(dest.parent)
        fd = os.open(path, os.O_RDONLY)
        try:
            if os.path.lexists(dest):
                # Replacing an object: the new bytes reach disk before the old are unlinked.
                os.fsync(fd)
                self._move(path, dest)
            elif self._move(path, dest):
                # A new key is named by no committed row until this returns, so it may appear
                # before it is durable; one fsync then carries the bytes and the rename alike
                # on a journaling filesystem, leaving the directory's fsync next to nothing.
                os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(dest.parent)

    def _move(self, path: Path, dest: Path) -> bool:
        """Rename `path` to `dest`; False when it had to be copied (and the copy fsynced)."""
        try:
            os.replace(path, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Staged on another filesystem: copy next to the root first so the
            # final step is still an atomic rename.
            self._copy_in(path, dest)
            path.unlink()
            return False
        return True

    def open(self, key: str) -> BinaryIO:
        """The object's file, open for reading; FileNotFoundError if absent."""
        return self.path_for(key).open("rb")

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes of the object."""
        with self.open(key) as f:
            return f.read(max(length, 0))

    def size(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""
        try:
            st = self.path_for(key).stat()
        except FileNotFoundError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""
        self.path_for(key).unlink(missing_ok=True)

    def list_objects(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under the root whose key starts with `prefix`, in key order; staging and
        names no key could have (temporary or hidden files) are left out."""
        start = self._root / prefix.rpartition("/")[0]
        for directory, subdirs, files in os.walk(start):
            subdirs.sort()
            if Path(directory) == self._root and ".staging" in subdirs:
                subdirs.remove(".staging")
            for name in sorted(files):
                path = os.path.join(directory, name)
                key = os.path.relpath(path, self._root)
                if not key.startswith(prefix) or not keys.is_safe(key):
                    continue
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    continue  # removed since the directory was read
                if stat.S_ISREG(st.st_mode):
                    modified = datetime.fromtimestamp(st.st_mtime, tz=UTC)
                    yield StoredFile(key=key, size=st.st_size, modified=modified)

    def check(self) -> None:
        """Write, fsync and remove a probe file in staging; StorageError on failure."""
        try:
            self._write_temp(b"probe").unlink()
        except OSError as exc:
            raise StorageError(f"local storage at {self._root} is not writable: {exc}") from exc

    def origin(self) -> str:
        """This server's own: it serves the files itself."""
        return url_origin(self._base_url)

    def download_url(self, key: str, *, content_type: str, filename: str, expires_in: int) -> str:
        """A `/files/{key}` URL signed with HMAC-SHA256 over key, type, name and expiry."""
        # Checked, not resolved: a page signs hundreds of URLs, and `verify_download` resolves
        # the key (links included) when the URL is used.
        if not keys.is_safe(key):
            raise ValueError(f"unsafe storage key: {key!r}")
        if not _is_header_safe(content_type):
            raise ValueError(f"content type has control characters: {content_type!r}")
        exp = str(int(time.time()) + expires_in)
        sig = self._sign(key, content_type, filename, exp)
        query = f"ct={quote_plus(content_type)}&fn={quote_plus(filename)}&exp={exp}&sig={sig}"
        return f"{self._base_url}/files/{key}?{query}"

    def verify_download(
        self, key: str, ct: str, fn: str, exp: str, sig: str, now: float | None = None
    ) -> bool:
        """True when the signature matches, the URL has not expired and the key is safe."""
        try:
            self.path_for(key)
        except ValueError:
            return False
        if not (_is_header_safe(ct) and exp.isascii() and exp.isdigit()):
            return False
        if (time.time() if now is None else now) >= int(exp):
            return False
        expected = self._sign(key, ct, fn, exp).encode()
        return hmac.compare_digest(expected, sig.encode("utf-8", "replace"))

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> UploadForm:
        """The same fields as an S3 presigned POST, signed by this server for `/uploads/direct`."""
        self.path_for(key)
        expires = datetime.fromtimestamp(time.time() + expires_in, tz=UTC)
        policy = {
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
        }
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        fields = {
            "key": key,
            "Content-Type": content_type,
            "policy": encoded,
            SIGNATURE_FIELD: self._sign_policy(encoded),
        }
        return UploadForm(url=f"{self._base_url}/uploads/direct", fields=fields)

    def accept_upload(self, fields: dict[str, str], size: int, now: float | None = None) -> str:
        """The key a posted form may write; UploadRefused when any condition fails."""
        encoded = fields.get("policy", "")
        signature = fields.get(SIGNATURE_FIELD, "")
        if not hmac.compare_digest(self._sign_policy(encoded).encode(), signature.encode()):
            raise UploadRefused("the policy signature does not match")
        policy = json.loads(base64.b64decode(encoded))
        expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if (time.time() if now is None else now) >= expires.timestamp():
            raise UploadRefused("the upload form has expired")
        for condition in policy["conditions"]:
            _check_condition(condition, fields, size)
        key = fields["key"]
        self.path_for(key)
        return key

    def _sign_policy(self, encoded: str) -> str:
        # Domain-separated from download signatures, which share the key.
        message = b"upload-policy\n" + encoded.encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def _sign(self, key: str, ct: str, fn: str, exp: str) -> str:
        # Unambiguous: key and ct carry no newline and exp is digits, so only fn may.
        message = "\n".join((key, ct, fn, exp)).encode("utf-8", "surrogatepass")
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def _write_temp(self, data: bytes) -> Path:
        fd, name = tempfile.mkstemp(dir=self.staging_dir(), prefix="put-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def _copy_in(self, src: Path, dest: Path) -> None:
        fd, name = tempfile.mkstemp(dir=self.staging_dir(), prefix="put-")
        tmp = Path(name)
        try:
            with src.open("rb") as fin, os.fdopen(fd, "wb") as fout:
                shutil.copyfileobj(fin, fout)
                fout.flush()
                os.fsync(fout.fileno())
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _make_dirs(self, directory: Path) -> None:
        missing = [d for d in (directory, *directory.parents) if not d.exists()]
        for d in reversed(missing):
            d.mkdir(exist_ok=True)
            # The new directory's entry must reach disk too, or the file may vanish on crash.
            _fsync_dir(d.parent)


def _check_condition(condition: object, fields: dict[str, str], size: int) -> None:
    if isinstance(condition, dict):
        for name, expected in condition.items():
            if fields.get(name) != expected:
                raise UploadRefused(f"field {name} does not match the policy")
        return
    if isinstance(condition, list) and condition[:1] == ["content-length-range"]:
        low, high = int(condition[1]), int(condition[2])
        if not low <= size <= high:
            raise UploadRefused(f"the file must be {low} to {high} bytes", too_large=size > high)
        return
    raise UploadRefused("the policy has a condition this server does not know")


def _is_header_safe(value: str) -> bool:
    return all(" " <= c <= "~" for c in value)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
