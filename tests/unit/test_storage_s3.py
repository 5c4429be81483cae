import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from jobshots.storage.base import Storage, StorageError
from jobshots.storage.disposition import content_disposition
from jobshots.storage.factory import open_storage
from jobshots.storage.s3 import S3Storage
from tests.support.s3server import free_port
from tests.support.storage import put

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


def _s3(bucket: str, endpoint_url: str, staging_root: Path | None = None) -> S3Storage:
    return S3Storage(
        bucket,
        endpoint_url=endpoint_url,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        staging_root=staging_root,
    )


@pytest.fixture
def bucket() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def storage(s3_endpoint: str, bucket: str, tmp_path: Path) -> S3Storage:
    backend = _s3(bucket, s3_endpoint, tmp_path / "staging")
    backend.ensure_bucket()
    return backend


@pytest.fixture
def client(s3_endpoint: str) -> "S3Client":
    return boto3.session.Session().client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _object_keys(client: "S3Client", bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_s3_storage_satisfies_the_protocol(storage: S3Storage, tmp_path: Path) -> None:
    backend: Storage = storage
    assert backend.staging_dir() == tmp_path / "staging"
    assert backend.staging_dir().is_dir()


def test_default_staging_dir_is_a_private_local_directory() -> None:
    backend = _s3("unused", "http://127.0.0.1:1")
    staging = backend.staging_dir()
    assert staging.is_dir()
    assert staging.stat().st_mode & 0o077 == 0
    assert backend.staging_dir() == staging
    staging.rmdir()


def test_put_round_trip(storage: S3Storage, client: "S3Client", bucket: str) -> None:
    put(storage, "companies/c/photos/p/original.jpg", b"\xff\xd8hello", "image/jpeg")
    head = client.head_object(Bucket=bucket, Key="companies/c/photos/p/original.jpg")
    assert head["ContentType"] == "image/jpeg"
    with storage.open("companies/c/photos/p/original.jpg") as f:
        assert f.read(2) == b"\xff\xd8"
        assert f.read() == b"hello"
    assert storage.read_head("companies/c/photos/p/original.jpg", 2) == b"\xff\xd8"
    assert storage.read_head("companies/c/photos/p/original.jpg", 100) == b"\xff\xd8hello"
    assert storage.size("companies/c/photos/p/original.jpg") == 7


def test_open_streams_a_large_object(storage: S3Storage) -> None:
    data = bytes(range(256)) * 40_000
    put(storage, "big/blob.bin", data, "application/octet-stream")
    chunks = []
    with storage.open("big/blob.bin") as f:
        while chunk := f.read(65_536):
            chunks.append(chunk)
    assert b"".join(chunks) == data
    assert len(chunks) > 1


def test_put_file_uploads_and_leaves_staging_empty(
    storage: S3Storage, client: "S3Client", bucket: str
) -> None:
    staged = storage.staging_dir() / "upload-1"
    staged.write_bytes(b"%PDF-1.7 " + b"x" * 10_000)
    storage.put_file("docs/d/original.pdf", staged, "application/pdf")
    assert list(storage.staging_dir().iterdir()) == []
    assert storage.size("docs/d/original.pdf") == 10_009
    assert storage.read_head("docs/d/original.pdf", 8) == b"%PDF-1.7"
    head = client.head_object(Bucket=bucket, Key="docs/d/original.pdf")
    assert head["ContentType"] == "application/pdf"


def test_read_head_of_empty_object(storage: S3Storage) -> None:
    put(storage, "empty.txt", b"", "text/plain")
    assert storage.size("empty.txt") == 0
    assert storage.read_head("empty.txt", 10) == b""


def test_missing_object(storage: S3Storage) -> None:
    assert storage.size("no/such.jpg") is None
    with pytest.raises(FileNotFoundError):
        storage.open("no/such.jpg")
    with pytest.raises(FileNotFoundError):
        storage.read_head("no/such.jpg", 4)
    with pytest.raises(FileNotFoundError):
        storage.read_head("no/such.jpg", 0)


def test_delete_is_idempotent(storage: S3Storage, client: "S3Client", bucket: str) -> None:
    put(storage, "a/b.jpg", b"data", "image/jpeg")
    storage.delete("a/b.jpg")
    assert _object_keys(client, bucket) == []
    assert storage.size("a/b.jpg") is None
    storage.delete("a/b.jpg")
    storage.delete("never/existed.jpg")


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "", "a//b", ".hidden"])
def test_unsafe_keys_raise_and_store_nothing(
    storage: S3Storage, client: "S3Client", bucket: str, tmp_path: Path, key: str
) -> None:
    staged = tmp_path / "staged"
    staged.write_bytes(b"evil")
    methods: list[Callable[[str], object]] = [
        lambda k: storage.put_file(k, staged, "text/plain"),
        storage.open,
        lambda k: storage.read_head(k, 10),
        storage.size,
        storage.delete,
        lambda k: storage.download_url(k, content_type="text/plain", filename="f", expires_in=60),
    ]
    for method in methods:
        with pytest.raises(ValueError, match="unsafe storage key"):
            method(key)
    assert _object_keys(client, bucket) == []
    assert staged.exists()


