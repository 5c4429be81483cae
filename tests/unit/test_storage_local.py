import hashlib
import hmac
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from jobshots.storage.base import Storage, StorageError
from jobshots.storage.factory import open_storage
from jobshots.storage.local import LocalStorage
from tests.support.storage import put

KEY = b"k" * 32
BASE = "https://jobs.example.com"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def storage(root: Path) -> LocalStorage:
    return LocalStorage(root, base_url=BASE, signing_key=KEY)


def _files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if not p.is_dir())


def test_local_storage_satisfies_the_protocol(storage: LocalStorage) -> None:
    backend: Storage = storage
    assert backend.staging_dir() == storage.root / ".staging"


def test_put_round_trip(storage: LocalStorage, root: Path) -> None:
    put(storage, "companies/c/photos/p/original.jpg", b"\xff\xd8hello", "image/jpeg")
    assert (root / "companies/c/photos/p/original.jpg").read_bytes() == b"\xff\xd8hello"
    with storage.open("companies/c/photos/p/original.jpg") as f:
        assert f.read() == b"\xff\xd8hello"
    assert storage.read_head("companies/c/photos/p/original.jpg", 2) == b"\xff\xd8"
    assert storage.read_head("companies/c/photos/p/original.jpg", 100) == b"\xff\xd8hello"
    assert storage.size("companies/c/photos/p/original.jpg") == 7
    assert _files_under(storage.staging_dir()) == []


def test_put_overwrites(storage: LocalStorage) -> None:
    put(storage, "a/b.txt", b"first version", "text/plain")
    put(storage, "a/b.txt", b"second", "text/plain")
    assert storage.read_head("a/b.txt", 100) == b"second"
    assert storage.size("a/b.txt") == 6


def test_put_file_moves_the_staged_file_and_leaves_staging_empty(storage: LocalStorage) -> None:
    staged = storage.staging_dir() / "upload-1"
    staged.write_bytes(b"x" * 10_000)
    storage.put_file("docs/d/original.pdf", staged, "application/pdf")
    assert not staged.exists()
    assert _files_under(storage.staging_dir()) == []
    assert storage.size("docs/d/original.pdf") == 10_000
    assert storage.read_head("docs/d/original.pdf", 3) == b"xxx"


def test_put_file_from_another_directory(storage: LocalStorage, tmp_path: Path) -> None:
    staged = tmp_path / "elsewhere.bin"
    staged.write_bytes(b"payload")
    storage.put_file("x/y.bin", staged, "application/octet-stream")
    assert not staged.exists()
    assert storage.read_head("x/y.bin", 7) == b"payload"


def test_missing_object(storage: LocalStorage) -> None:
    assert storage.size("no/such.jpg") is None
    with pytest.raises(FileNotFoundError):
        storage.open("no/such.jpg")
    with pytest.raises(FileNotFoundError):
        storage.read_head("no/such.jpg", 4)


def test_delete_is_idempotent(storage: LocalStorage, root: Path) -> None:
    put(storage, "a/b.jpg", b"data", "image/jpeg")
    storage.delete("a/b.jpg")
    assert not (root / "a/b.jpg").exists()
    assert storage.size("a/b.jpg") is None
    storage.delete("a/b.jpg")
    storage.delete("never/existed.jpg")


def _every_method(storage: LocalStorage, tmp_path: Path) -> list[Callable[[str], object]]:
    staged = tmp_path / "staged"
    staged.write_bytes(b"evil")
    return [
        storage.path_for,
        lambda k: storage.put_file(k, staged, "text/plain"),
        storage.open,
        lambda k: storage.read_head(k, 10),
        storage.size,
        storage.delete,
        lambda k: storage.download_url(k, content_type="text/plain", filename="f", expires_in=60),
    ]


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "{tmp}/victim",
        "a/../../b",
        "a/../b",
        "",
        "a//b",
        ".staging/put-1",
        "./a",
        "a\\..\\b",
    ],
)
def test_unsafe_keys_raise_and_touch_nothing(
    storage: LocalStorage, root: Path, tmp_path: Path, key: str
) -> None:
    (tmp_path / "victim").write_bytes(b"keep me")
    key = key.format(tmp=tmp_path)
    methods = _every_method(storage, tmp_path)
    before = sorted(tmp_path.rglob("*"))
    for method in methods:
        with pytest.raises(ValueError, match="storage key"):
            method(key)
    assert sorted(tmp_path.rglob("*")) == before
    assert (tmp_path / "staged").read_bytes() == b"evil"
    assert (tmp_path / "victim").read_bytes() == b"keep me"
    assert _files_under(root) == []


