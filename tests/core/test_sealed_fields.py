"""Encrypted job fields: no plaintext in the database, bound to their row, rotatable."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jobshots.composition import build_context
from jobshots.config import Settings
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users
from jobshots.db.engine import normalise_url
from jobshots.db.models import Job
from jobshots.db.sealed import SealBroken

SECRETS = {
    "access_details": "Key safe 4821 by the side gate",
    "private_contact_name": "Priya Patel",
    "private_contact_email": "priya.patel@example.org",
}


def _jobs_with_secrets(ctx: Context, count: int) -> list[int]:
    with ctx.uow() as uow:
        made = companies.create(uow, "Sealed Ltd", "owner@sealed.example")
        owner = users.acting_as(made.owner)
        rows = [jobs.open_job(uow, owner, f"Job {n}") for n in range(count)]
        for row in rows:
            for name, value in SECRETS.items():
                setattr(row, name, value)
        return [row.id for row in rows]


def _raw(ctx: Context, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(normalise_url(ctx.settings.database_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _read(ctx: Context, job_id: int) -> dict[str, str | None]:
    with ctx.uow() as uow:
        job = uow.session.get_one(Job, job_id)
        return {name: getattr(job, name) for name in SECRETS}


def test_the_database_holds_no_plaintext_and_values_read_back(ctx: Context) -> None:
    [job_id] = _jobs_with_secrets(ctx, 1)
    columns = ", ".join(f"{name}_enc" for name in SECRETS)
    [stored] = _raw(ctx, f"SELECT {columns} FROM jobs WHERE id = :id", id=job_id)
    for blob, plain in zip(stored, SECRETS.values(), strict=True):
        assert isinstance(blob, bytes | memoryview)
        raw = bytes(blob)
        assert plain.encode() not in raw
        assert plain.split()[0].encode() not in raw
    assert _read(ctx, job_id) == SECRETS


def test_a_value_copied_to_another_row_fails_closed(ctx: Context) -> None:
    first, second = _jobs_with_secrets(ctx, 2)
    _raw(
        ctx,
        "UPDATE jobs SET access_details_enc = "
        "(SELECT access_details_enc FROM jobs WHERE id = :first) WHERE id = :second",
        first=first,
        second=second,
    )
    with pytest.raises(SealBroken, match=r"access_details of jobs row .* not sealed for this row"):
        _read(ctx, second)
    assert _read(ctx, first) == SECRETS


def test_reencrypt_moves_every_value_to_the_new_key(ctx: Context, tmp_path: Path) -> None:
    ids = _jobs_with_secrets(ctx, 3)
    old = ctx.settings.encryption_key
    new = base64.b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "JOBSHOTS_DEV": "1",
        "JOBSHOTS_DATABASE_URL": ctx.settings.database_url,
        "JOBSHOTS_STORAGE_URL": ctx.settings.storage_url,
        "JOBSHOTS_ENCRYPTION_KEY": new,
        "JOBSHOTS_PREVIOUS_ENCRYPTION_KEYS": old,
    }
    done = subprocess.run(
        [sys.executable, "-m", "jobshots", "keys", "reencrypt"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 row(s) checked" in done.stdout
    # Only the new key now: every value still reads, and the old key alone opens none.
    rotated = _context(ctx, new, previous="")
    stale = _context(ctx, old, previous="")
    try:
        for job_id in ids:
            assert _read(rotated, job_id) == SECRETS
            with pytest.raises(SealBroken, match="key this server does not have"):
                _read(stale, job_id)
    finally:
        rotated.close()
        stale.close()


def test_reencrypt_refuses_values_it_cannot_open_and_changes_nothing(ctx: Context) -> None:
    [job_id] = _jobs_with_secrets(ctx, 1)
    before = _raw(ctx, "SELECT access_details_enc FROM jobs WHERE id = :id", id=job_id)
    env = {
        **os.environ,
        "JOBSHOTS_DEV": "1",
        "JOBSHOTS_DATABASE_URL": ctx.settings.database_url,
        "JOBSHOTS_STORAGE_URL": ctx.settings.storage_url,
        "JOBSHOTS_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "jobshots", "keys", "reencrypt"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "key this server does not have" in done.stderr
    assert _raw(ctx, "SELECT access_details_enc FROM jobs WHERE id = :id", id=job_id) == before


def _context(ctx: Context, key: str, previous: str) -> Context:
    settings = Settings(
        dev=True,
        database_url=ctx.settings.database_url,
        storage_url=ctx.settings.storage_url,
        encryption_key=key,
        previous_encryption_keys=previous,
    )
    return build_context(settings)
