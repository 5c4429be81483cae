"""Storage in any S3-compatible object store, through boto3."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from jobshots.storage import keys
from jobshots.storage.base import (
    STAGING_PREFIX,
    StorageError,
    StoredFile,
    UploadForm,
    url_origin,
)
from jobshots.storage.disposition import content_disposition

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType

_NO_OBJECT = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET = frozenset({"404", "NoSuchBucket", "NotFound"})


class S3Storage:
    """Objects in one bucket; downloads are presigned GET URLs straight from the store."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        staging_root: Path | None = None,
    ) -> None:
        self._bucket = bucket
        self._staging = staging_root
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
        )
        # A session per storage: boto3's shared default session is not thread-safe.
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    @property
    def bucket(self) -> str:
        """The bucket holding every object."""
        return self._bucket

    def file_server(self) -> None:
        """None: S3 serves its presigned URLs and receives its presigned forms itself."""
        return None

    def staging_dir(self) -> Path:
        """A private local directory where uploads are spooled before `put_file`."""
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Upload a staged file to `key`, then remove the local copy."""
        _check_key(key)
        with _store_errors("upload"):
            self._client.upload_file(
                str(path), self._bucket, key, ExtraArgs={"ContentType": content_type}
            )
        path.unlink()

    def open(self, key: str) -> BinaryIO:
        """A buffered stream over the object's body; FileNotFoundError if absent."""
        _check_key(key)
        with _store_errors("get"), _missing_as_not_found(key):
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        return io.BufferedReader(_BodyReader(response["Body"]))

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes, fetched with a Range GET."""
        _check_key(key)
        if length <= 0:
            if self.size(key) is None:
                raise FileNotFoundError(key)
            return b""
        with _store_errors("get"), _missing_as_not_found(key):
            try:
                response = self._client.get_object(
                    Bucket=self._bucket, Key=key, Range=f"bytes=0-{length - 1}"
                )
            except ClientError as exc:
                # An empty object has no byte 0, so any range is unsatisfiable.
                if _error_code(exc) == "InvalidRange":
                    return b""
                raise
            body = response["Body"]
            try:
                return body.read()
            finally:
                body.close()

    def size(self, key: str) -> int | None:
        """The object's size from a HEAD, or None when there is no such object."""
        _check_key(key)
        with _store_errors("head"):
            try:
                response = self._client.head_object(Bucket=self._bucket, Key=key)
            except ClientError as exc:
                if _error_code(exc) in _NO_OBJECT:
                    return None
                raise
        return response["ContentLength"]

    def delete(self, key: str) -> None:
        """Remove the object; S3 deletes are already idempotent."""
        _check_key(key)
        with _store_errors("delete"):
            self._client.delete_object(Bucket=self._bucket, Key=key)

    def list_objects(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every object whose key starts with `prefix`, a page of a thousand at a time."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        )
        with _store_errors("list"):
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredFile(
                        key=item["Key"], size=item["Size"], modified=item["LastModified"]
                    )

    def origin(self) -> str:
        """The store's endpoint: presigned URLs are path-style, so they all point there."""
        return url_origin(self._client.meta.endpoint_url)

    def download_url(self, key: str, *, content_type: str, filename: str, expires_in: int) -> str:
        """A presigned GET that makes the store answer with this type and file name."""
        _check_key(key)
        with _store_errors("presign"):
            return self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": content_disposition(filename),
                },
                ExpiresIn=expires_in,
            )

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> UploadForm:
        """A real S3 presigned POST pinning the key, the content type and the size range."""
        _check_key(key)
        with _store_errors("presign an upload"):
            post = self._client.generate_presigned_post(
                Bucket=self._bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, max_bytes],
                ],
                ExpiresIn=expires_in,
            )
        return UploadForm(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()})

    def check(self) -> None:
        """HEAD the bucket; StorageError when the store is unreachable or refuses."""
        with _store_errors("head bucket"):
            self._client.head_bucket(Bucket=self._bucket)

    def ensure_bucket(self) -> None:
        """Create the bucket unless it already exists."""
        with _store_errors("create bucket"):
            try:
                self._client.head_bucket(Bucket=self._bucket)
                return
            except ClientError as exc:
                if _error_code(exc) not in _NO_BUCKET:
                    raise
            region = self._client.meta.region_name
            try:
                if region and region != "us-east-1":
                    constraint = cast("BucketLocationConstraintType", region)
                    self._client.create_bucket(
                        Bucket=self._bucket,
                        CreateBucketConfiguration={"LocationConstraint": constraint},
                    )
                else:
                    self._client.create_bucket(Bucket=self._bucket)
            except ClientError as exc:
                # Another process may have created it between our HEAD and PUT.
                if _error_code(exc) != "BucketAlreadyOwnedByYou":
                    raise


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a raw stream, so io.BufferedReader can wrap it."""

    def __init__(self, body: StreamingBody) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        with _store_errors("read"):
            data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _check_key(key: str) -> None:
    if not keys.is_safe(key):
        raise ValueError(f"unsafe storage key: {key!r}")


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def _missing_as_not_found(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if _error_code(exc) in _NO_OBJECT:
            raise FileNotFoundError(key) from exc
        raise


@contextmanager
def _store_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
        raise StorageError(f"S3 {action} failed: {exc}") from exc
