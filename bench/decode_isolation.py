"""What isolation costs: photos/s through the limited decoding pool against a plain pool."""

# Run: .venv/bin/python -m bench.decode_isolation [--rounds 5] [--workdir data/bench]
# Both pools run in the same rounds, alternately, on the same 12 MP JPEG, so the ratio holds
# on a busy machine; a worker's replacement (after a limit kills one) is timed on its own.

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from bench.media import camera_jpeg
from jobshots.media.isolation import DecodeLimits, DecodingPool
from jobshots.media.pipeline import DecodeJob, configure_worker_process, examine

PHOTOS = 40
WORKERS = 2
LIMITS = DecodeLimits(memory_mb=1024, cpu_seconds=120, timeout_seconds=300)


def jobs(source: Path, out: Path) -> list[DecodeJob]:
    """PHOTOS decodes of `source`, each into a directory of its own."""
    made = []
    for number in range(PHOTOS):
        folder = out / f"{number:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        made.append(DecodeJob(source, "jpeg", folder))
    return made


def per_second(run: object, work: list[DecodeJob]) -> float:
    """Photos per second of `run` (a map over the jobs)."""
    started = time.perf_counter()
    list(run(work))  # type: ignore[operator]
    return len(work) / (time.perf_counter() - started)


def replacement_ms(source: Path, out: Path) -> tuple[float, float]:
    """A first decode in a fresh worker (start included) and a decode in a warm one, in ms."""
    job = DecodeJob(source, "jpeg", out)
    fresh = DecodingPool(1, LIMITS)
    try:
        started = time.perf_counter()
        fresh(job)
        first = time.perf_counter() - started
        started = time.perf_counter()
        fresh(job)
        warm = time.perf_counter() - started
    finally:
        fresh.close()
    return first * 1000, warm * 1000


def run(rounds: int, workdir: Path) -> list[str]:
    """The report's lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = camera_jpeg(workdir / "camera-12mp.jpg", 4032, 3024)
    work = jobs(source, workdir / "isolation")
    limited = DecodingPool(WORKERS, LIMITS)
    context = get_context("forkserver")
    plain_pool = ProcessPoolExecutor(
        WORKERS, mp_context=context, initializer=configure_worker_process
    )
    samples: dict[str, list[float]] = {"plain": [], "limited": [], "ratio": []}
    with plain_pool, ThreadPoolExecutor(WORKERS) as callers:
        list(plain_pool.map(examine, work[: 2 * WORKERS]))
        list(callers.map(limited, work[: 2 * WORKERS]))
        for number in range(rounds):
            # Alternate which goes first, so neither always meets a warmer page cache.
            if number % 2:
                ours = per_second(lambda jobs: callers.map(limited, jobs), work)
                plain = per_second(lambda jobs: plain_pool.map(examine, jobs), work)
            else:
                plain = per_second(lambda jobs: plain_pool.map(examine, jobs), work)
                ours = per_second(lambda jobs: callers.map(limited, jobs), work)
            samples["plain"].append(plain)
            samples["limited"].append(ours)
            samples["ratio"].append(ours / plain)
    limited.close()
    first, warm = replacement_ms(source, workdir / "isolation" / "00")
    median = {name: statistics.median(values) for name, values in samples.items()}
    return [
        f"{PHOTOS} x 12 MP JPEG, {WORKERS} workers, median of {rounds} rounds:",
        f"  plain forkserver pool {median['plain']:.1f} photos/s; limited pool "
        f"{median['limited']:.1f} photos/s = {median['ratio']:.2f}x (target >= 0.95x)",
        f"  a replaced worker's first decode {first:.0f} ms (start included); warm {warm:.0f} ms",
    ]


def main() -> None:
    """Print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    print("== Decoding in isolation ==")
    print("\n".join(run(args.rounds, args.workdir)))


if __name__ == "__main__":
    main()
