"""Flat latency at a million photos: every list and detail route of the five APIs and the web
app's jobs list and job page, at 10,000 photos and at 1,000,000, measured in one run.

Two PostgreSQL databases are made fresh and filled by `jobshots bench-data` (the same
distributions, 100 times the rows), one real server process serves each, and every route is
asked of both in turn, so load from elsewhere on the machine falls on both alike. The table
gives p50 and p99 at each size, the 1M/10k ratio, and whether the targets are met: p50 and
p99 within 1.5x of 10k, p99 under 100 ms.
"""

# Run: make bench-scale, or .venv/bin/python -m bench.scale [--requests 50] [--reuse]
# The databases (jobshots_scale_10k, jobshots_scale_1m) and their media stay for tuning;
# --reuse measures them again without refilling (after `jobshots db upgrade`), --prefix names
# other copies (CREATE DATABASE x_1m TEMPLATE jobshots_scale_1m), --only picks routes by name.

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.uploads import _free_port, _percentile

ROOT = Path(__file__).parent.parent
SIZES = {"10k": (10_000, 1_000), "1m": (1_000_000, 100_000)}
COMPANIES = 50
RATIO_TARGET, P99_TARGET_MS = 1.5, 100.0
# The size of the job whose every photo some routes answer with, at both sizes (the 10k
# fill's largest company has jobs of 58, 59, 69 and 93 photos between 50 and 400).
EVEN_JOB_PHOTOS = 90
# Timed requests a route gets at least, however slow.
MIN_TIMED = 10


@dataclass
class Site:
    """One filled database, its server, and the ids the routes are asked about."""

    size: str
    url: str
    data: dict[str, Any]
    ids: dict[str, Any]
    proc: subprocess.Popen[bytes] | None = None
    client: httpx.Client | None = None
    web: httpx.Client | None = None


@dataclass(frozen=True)
class Route:
    """One row of the table: a request, its path and parameters filled in from a site's ids."""

    name: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    # bearer (CRM, presigned, maintenance), fulcrum, workphotos (a signed POST body), web.
    auth: str = "bearer"


P, W = "/light/photos/", "/job/list"
FULCRUM, JOBS, NOTES = "/api/v2/photos.json", "/api/jobs/manage", "/api/jobs/case-notes"
ROUTES = [
    Route("crm: job photos, page 1", "/api/v1/jobs/{job}/photos"),
    Route("crm: job photos, middle page", "/api/v1/jobs/{job}/photos", {"page": "{job_page}"}),
    Route("crm: photo", "/api/v1/jobs/{job}/photos/{photo}"),
    Route("workphotos: job list, page 0", W, {"page": "0"}, "workphotos"),
    Route("workphotos: job list, middle page", W, {"page": "{jobs_page_30}"}, "workphotos"),
    Route("workphotos: job details", "/job/details", {"jobId": "{even_job}"}, "workphotos"),
    Route("presigned: photos, page 1", P),
    Route("presigned: photos, middle page", P, {"page": "{photos_page_10}"}),
    Route("presigned: job's photos, page 1", P, {"job": "{job_id}"}),
    Route("presigned: photo", "/light/photos/{photo_id}/"),
    Route("presigned: jobs, page 1", "/light/jobs/"),
    Route("presigned: jobs, middle page", "/light/jobs/", {"page": "{jobs_page_10}"}),
    Route("presigned: job", "/light/jobs/{job_id}/"),
    Route("fulcrum: photos, 100, page 1", FULCRUM, {"per_page": "100"}, "fulcrum"),
    Route("fulcrum: photos, 100, middle page", FULCRUM,
          {"per_page": "100", "page": "{photos_page_100}"}, "fulcrum"),
    Route("fulcrum: job's photos, 100", FULCRUM, {"per_page": "100", "record_id": "{job}"},
          "fulcrum"),
    Route("fulcrum: photo", "/api/v2/photos/{photo}.json", auth="fulcrum"),
    Route("maintenance: jobs, first 50", JOBS, {"action": "list"}),
    Route("maintenance: jobs, middle offset", JOBS, {"action": "list", "offset": "{jobs_half}"}),
    Route("maintenance: jobs, status+priority", JOBS,
          {"action": "list", "status_id": "{status_id}", "priority_id": "{priority_id}"}),
    Route("maintenance: jobs, with photos", JOBS, {"action": "list", "has_photos": "true"}),
    Route("maintenance: search 'boiler'", JOBS, {"action": "list", "search": "boiler"}),
    Route("maintenance: search a rare word", JOBS, {"action": "list", "search": "asbestos"}),
    Route("maintenance: job", JOBS, {"action": "get", "uuid": "{job}"}),
    Route("maintenance: job's photos (all)", "/api/jobs/photos", {"job_uuid": "{even_job}"}),
    Route("maintenance: case notes", NOTES, {"action": "list", "job_uuid": "{noted_job}"}),
    Route("maintenance: documents", "/api/jobs/documents",
          {"action": "list", "job_uuid": "{noted_job}"}),
    Route("maintenance: SLA status, 50", "/api/jobs/sla-status"),
    Route("web: jobs list", "/app/jobs", auth="web"),
    Route("web: job page", "/app/{workspace}/jobs/{even_job}", auth="web"),
]  # fmt: skip


