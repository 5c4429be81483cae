"""The Fulcrum photo list at the vendor's page size: 20,000 photos against 100, same run.

A real server process over SQLite and local storage, photos written straight into the
database (with two renditions each, as processed photos have). Each list runs in a fresh
server so that its peak RSS is its own. Reported: time to the last byte, per photo, and how
far the server's peak RSS rose above its idle size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from bench.uploads import _env, _free_port, _migrated_context, _rss_kb, _start
from jobshots.core.companies import service as companies
from jobshots.db.models import Photo, Rendition
from jobshots.db.types import utcnow

LARGE, SMALL = 20_000, 100


def _fill(env: dict[str, str], count: int) -> str:
    """A company with `count` processed photos; its API key."""
    ctx = _migrated_context(env)
    with ctx.uow() as uow:
        made = companies.create(uow, "Bench Ltd", "bench@example.com")
        company, owner = made.company, made.owner
        now = utcnow()
        photos = [
            {
                "uuid": uuid.uuid4(),
                "company_id": company.id,
                "created_by_id": owner.id,
                "uploaded_by_id": owner.id,
                "updated_by_id": owner.id,
                "name": f"{n}.jpg",
                "client_key": f"bench-{n:05d}",
                "storage_key": f"bench/{n}/original.jpg",
                "mime_type": "image/jpeg",
                "file_size": 1_000_000,
                "state": "processed",
                "latitude": 51.5,
                "longitude": -0.12,
                "taken_at": now,
                "created_at": now,
                "updated_at": now,
                "exif": {"make": "Acme", "model": "Phone 9"},
                "tags": [],
                "related_to": [],
            }
            for n in range(count)
        ]
        uow.session.execute(insert(Photo), photos)
        ids = uow.session.scalars(select(Photo.id).where(Photo.company_id == company.id)).all()
        renditions = [
            {
                "uuid": uuid.uuid4(),
                "photo_id": photo_id,
                "kind": kind,
                "storage_key": f"bench/{photo_id}/{kind}.jpg",
                "mime_type": "image/jpeg",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 100,
                "created_at": now,
            }
            for photo_id in ids
            for kind, width in (("thumbnail", 200), ("large", 1600))
        ]
        uow.session.execute(insert(Rendition), renditions)
    ctx.close()
    return made.api_key


def _measure(workdir: Path, count: int, per_page: int, rounds: int) -> tuple[float, int, int]:
    """(median seconds to the last byte, idle RSS kB, peak RSS kB) of one list size."""
    for stale in workdir.glob("bench.db*"):
        stale.unlink()
    port = _free_port()
    env = _env(workdir, port)
    key = _fill(env, count)
    proc = _start(env, port, workdir)
    try:
        idle = _rss_kb(proc.pid, "VmRSS")
        times = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            for _ in range(rounds):
                started = time.perf_counter()
                response = client.get(
                    "/api/v2/photos.json",
                    headers={"X-ApiToken": key},
                    params={"per_page": per_page},
                )
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                assert len(json.loads(response.content)["photos"]) == min(count, per_page)
        peak = _rss_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(10)
    return statistics.median(times), idle, peak


def run(rounds: int, workdir: Path) -> list[str]:
    """Measure and return the report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    small_s, small_idle, small_peak = _measure(workdir, SMALL, SMALL, max(rounds * 4, 10))
    large_s, large_idle, large_peak = _measure(workdir, LARGE, LARGE, max(rounds // 2, 2))
    small_rise = max(0, small_peak - small_idle) / 1024
    large_rise = max(0, large_peak - large_idle) / 1024
    per_photo_ratio = (large_s / LARGE) / (small_s / SMALL)
    return [
        f"Fulcrum photo list, one page each (SQLite, local storage, {LARGE} vs {SMALL} photos):",
        f"  {'page':<14} {'last byte s':>12} {'ms / photo':>11} {'peak RSS rise MB':>17}",
        f"  {SMALL:<14} {small_s:12.3f} {small_s / SMALL * 1e3:11.3f} {small_rise:17.1f}",
        f"  {LARGE:<14} {large_s:12.3f} {large_s / LARGE * 1e3:11.3f} {large_rise:17.1f}",
        f"  time per photo, {LARGE} against {SMALL}: {per_photo_ratio:.2f}x "
        f"(target <= 1.5x, no per-photo queries): {'met' if per_photo_ratio <= 1.5 else 'missed'}",
        f"  peak RSS rise, {LARGE} against {SMALL}: {large_rise - small_rise:+.1f} MB "
        f"(target < 50 MB, rendered as it streams): "
        f"{'met' if large_rise - small_rise < 50 else 'missed'}",
    ]


def main() -> None:
    """Run on its own: python -m bench.fulcrum_list."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    print("\n".join(run(args.rounds, args.workdir / "fulcrum")))


if __name__ == "__main__":
    main()