def test_absolute_system_path_cannot_be_read(storage: LocalStorage) -> None:
    # Read-only methods only: a broken write or delete here would damage the machine.
    for method in (storage.path_for, storage.open, storage.size):
        with pytest.raises(ValueError, match="unsafe storage key"):
            method("/etc/passwd")
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.read_head("/etc/passwd", 10)


def test_symlinked_directory_out_of_root_is_refused(
    storage: LocalStorage, root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    *methods, _sign = _every_method(storage, tmp_path)
    for method in methods:
        with pytest.raises(ValueError, match="outside the root"):
            method("link/x.jpg")
    # Signing only checks the key's shape; the link is resolved, and refused, when it is used.
    _, q = _signed(storage, key="link/x.jpg")
    assert not storage.verify_download("link/x.jpg", q["ct"], q["fn"], q["exp"], q["sig"])
    assert list(outside.iterdir()) == []


def test_symlinked_file_out_of_root_cannot_be_read_or_deleted(
    storage: LocalStorage, root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    (root / "leak.txt").symlink_to(secret)
    with pytest.raises(ValueError, match="outside the root"):
        storage.open("leak.txt")
    with pytest.raises(ValueError, match="outside the root"):
        storage.delete("leak.txt")
    assert secret.read_text() == "do not serve"


def test_symlink_inside_root_is_allowed(storage: LocalStorage, root: Path) -> None:
    put(storage, "real/a.txt", b"inside", "text/plain")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert storage.read_head("alias/a.txt", 10) == b"inside"


def test_path_for_is_under_root(storage: LocalStorage, root: Path) -> None:
    assert storage.path_for("a/b/c.jpg") == root.resolve() / "a/b/c.jpg"


def test_check_passes_and_leaves_nothing_behind(storage: LocalStorage) -> None:
    storage.check()
    assert _files_under(storage.staging_dir()) == []


def test_check_raises_storage_error_when_staging_is_unusable(
    storage: LocalStorage, root: Path
) -> None:
    storage.staging_dir().rmdir()
    (root / ".staging").write_bytes(b"not a directory")
    with pytest.raises(StorageError):
        storage.check()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, strict_parsing=True).items()}


def _signed(
    storage: LocalStorage, expires_in: int = 300, key: str = "a/b.jpg"
) -> tuple[str, dict[str, str]]:
    url = storage.download_url(
        key, content_type="image/jpeg", filename='Küche "1".jpg', expires_in=expires_in
    )
    return url, _query(url)


def test_download_url_shape(storage: LocalStorage) -> None:
    before = int(time.time())
    url, q = _signed(storage)
    assert url.startswith(f"{BASE}/files/a/b.jpg?")
    assert set(q) == {"ct", "fn", "exp", "sig"}
    assert q["ct"] == "image/jpeg"
    assert q["fn"] == 'Küche "1".jpg'
    assert before + 300 <= int(q["exp"]) <= int(time.time()) + 300
    assert len(q["sig"]) == 64


def test_download_url_verifies(storage: LocalStorage) -> None:
    _, q = _signed(storage)
    assert storage.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], q["sig"])