def test_presigned_url_serves_bytes_with_requested_headers(storage: S3Storage) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    put(storage, "a/photo.png", data, "application/octet-stream")
    filename = 'Küche "Ölfleck".png'
    url = storage.download_url(
        "a/photo.png", content_type="image/png", filename=filename, expires_in=300
    )
    response = httpx.get(url, trust_env=False)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == content_disposition(filename)


def test_presigned_url_is_path_style_and_expires_as_asked(
    storage: S3Storage, s3_endpoint: str, bucket: str
) -> None:
    # moto does not enforce signatures or expiry, so only the URL itself is checked here.
    url = storage.download_url("a/p.png", content_type="image/png", filename="p", expires_in=123)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == s3_endpoint
    assert parts.path == f"/{bucket}/a/p.png"
    assert query["X-Amz-Expires"] == ["123"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["response-content-disposition"] == ["inline; filename=\"p\"; filename*=UTF-8''p"]


def test_check_passes_for_existing_bucket(storage: S3Storage) -> None:
    storage.check()


def test_check_raises_for_missing_bucket(s3_endpoint: str) -> None:
    backend = _s3("no-such-bucket-here", s3_endpoint)
    with pytest.raises(StorageError):
        backend.check()


def test_check_raises_when_nothing_listens() -> None:
    backend = _s3("b", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageError, match="head bucket"):
        backend.check()


def test_ensure_bucket_is_idempotent(s3_endpoint: str, bucket: str, client: "S3Client") -> None:
    backend = _s3(bucket, s3_endpoint)
    backend.ensure_bucket()
    backend.ensure_bucket()
    assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]


def test_open_storage_s3_url_with_credentials(s3_endpoint: str, bucket: str) -> None:
    url = (
        f"s3://{bucket}?endpoint_url={s3_endpoint}&region=us-east-1"
        "&access_key_id=testing&secret_access_key=a%2Fb+c"
    )
    backend = open_storage(url, base_url="http://x", signing_key=b"k")
    assert isinstance(backend, S3Storage)
    assert backend.bucket == bucket
    backend.ensure_bucket()
    put(backend, "k/v.txt", b"via url", "text/plain")
    assert backend.read_head("k/v.txt", 100) == b"via url"


@pytest.mark.parametrize(
    ("url", "message"),
    [("s3://?region=x", "no bucket"), ("s3://b?regoin=us-east-1", "unknown s3 storage options")],
)
def test_open_storage_rejects_bad_s3_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_storage(url, base_url="http://x", signing_key=b"k")


def test_open_storage_passes_s3_options_through_plain_percent_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    def record(bucket: str, **options: object) -> S3Storage:
        seen.update(options, bucket=bucket)
        return _s3(bucket, "http://127.0.0.1:1")

    monkeypatch.setattr("jobshots.storage.factory.S3Storage", record)
    open_storage(
        "s3://media?endpoint_url=http%3A%2F%2Fminio%3A9000&region=eu-west-1"
        "&access_key_id=AKIA1&secret_access_key=a%2Fb+c",
        base_url="http://x",
        signing_key=b"k",
    )
    assert seen == {
        "bucket": "media",
        "endpoint_url": "http://minio:9000",
        "region": "eu-west-1",
        "access_key_id": "AKIA1",
        "secret_access_key": "a/b+c",
    }


def test_open_storage_without_credentials_leaves_them_to_boto3(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    def record(bucket: str, **options: object) -> S3Storage:
        seen.update(options)
        return _s3(bucket, "http://127.0.0.1:1")

    monkeypatch.setattr("jobshots.storage.factory.S3Storage", record)
    open_storage("s3://media", base_url="http://x", signing_key=b"k")
    assert seen == {
        "endpoint_url": None,
        "region": None,
        "access_key_id": None,
        "secret_access_key": None,
    }
