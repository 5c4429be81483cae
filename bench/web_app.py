"""The web app through a real server: a job page of 500 photos against one of 5, and a 200-photo
job's ZIP against a 5-photo one's, in the same run.

Job page: time to first byte and the HTML's bytes, signed in over HTTP (the gallery's first
page of each heading, not the whole job, is what the first screen carries). ZIP: MB/s from the
request to the last byte, and how far the server's peak RSS rose while sending it.
"""

# Run: .venv/bin/python -m bench.web_app [--rounds 5] [--workdir data/bench]
# Originals of the ZIP jobs are random bytes (as incompressible as JPEG), removed after the run.

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from bench.uploads import _env, _free_port, _migrated_context, _rss_kb
from jobshots.core.companies import service as companies
from jobshots.core.jobs import service as jobs
from jobshots.core.users import service as users
from jobshots.db.models import Photo, Rendition
from jobshots.db.types import utcnow
from jobshots.storage import keys

PAGE_SMALL, PAGE_LARGE = 5, 500
ZIP_SMALL, ZIP_LARGE = 5, 200
ORIGINAL_BYTES = 2 * 1024 * 1024
TYPES = ("before", "during", "after", "other")
EMAIL, PASSWORD = "bench@example.com", "bench password 1234"


def _fill(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The company's workspace, and a job UUID per role ("page-5", "zip-200", ...)."""
    ctx = _migrated_context(env)
    made_jobs: dict[str, str] = {}
    with ctx.uow() as uow:
        made = companies.create(uow, "Bench Ltd", EMAIL)
        users.set_password(uow, made.owner, PASSWORD)
        owner = users.acting_as(made.owner)
        for role, count, stored in (
            ("page", PAGE_SMALL, False), ("page", PAGE_LARGE, False),
            ("zip", ZIP_SMALL, True), ("zip", ZIP_LARGE, True),
        ):  # fmt: skip
            job = jobs.open_job(uow, owner, f"{role} of {count} photos")
            rows = [_photo(ctx, made, job.id, n, stored) for n in range(count)]
            uow.session.execute(insert(Photo), rows)
            made_jobs[f"{role}-{count}"] = str(job.uuid)
            ids = uow.session.execute(
                select(Photo.id, Photo.uuid).where(Photo.job_id == job.id)
            ).all()
            uow.session.execute(insert(Rendition), [
                _rendition(made.company.uuid, photo_id, photo_uuid, kind, size)
                for photo_id, photo_uuid in ids
                for kind, size in (("thumbnail", 200), ("large", 1600))
            ])  # fmt: skip
        workspace = str(made.company.uuid)
    ctx.close()
    return workspace, made_jobs


def _photo(ctx: Any, made: Any, job_id: int, n: int, stored: bool) -> dict[str, Any]:
    """A processed photo row; its original written to storage only for the ZIP jobs."""
    photo_uuid = uuid.uuid4()
    key = keys.photo_original(made.company.uuid, photo_uuid, "jpg")
    size, checksum = 0, hashlib.sha256(b"").hexdigest()
    if stored:
        data = os.urandom(ORIGINAL_BYTES)
        staged = ctx.storage.staging_dir() / f"{photo_uuid}.jpg"
        staged.write_bytes(data)
        ctx.storage.put_file(key, staged, "image/jpeg")
        size, checksum = len(data), hashlib.sha256(data).hexdigest()
    now = utcnow()
    return {
        "uuid": photo_uuid, "company_id": made.company.id, "job_id": job_id,
        "created_by_id": made.owner.id, "uploaded_by_id": made.owner.id,
        "updated_by_id": made.owner.id, "name": f"IMG_{n:04d}.jpg",
        "file_name": f"IMG_{n:04d}.jpg", "photo_type": TYPES[n % len(TYPES)],
        "storage_key": key, "mime_type": "image/jpeg", "file_size": size,
        "checksum_sha256": checksum, "state": "processed", "width": 4032, "height": 3024,
        "latitude": 53.8 + n / 1e5, "longitude": -1.55, "taken_at": now, "created_at": now,
        "updated_at": now, "tags": [], "related_to": [],
    }  # fmt: skip


def _rendition(
    company_uuid: uuid.UUID, photo_id: int, photo_uuid: uuid.UUID, kind: str, size: int
) -> dict[str, Any]:
    return {
        "uuid": uuid.uuid4(), "photo_id": photo_id, "kind": kind,
        "storage_key": keys.rendition(company_uuid, photo_uuid, kind, "jpg"),
        "mime_type": "image/jpeg", "width": size, "height": size * 3 // 4,
        "file_size": 20_000, "created_at": utcnow(),
    }  # fmt: skip


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """`jobshots serve`, as `make run` starts it."""
    command = [sys.executable, "-m", "jobshots", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        command, env=env, cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("bench server did not start")


def _first_byte(client: httpx.Client, path: str) -> tuple[float, int]:
    """(seconds to the first byte of the body, the body's bytes) of one GET."""
    started = time.perf_counter()
    with client.stream("GET", path) as response:
        assert response.status_code == 200, response.status_code
        chunks = response.iter_raw()
        first = next(chunks)
        ttfb = time.perf_counter() - started
        size = len(first) + sum(len(chunk) for chunk in chunks)
    return ttfb, size


def _zip_rate(client: httpx.Client, job: str) -> float:
    """MB/s of one job's ZIP, from the request to the last byte."""
    started = time.perf_counter()
    with client.stream("GET", f"/app/jobs/{job}/export.zip") as response:
        assert response.status_code == 200, response.status_code
        size = sum(len(chunk) for chunk in response.iter_raw())
    assert size == int(response.headers["content-length"])
    return size / 1e6 / (time.perf_counter() - started)


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("bench.db*"):
        stale.unlink()
    shutil.rmtree(workdir / "media", ignore_errors=True)
    port = _free_port()
    env = {**_env(workdir, port), "JOBSHOTS_MEDIA_WORKERS": "1"}
    workspace, made = _fill(env)
    server = _start(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120, headers={"Origin": base}) as client:
            signed = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
            assert signed.status_code == 303, signed.text
            pages = {
                count: [
                    _first_byte(client, f"/app/{workspace}/jobs/{made[f'page-{count}']}")
                    for _ in range(rounds + 1)
                ][1:]  # the first of each warms the server's caches
                for count in (PAGE_SMALL, PAGE_LARGE)
            }
            rates = {ZIP_SMALL: [_zip_rate(client, made[f"zip-{ZIP_SMALL}"])]}
            before = _rss_kb(server.pid, "VmHWM") / 1024
            rates[ZIP_LARGE] = [_zip_rate(client, made[f"zip-{ZIP_LARGE}"]) for _ in range(rounds)]
            rates[ZIP_SMALL] += [_zip_rate(client, made[f"zip-{ZIP_SMALL}"]) for _ in range(rounds)]
            after = _rss_kb(server.pid, "VmHWM") / 1024
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(workdir / "media", ignore_errors=True)
    return _report(rounds, pages, rates, before, after)


def _report(
    rounds: int,
    pages: dict[int, list[tuple[float, int]]],
    rates: dict[int, list[float]],
    before: float,
    after: float,
) -> list[str]:
    ttfb = {count: statistics.median(t for t, _ in runs) * 1000 for count, runs in pages.items()}
    size = {count: statistics.median(s for _, s in runs) / 1024 for count, runs in pages.items()}
    rate = {count: statistics.median(runs) for count, runs in rates.items()}
    ttfb_ratio = ttfb[PAGE_LARGE] / ttfb[PAGE_SMALL]
    size_ratio = size[PAGE_LARGE] / size[PAGE_SMALL]
    rate_ratio = rate[ZIP_LARGE] / rate[ZIP_SMALL]
    rise = after - before
    return [
        f"Job page, signed in (SQLite, local storage, {rounds} rounds, medians):",
        f"  {'photos':<8} {'TTFB ms':>9} {'HTML KiB':>9}",
        f"  {PAGE_SMALL:<8} {ttfb[PAGE_SMALL]:9.1f} {size[PAGE_SMALL]:9.1f}",
        f"  {PAGE_LARGE:<8} {ttfb[PAGE_LARGE]:9.1f} {size[PAGE_LARGE]:9.1f}",
        f"  TTFB, {PAGE_LARGE} against {PAGE_SMALL} photos: {ttfb_ratio:.2f}x "
        f"(target < 5x, first page of each heading only): {'met' if ttfb_ratio < 5 else 'missed'}",
        f"  first-screen HTML, {PAGE_LARGE} against {PAGE_SMALL} photos: {size_ratio:.2f}x "
        f"(target < 8x, bounded by the page size): {'met' if size_ratio < 8 else 'missed'}",
        f"Job ZIP through the server ({ORIGINAL_BYTES // 2**20} MiB originals):",
        f"  {'photos':<8} {'MB/s':>8}",
        f"  {ZIP_SMALL:<8} {rate[ZIP_SMALL]:8.1f}",
        f"  {ZIP_LARGE:<8} {rate[ZIP_LARGE]:8.1f}",
        f"  rate, {ZIP_LARGE} against {ZIP_SMALL} photos: {rate_ratio:.2f}x "
        f"(target >= 0.8x): {'met' if rate_ratio >= 0.8 else 'missed'}",
        f"  server peak RSS {before:.0f} MB before the {ZIP_LARGE}-photo ZIPs, {after:.0f} MB "
        f"after: {rise:+.1f} MB (target < 20 MB, streamed): {'met' if rise < 20 else 'missed'}",
    ]


def main() -> None:
    """Run on its own: python -m bench.web_app."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    print("\n".join(run(args.rounds, args.workdir / "web")))


if __name__ == "__main__":
    main()
