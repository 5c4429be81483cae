"""Rate limits through real servers: what counting costs a request, and whether one company's
flood slows another company's requests.

Cost: the p50 of an authenticated request (an empty Fulcrum list) on a server with both limits
on, against one with both off (0), the two over one database, requests interleaved.
Flood: company B's p50 and p99 as a steady client alone, then while company A floods from other
processes at a fixed offered rate (far past its limit, so mostly answered 429), and while the
same flood runs against a server with the limits off, as ratios to alone; each company speaks
from an address of its own through the trusted loopback proxy.
"""

# Run: .venv/bin/python -m bench.rate_limits [--requests 160] [--workdir data/bench]
#      [--database-url postgresql://postgres@127.0.0.1:5432/bench_limits]  (a fresh database)

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.uploads import _env, _free_port, _migrated_context
from jobshots.core.companies import service as companies
from jobshots.core.ratelimits import service as ratelimits

FLOOD_PROCESSES = 2
FLOOD_THREADS = 4
LIST = "/api/v2/photos.json"
# Company B's steady rate, under the limit the flood runs into (per key, per window).
PACE = 8
FLOOD_KEY_LIMIT = 100
# Company A's offered rate, the same with the limits on and off, so the two floods compare
# (more than one server process here can serve, so with the limits off A is served at capacity).
FLOOD_RATE = 150
FLOOD_WINDOW = 10


