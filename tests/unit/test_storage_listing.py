"""Listing a store's objects (what the orphan sweep reads), on local disk and on S3, and keys
parsed back to the row that owns them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobshots.storage import keys
from jobshots.storage.base import Storage
from jobshots.storage.local import LocalStorage
from jobshots.storage.s3 import S3Storage
from tests.support.storage import put


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "media", base_url="http://t", signing_key=b"k" * 32)
    backend = S3Storage(
        f"list-{uuid.uuid4().hex[:12]}",
        endpoint_url=request.getfixturevalue("s3_endpoint"),
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        staging_root=tmp_path / "staging",
    )
    backend.ensure_bucket()
    return backend


def test_every_object_is_listed_with_its_size_and_time_and_staging_is_not(
    storage: Storage,
) -> None:
    company = uuid.uuid4()
    photo = keys.photo_original(company, uuid.uuid4(), "jpg")
    thumbnail = keys.rendition(company, uuid.uuid4(), "thumbnail", "jpg")
    other = keys.document(uuid.uuid4(), uuid.uuid4(), "pdf")
    for key, size in ((photo, 10), (thumbnail, 20), (other, 30)):
        put(storage, key, b"x" * size, "application/octet-stream")
    (storage.staging_dir() / "upload-in-progress").write_bytes(b"partial")

    listed = list(storage.list_objects())

    assert {(f.key, f.size) for f in listed} == {(photo, 10), (thumbnail, 20), (other, 30)}
    now = datetime.now(UTC)
    assert all(
        now - timedelta(minutes=1) <= f.modified <= now + timedelta(seconds=1) for f in listed
    )
    mine = {f.key for f in storage.list_objects(f"companies/{company}/")}
    assert mine == {photo, thumbnail}
    assert [f.key for f in storage.list_objects(f"companies/{company}/photos/{uuid.uuid4()}")] == []


def test_each_key_builder_is_parsed_back_and_nothing_else_is() -> None:
    company, entity = uuid.uuid4(), uuid.uuid4()
    built = {
        keys.photo_original(company, entity, "heic"): ("photo", "original.heic"),
        keys.rendition(company, entity, "video_720p", "mp4"): ("photo", "video_720p.mp4"),
        keys.document(company, entity, "pdf"): ("document", "original.pdf"),
        keys.upload_part(company, entity, 4096): ("upload", "part-000000004096"),
        keys.export(company, entity, "pdf"): ("export", "report.pdf"),
    }
    for key, (kind, name) in built.items():
        assert keys.parse(key) == keys.StoredKey(company, kind, entity, name)
    for foreign in (
        "readme.txt",
        f"companies/{company}/photos/{entity}",
        f"companies/{company}/invoices/{entity}/original.pdf",
        f"companies/{company}/photos/{entity}/original.jpg/extra",
        f"companies/not-a-uuid/photos/{entity}/original.jpg",
        f"backups/companies/{company}/photos/{entity}/original.jpg",
    ):
        assert keys.parse(foreign) is None, foreign