def _env(site: Site, port: int, workdir: Path) -> dict[str, str]:
    """Production settings with fixed bench keys, so a reused database's notes still open."""
    return {
        **os.environ,
        "JOBSHOTS_DEV": "0",
        "JOBSHOTS_SECRET_KEY": "bench-scale-secret-key-0123456789",
        "JOBSHOTS_ENCRYPTION_KEY": base64.b64encode(b"e" * 32).decode(),
        "JOBSHOTS_SIGNING_KEY": base64.b64encode(b"s" * 32).decode(),
        "JOBSHOTS_DATABASE_URL": site.url,
        "JOBSHOTS_STORAGE_URL": f"file://{workdir / f'media-{site.size}'}",
        "JOBSHOTS_BASE_URL": f"http://127.0.0.1:{port}",
        "JOBSHOTS_RATE_LIMIT_PER_KEY": "100000000",
        "JOBSHOTS_RATE_LIMIT_PER_IP": "100000000",
    }


def _libpq(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


def _fill(admin: str, size: str, workdir: Path, prefix: str) -> Site:
    """A fresh database of `size`, migrated and filled by `jobshots bench-data`."""
    name = f"{prefix}_{size}"
    with psycopg.connect(_libpq(admin, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    site = Site(size, _libpq(admin, name), {}, {})
    shutil.rmtree(workdir / f"media-{size}", ignore_errors=True)
    env = _env(site, 0, workdir)
    jobshots = [sys.executable, "-m", "jobshots"]
    subprocess.run([*jobshots, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    photos, jobs = SIZES[size]
    out = workdir / f"bench-data-{size}.json"
    started = time.monotonic()
    subprocess.run(
        [*jobshots, "bench-data", "--photos", str(photos), "--jobs", str(jobs),
         "--companies", str(COMPANIES), "--out", str(out)],
        env=env, check=True, cwd=ROOT,
    )  # fmt: skip
    print(f"filled {name} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return _reused(admin, size, workdir, prefix)


def _reused(admin: str, size: str, workdir: Path, prefix: str) -> Site:
    """A database filled before, brought up to the code's migrations."""
    data = json.loads((workdir / f"bench-data-{size}.json").read_text())
    site = Site(size, _libpq(admin, f"{prefix}_{size}"), data, {})
    upgrade = [sys.executable, "-m", "jobshots", "db", "upgrade"]
    subprocess.run(upgrade, env=_env(site, 0, workdir), check=True, cwd=ROOT)
    return site


def _ids(site: Site) -> dict[str, Any]:
    """What the routes are asked about: the largest company, its busiest job, a photo deep in
    it, a job with notes and documents, its open status and its normal priority."""
    company, probes = site.data["companies"][0], site.data["probes"]
    with psycopg.connect(site.url) as conn:

        def one(sql: str, *args: Any) -> Any:
            row = conn.execute(sql, args).fetchone()
            assert row is not None, sql
            return row[0]

        cid = company["id"]
        job_id = one("SELECT id FROM jobs WHERE uuid = %s", probes["busiest_job"])
        # Routes that answer with all of a job's photos ask about a job of the same size at
        # both sizes: what they cost grows with the job, not with the database.
        even_job = one(
            "SELECT j.uuid FROM jobs j JOIN photos p ON p.job_id = j.id WHERE j.company_id = %s"
            " GROUP BY j.uuid ORDER BY abs(count(*) - %s), j.uuid LIMIT 1",
            cid,
            EVEN_JOB_PHOTOS,
        )
        job_photos = one("SELECT count(*) FROM photos WHERE job_id = %s", job_id)
        photos = one("SELECT count(*) FROM photos WHERE company_id = %s", cid)
        jobs = one("SELECT count(*) FROM jobs WHERE company_id = %s", cid)
        return {
            "workspace": company["uuid"],
            "api_key": company["api_key"],
            "login": (company["owner_email"], company["password"]),
            "job": probes["busiest_job"],
            "job_id": job_id,
            "even_job": str(even_job),
            "even_job_photos": one(
                "SELECT count(*) FROM photos p JOIN jobs j ON j.id = p.job_id WHERE j.uuid = %s",
                even_job,
            ),
            "job_photos": job_photos,
            "job_page": max(1, job_photos // 50 // 2),
            "photo": probes["photo"],
            "photo_id": one("SELECT id FROM photos WHERE uuid = %s", probes["photo"]),
            "noted_job": probes["job_with_notes"],
            "photos_page_10": max(1, photos // 10 // 2),
            "photos_page_100": max(1, photos // 100 // 2),
            "jobs_page_10": max(1, jobs // 10 // 2),
            "jobs_page_30": jobs // 30 // 2,
            "jobs_half": jobs // 2,
            "status_id": one(
                "SELECT id FROM job_statuses WHERE company_id = %s AND code = 'open'", cid
            ),
            "priority_id": one(
                "SELECT id FROM job_priorities WHERE company_id = %s AND name = 'Normal'", cid
            ),
        }


def _start(site: Site, workdir: Path) -> None:
    """`jobshots serve` over the site's database, and clients for the APIs and the web app."""
    port = _free_port()
    log = (workdir / f"server-{site.size}.log").open("wb")
    site.proc = subprocess.Popen(
        [sys.executable, "-m", "jobshots", "serve", "--port", str(port)],
        env=_env(site, port, workdir), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"the {site.size} server did not start; see {log.name}")
    site.client = httpx.Client(base_url=base, timeout=120)
    site.web = httpx.Client(base_url=base, timeout=120, headers={"Origin": base})
    email, password = site.ids["login"]
    signed = site.web.post("/login", data={"email": email, "password": password})
    assert signed.status_code == 303, signed.text


def _timed(site: Site, route: Route) -> float:
    """Milliseconds to the whole answer of one request; it must be a 200."""
    ids = site.ids
    path = route.path.format(**ids)
    params = {name: value.format(**ids) for name, value in route.params.items()}
    key = ids["api_key"]
    client = site.web if route.auth == "web" else site.client
    assert client is not None
    started = time.perf_counter()
    if route.auth == "workphotos":
        body = {"authKey": key, "workspaceId": ids["workspace"], **params}
        response = client.post(path, json={k: _number(v) for k, v in body.items()})
    else:
        headers = {"fulcrum": {"X-ApiToken": key}, "bearer": {"Authorization": f"Bearer {key}"}}
        response = client.get(path, params=params, headers=headers.get(route.auth, {}))
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{site.size} {path}: {response.status_code} {response.text[:300]}")
    return elapsed


def _number(value: str) -> str | int:
    return int(value) if value.isdigit() else value


def measure(
    sites: list[Site], requests: int, budget: float, only: str = "", warmup: int = 3
) -> list[str]:
    """Each route asked of every site in turn; the report's lines. A route still running after
    `budget` seconds stops at MIN_TIMED requests or more (it is far off the target anyway)."""
    lines = [
        f"{'route':<38} {'n':>3} {'10k p50':>8} {'p99':>7} {'1M p50':>8} {'p99':>7} "
        f"{'x p50':>6} {'x p99':>6}  target (<={RATIO_TARGET}x, p99<{P99_TARGET_MS:.0f} ms)",
    ]
    met = 0
    routes = [route for route in ROUTES if only in route.name]
    for route in routes:
        times: dict[str, list[float]] = {site.size: [] for site in sites}
        began = time.monotonic()
        for n in range(warmup + requests):
            for site in sites:
                took = _timed(site, route)
                if n >= warmup:
                    times[site.size].append(took)
            if n + 1 - warmup >= MIN_TIMED and time.monotonic() - began > budget:
                break
        small, large = (times[s.size] for s in sites)
        p50s, p99s = _percentile(small, 0.5), _percentile(small, 0.99)
        p50l, p99l = _percentile(large, 0.5), _percentile(large, 0.99)
        ok = p50l <= RATIO_TARGET * p50s and p99l <= RATIO_TARGET * p99s and p99l < P99_TARGET_MS
        met += ok
        lines.append(
            f"{route.name:<38} {len(small):3d} {p50s:8.1f} {p99s:7.1f} {p50l:8.1f} {p99l:7.1f} "
            f"{p50l / p50s:6.2f} {p99l / p99s:6.2f}  {'met' if ok else 'NOT met'}"
        )
        print(lines[-1], file=sys.stderr)
    lines.append(f"{met} of {len(routes)} routes met the target (n requests each, times in ms)")
    return lines


def _stop(site: Site) -> None:
    for client in (site.client, site.web):
        if client is not None:
            client.close()
    if site.proc is not None:
        site.proc.terminate()
        site.proc.wait(30)


def run(
    admin: str, requests: int, budget: float, workdir: Path, reuse: bool, prefix: str, only: str
) -> list[str]:
    """Fill (unless reused), serve and measure both sizes; the report's lines."""
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    sites = [(_reused if reuse else _fill)(admin, size, workdir, prefix) for size in SIZES]
    for site in sites:
        site.ids = _ids(site)
    try:
        for site in sites:
            _start(site, workdir)
        header = [
            f"{site.size}: {sum(site.data['counts'].get(t, 0) for t in ['photos'])} photos, "
            f"busiest job {site.ids['job_photos']} photos, whole-job routes' job "
            f"{site.ids['even_job_photos']} photos, fill {site.data['seconds']:.0f} s"
            for site in sites
        ]
        return header + measure(sites, requests, budget, only)
    finally:
        for site in sites:
            _stop(site)


def main() -> None:
    """Run on its own: python -m bench.scale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50, help="Timed requests per route.")
    parser.add_argument(
        "--budget", type=float, default=60, help="Seconds per route before it may stop early."
    )
    parser.add_argument("--workdir", type=Path, default=Path("build/scale"))
    parser.add_argument("--reuse", action="store_true", help="Measure the filled databases again.")
    parser.add_argument("--prefix", default="jobshots_scale", help="Databases: PREFIX_10k, _1m.")
    parser.add_argument("--only", default="", help="Only the routes whose name contains this.")
    args = parser.parse_args()
    admin = os.environ.get(
        "JOBSHOTS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    lines = run(admin, args.requests, args.budget, args.workdir, args.reuse, args.prefix, args.only)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