@contextmanager
def serving(env: dict[str, str], **settings: str) -> Iterator[str]:
    """`jobshots serve` with extra settings; its base URL while it runs."""
    port = _free_port()
    env = {**env, **settings, "JOBSHOTS_BASE_URL": f"http://127.0.0.1:{port}"}
    command = [sys.executable, "-m", "jobshots", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the bench server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def prepare(workdir: Path, database_url: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The servers' environment, and a fresh company's key by name ("A", "B", "C")."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = _env(workdir, 0)
    if database_url:
        env["JOBSHOTS_DATABASE_URL"] = database_url
    ctx = _migrated_context(env)
    keys = {}
    with ctx.uow() as uow:
        for name in ("A", "B", "C"):
            keys[name] = companies.create(uow, f"Company {name}", f"{name}@example.com").api_key
    ctx.close()
    return env, keys


def _timed(client: httpx.Client, key: str) -> float:
    started = time.perf_counter()
    answer = client.get(LIST, headers={"X-ApiToken": key})
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"a measured request was answered {answer.status_code}")
    return elapsed


def _p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cost(env: dict[str, str], key: str, requests: int) -> list[str]:
    """p50 with the limits on against off, requests to the two servers interleaved."""
    on: list[float] = []
    off: list[float] = []
    with (
        serving(env) as counted,
        serving(env, JOBSHOTS_RATE_LIMIT_PER_KEY="0", JOBSHOTS_RATE_LIMIT_PER_IP="0") as bare,
        httpx.Client(base_url=counted) as with_limits,
        httpx.Client(base_url=bare) as without,
    ):
        for _ in range(20):  # warm both
            _timed(with_limits, key)
            _timed(without, key)
        for n in range(requests):
            # Alternate which server goes first, so neither gains from the other's wake.
            pair = [(on, with_limits), (off, without)]
            for times, client in pair if n % 2 else reversed(pair):
                times.append(_timed(client, key))
    p50_on, p50_off = statistics.median(on), statistics.median(off)
    upsert, baseline = _counting_alone(env, requests * 3)
    return [
        f"counting alone (in-process): {upsert:.0f} us per request's upsert and commit, against "
        f"{baseline:.0f} us for a transaction of SELECT 1 (ratio {upsert / baseline:.2f})",
        f"authenticated list, p50: limits on {p50_on:.2f} ms, off {p50_off:.2f} ms "
        f"(+{p50_on - p50_off:.2f} ms, ratio {p50_on / p50_off:.2f}) over {requests} requests",
    ]


def _counting_alone(env: dict[str, str], rounds: int) -> tuple[float, float]:
    """Median microseconds of one address's count (its own transaction) and of an empty one."""
    ctx = _migrated_context(env)
    counting: list[float] = []
    empty: list[float] = []
    try:
        for n in range(rounds):
            started = time.perf_counter()
            with ctx.uow() as uow:
                ratelimits.count_address(uow, f"192.0.2.{n % 200}")
            counting.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            with ctx.uow() as uow:
                uow.session.execute(text("SELECT 1"))
            empty.append((time.perf_counter() - started) * 1e6)
    finally:
        ctx.close()
    return statistics.median(counting), statistics.median(empty)


def _flood(url: str, key: str, stop: Event, results: Queue[Counter[int]]) -> None:
    """Company A at its share of FLOOD_RATE (or as fast as answers come), until told to stop."""
    totals: Counter[int] = Counter()
    lock = threading.Lock()

    def send() -> None:
        headers = {"X-ApiToken": key, "X-Forwarded-For": "198.18.0.1"}
        seen: Counter[int] = Counter()
        interval = FLOOD_PROCESSES * FLOOD_THREADS / FLOOD_RATE
        next_at = time.monotonic()
        with httpx.Client(base_url=url, timeout=60) as client:
            while not stop.is_set():
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))
                try:
                    seen[client.get(LIST, headers=headers).status_code] += 1
                except httpx.HTTPError:
                    seen[0] += 1  # no answer at all
        with lock:
            totals.update(seen)

    threads = [threading.Thread(target=send) for _ in range(FLOOD_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(totals)


def _paced(client: httpx.Client, key: str, requests: int) -> list[float]:
    """Company B as a steady client: PACE requests a second, each timed."""
    times = []
    start = time.monotonic()
    for n in range(requests):
        time.sleep(max(0.0, start + n / PACE - time.monotonic()))
        times.append(_timed(client, key))
    return times


def _during_flood(
    url: str, keys: dict[str, str], requests: int
) -> tuple[list[float], Counter[int], float]:
    """Company B's times while company A floods; A's answers by status, and its rate."""
    spawn = multiprocessing.get_context("spawn")
    results: Queue[Counter[int]] = spawn.Queue()
    stop = spawn.Event()
    flooders = [
        spawn.Process(target=_flood, args=(url, keys["A"], stop, results))
        for _ in range(FLOOD_PROCESSES)
    ]
    started = time.monotonic()
    for process in flooders:
        process.start()
    time.sleep(2.0)  # let the flood start and pass its limit before measuring
    company_b = {"X-Forwarded-For": "198.18.0.2"}
    with httpx.Client(base_url=url, headers=company_b, timeout=120) as b:
        during = _paced(b, keys["B"], requests)
    stop.set()
    statuses: Counter[int] = Counter()
    for _ in flooders:
        statuses.update(results.get())
    for process in flooders:
        process.join()
    return during, statuses, sum(statuses.values()) / (time.monotonic() - started)


def flood(env: dict[str, str], keys: dict[str, str], requests: int) -> list[str]:
    """Company B alone, while company A floods far past its limit, and (the same flood with
    the limits off) what the limits spare B."""
    limits = {
        "JOBSHOTS_RATE_LIMIT_PER_KEY": str(FLOOD_KEY_LIMIT),
        "JOBSHOTS_RATE_LIMIT_PER_IP": str(2 * FLOOD_KEY_LIMIT),
        "JOBSHOTS_RATE_LIMIT_WINDOW_SECONDS": str(FLOOD_WINDOW),
        "JOBSHOTS_TRUSTED_PROXIES": "127.0.0.1",
    }
    with serving(env, **limits) as url:
        with httpx.Client(base_url=url, headers={"X-Forwarded-For": "198.18.0.2"}) as b:
            for _ in range(5):
                _timed(b, keys["B"])
            alone = _paced(b, keys["B"], requests)
        limited, statuses, rate = _during_flood(url, keys, requests)
    off = {**limits, "JOBSHOTS_RATE_LIMIT_PER_KEY": "0", "JOBSHOTS_RATE_LIMIT_PER_IP": "0"}
    with serving(env, **off) as url:
        unlimited, unlimited_statuses, unlimited_rate = _during_flood(url, keys, requests)

    def figures(times: list[float]) -> str:
        p50, p99 = statistics.median(times), _p(times, 0.99)
        base50, base99 = statistics.median(alone), _p(alone, 0.99)
        ratio = f"ratio to alone p50 {p50 / base50:.2f}, p99 {p99 / base99:.2f}"
        return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms ({ratio})"

    def answered(counts: Counter[int], per_second: float) -> str:
        shown = ", ".join(
            f"{count} x {status or 'no answer'}" for status, count in sorted(counts.items())
        )
        return f"{per_second:.0f} requests/s: {shown}"

    lines = [
        f"company B at {PACE} requests/s, {requests} requests a phase; company A offering "
        f"{FLOOD_RATE}/s from {FLOOD_PROCESSES * FLOOD_THREADS} clients, limited to "
        f"{FLOOD_KEY_LIMIT} per key and "
        f"{2 * FLOOD_KEY_LIMIT} per address each {FLOOD_WINDOW} s",
        f"company B alone: p50 {statistics.median(alone):.2f} ms, p99 {_p(alone, 0.99):.2f} ms",
        f"company B during A's flood, limits on: {figures(limited)}",
        f"  A's flood: {answered(statuses, rate)}",
        f"company B during the same flood, limits off: {figures(unlimited)}",
        f"  A's flood: {answered(unlimited_statuses, unlimited_rate)}",
    ]
    if statuses[429] == 0:
        lines.append("warning: the flood never passed its limit")
    return lines


def run(requests: int, workdir: Path, database_url: str | None = None) -> list[str]:
    """Both measurements, on one fresh database."""
    env, keys = prepare(workdir, database_url)
    backend = "PostgreSQL" if database_url else "SQLite"
    lines = [f"database: {backend}, one `jobshots serve` process per server"]
    lines += cost(env, keys["C"], requests)
    lines += flood(env, keys, requests)
    return lines


def main() -> None:
    """Print the rate-limit figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench/limits"))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print("\n".join(run(args.requests, args.workdir.resolve(), args.database_url)))


if __name__ == "__main__":
    main()