def test_download_url_expires(storage: LocalStorage) -> None:
    _, q = _signed(storage, expires_in=60)
    exp = int(q["exp"])
    assert storage.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], q["sig"], now=exp - 1)
    assert not storage.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], q["sig"], now=exp)
    assert not storage.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], q["sig"], now=exp + 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("key", "a/c.jpg"),
        ("ct", "text/html"),
        ("fn", "other.jpg"),
        ("exp", "9999999999"),
        ("sig", "0" * 64),
        ("sig", ""),
        ("sig", "é" * 64),
    ],
)
def test_download_url_rejects_any_change(storage: LocalStorage, field: str, value: str) -> None:
    _, q = _signed(storage)
    args = {"key": "a/b.jpg", **q, field: value}
    assert not storage.verify_download(
        args["key"], args["ct"], args["fn"], args["exp"], args["sig"]
    )


def test_flipping_one_signature_character_is_rejected(storage: LocalStorage) -> None:
    _, q = _signed(storage)
    flipped = q["sig"][:-1] + ("0" if q["sig"][-1] != "0" else "1")
    assert not storage.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], flipped)


def test_signature_from_another_key_is_rejected(root: Path) -> None:
    ours = LocalStorage(root, base_url=BASE, signing_key=KEY)
    theirs = LocalStorage(root, base_url=BASE, signing_key=b"x" * 32)
    q = _query(theirs.download_url("a/b.jpg", content_type="t/t", filename="f", expires_in=60))
    assert not ours.verify_download("a/b.jpg", q["ct"], q["fn"], q["exp"], q["sig"])


def test_correctly_signed_unsafe_key_is_rejected(storage: LocalStorage) -> None:
    exp = str(int(time.time()) + 60)
    message = "\n".join(("../etc/passwd", "text/plain", "f", exp)).encode()
    sig = hmac.new(KEY, message, hashlib.sha256).hexdigest()
    assert not storage.verify_download("../etc/passwd", "text/plain", "f", exp, sig)


def test_content_type_with_newline_cannot_be_signed(storage: LocalStorage) -> None:
    with pytest.raises(ValueError, match="content type"):
        storage.download_url("a/b.jpg", content_type="text/plain\nx", filename="f", expires_in=60)


def test_non_numeric_expiry_is_rejected(storage: LocalStorage) -> None:
    _, q = _signed(storage)
    assert not storage.verify_download("a/b.jpg", q["ct"], q["fn"], "\uff11\uff12\uff13", q["sig"])


def test_open_storage_relative_file_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    backend = open_storage("file://./data/media", base_url=BASE, signing_key=KEY)
    assert isinstance(backend, LocalStorage)
    assert backend.root == tmp_path.resolve() / "data/media"
    assert backend.root.is_dir()


def test_open_storage_absolute_file_url(tmp_path: Path) -> None:
    backend = open_storage(f"file://{tmp_path}/abs", base_url=BASE, signing_key=KEY)
    assert isinstance(backend, LocalStorage)
    assert backend.root == tmp_path.resolve() / "abs"


@pytest.mark.parametrize("url", ["ftp://host/x", "file://", "media/dir"])
def test_open_storage_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match="storage URL"):
        open_storage(url, base_url=BASE, signing_key=KEY)


def test_put_file_over_an_existing_object_replaces_it(storage: LocalStorage) -> None:
    put(storage, "a/b.jpg", b"first version", "image/jpeg")
    staged = storage.staging_dir() / "upload-2"
    staged.write_bytes(b"second")
    storage.put_file("a/b.jpg", staged, "image/jpeg")
    assert storage.read_head("a/b.jpg", 100) == b"second"
    assert _files_under(storage.staging_dir()) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new key", "replaced key"])
def test_put_file_fsyncs_the_stored_file_and_its_directory(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    if existing:
        put(storage, "c/d/e.jpg", b"old", "image/jpeg")
    staged = storage.staging_dir() / "upload-3"
    staged.write_bytes(b"x" * 5000)
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    storage.put_file("c/d/e.jpg", staged, "image/jpeg")
    stored = storage.path_for("c/d/e.jpg")
    assert stored.stat().st_ino in synced
    assert stored.parent.stat().st_ino in synced
