"""Backups and restores in-process: what a backup records, and what a restore refuses."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from jobshots.backups import backup, restore
from jobshots.backups.errors import BackupFailed, RestoreRefused
from jobshots.backups.manifest import BackupUnreadable
from jobshots.config import Settings
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.photos import service as photos
from jobshots.core.users import service as users
from jobshots.db.models import Photo
from jobshots.media.incoming import IncomingFile, Spool
from tests.support import images
from tests.support.databases import fresh_database, postgres_admin_url


def _incoming(ctx: Context, data: bytes) -> IncomingFile:
    spool = Spool(ctx.storage.staging_dir(), len(data), "site.jpg")
    spool.write(data)
    return spool.finish()


def _photo_keys(ctx: Context, count: int) -> list[str]:
    """`count` photos uploaded to a new company's job; their originals' keys."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Backup Plumbing", "owner@backup.example")
        owner = users.acting_as(made.owner)
        job = str(jobs.create(uow, owner, "Leak").uuid)
    colours = ["red", "green", "blue", "white"][:count]
    with ctx.uow() as uow:
        shown = photos.upload_to_job(
            uow,
            owner,
            job,
            [_incoming(ctx, images.jpeg(colour=colour)) for colour in colours],
            photos.PhotoDetails(),
        )
        return [uow.session.get_one(Photo, item.id).storage_key for item in shown]


def _target(ctx: Context, database_url: str, media: Path, **changes: str) -> Settings:
    return ctx.settings.model_copy(
        update={"database_url": database_url, "storage_url": f"file://{media}", **changes}
    )


def _backend(ctx: Context) -> str:
    return "postgresql" if ctx.settings.uses_postgresql else "sqlite"


def test_a_row_whose_file_is_gone_is_listed_as_missing(ctx: Context, tmp_path: Path) -> None:
    kept, lost = _photo_keys(ctx, 2)
    ctx.storage.delete(lost)
    made = backup.take(ctx.settings, tmp_path / "backup")
    assert made.missing == [lost]
    assert [item.key for item in made.media] == [kept]
    written = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert written["missing"] == [lost]
    assert written["counts"]["photos"] == 2


def _sqlite(tmp_path: Path) -> Settings:
    return Settings(
        dev=True,
        database_url=f"sqlite:///{tmp_path / 'jobshots.db'}",
        storage_url=f"file://{tmp_path / 'media'}",
    )


def test_a_backup_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(BackupFailed, match="is not empty"):
        backup.take(_sqlite(tmp_path), tmp_path / "old")
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["notes.txt"]


def test_a_restore_without_a_manifest_says_the_backup_did_not_finish(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "database.sqlite3").write_bytes(b"")
    with pytest.raises(BackupUnreadable, match="did not finish"):
        restore.run(_sqlite(tmp_path), tmp_path / "half")
    assert not (tmp_path / "jobshots.db").exists()


def test_a_backup_restores_into_a_migrated_empty_database_under_its_encryption_key(
    ctx: Context, tmp_path: Path
) -> None:
    keys = _photo_keys(ctx, 3)
    made = backup.take(ctx.settings, tmp_path / "backup")
    other_key = base64.b64encode(b"o" * 32).decode()
    with fresh_database(_backend(ctx), tmp_path / "target") as target_url:
        target = _target(ctx, target_url, tmp_path / "target-media", encryption_key=other_key)
        with pytest.raises(RestoreRefused, match=made.encryption_key_id):
            restore.run(target, tmp_path / "backup")
        assert not any((tmp_path / "target-media").rglob("*.jpg"))
        # The backup's key kept among the previous ones (after a rotation) opens its values.
        rotated = target.model_copy(
            update={"previous_encryption_keys": ctx.settings.encryption_key}
        )
        done = restore.run(rotated, tmp_path / "backup")
        # Run again over it, as after a restore that stopped half-way: --force replaces it all.
        with pytest.raises(RestoreRefused, match="already holds companies"):
            restore.run(rotated, tmp_path / "backup")
        assert restore.run(rotated, tmp_path / "backup", force=True).counts == made.counts
    assert done.counts == made.counts
    assert done.counts["photos"] == 3
    for key in keys:
        with ctx.storage.open(key) as original:
            assert (tmp_path / "target-media" / key).read_bytes() == original.read()


def test_a_restore_into_the_other_kind_of_database_is_refused(ctx: Context, tmp_path: Path) -> None:
    backup.take(ctx.settings, tmp_path / "backup")
    other = (
        f"sqlite:///{tmp_path / 'other.db'}"
        if ctx.settings.uses_postgresql
        else "postgresql://nobody@127.0.0.1:1/none"
    )
    with pytest.raises(RestoreRefused, match="JOBSHOTS_DATABASE_URL points at"):
        restore.run(_target(ctx, other, tmp_path / "target-media"), tmp_path / "backup")
    assert not (tmp_path / "other.db").exists()


def test_a_postgresql_backup_without_pg_dump_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        dev=True, database_url=postgres_admin_url(), storage_url=f"file://{tmp_path / 'media'}"
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupFailed, match=r"pg_dump was not found.*postgresql-client"):
        backup.take(settings, tmp_path / "backup")
    assert not any((tmp_path / "backup").iterdir())
