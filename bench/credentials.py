"""Refused credentials through a real server: the time each kind of failure takes (missing,
malformed, unknown, wrong secret, revoked), as ratios to the wrong secret, requests interleaved.
tests/core/test_credential_work.py proves the equal work; this shows the time it comes to."""

# Run: .venv/bin/python -m bench.credentials [--requests 300] [--workdir data/bench]

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from pathlib import Path

import httpx

from bench.rate_limits import LIST, prepare, serving
from bench.uploads import _migrated_context
from jobshots.core.apikeys import service as apikeys
from jobshots.core.users import service as users


def _bad_keys(env: dict[str, str], key: str) -> dict[str, str | None]:
    ctx = _migrated_context(env)
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, key, None)
        revoked = apikeys.issue(uow, users.owner_of(uow, principal.company_id))
        apikeys.revoke(uow, revoked.prefix)
    ctx.close()
    prefix = key.split("_")[1]
    return {
        "wrong secret": f"jsk_{prefix}_{secrets.token_urlsafe(32)}",
        "missing": None,
        "malformed": "nonsense",
        "unknown": f"jsk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",
        "revoked": revoked.secret,
    }


def run(requests: int, workdir: Path) -> list[str]:
    """p50 per kind of refused key, and its ratio to a wrong secret's."""
    env, keys = prepare(workdir, None)
    bad = _bad_keys(env, keys["A"])
    times: dict[str, list[float]] = {name: [] for name in bad}
    with serving(env) as url, httpx.Client(base_url=url) as client:
        for n in range(requests + 20):
            for name, key in bad.items():
                headers = {"X-ApiToken": key} if key else {}
                started = time.perf_counter()
                answer = client.get(LIST, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 401:
                    raise RuntimeError(f"{name} was answered {answer.status_code}")
                if n >= 20:  # the first rounds warm the server
                    times[name].append(elapsed)
    base = statistics.median(times["wrong secret"])
    return [f"{requests} requests of each kind, interleaved, SQLite"] + [
        f"{name}: p50 {statistics.median(t):.2f} ms, ratio {statistics.median(t) / base:.2f}"
        for name, t in times.items()
    ]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench/credentials"))
    args = parser.parse_args()
    print("\n".join(run(args.requests, args.workdir.resolve())))


if __name__ == "__main__":
    main()
