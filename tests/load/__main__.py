"""`python -m tests.load`: one load run, its report printed and written; exit 1 if not held."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from pathlib import Path

from tests.load.runner import LoadPlan, run
from tests.support.databases import PG_ENV
from tests.support.s3server import start_moto_server


def main() -> int:
    """Run the plan the arguments describe and print its report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--storage", choices=["local", "s3"], default="local")
    parser.add_argument("--report", type=Path, default=Path("build/load-report"))
    parser.add_argument(
        "--workdir", type=Path, default=Path("build/load-run"), help="emptied first"
    )
    args = parser.parse_args()
    if args.backend == "postgresql" and not os.environ.get(PG_ENV):
        parser.error(
            f"--backend postgresql needs {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    plan = LoadPlan(
        users=args.users,
        seconds=args.seconds,
        spawn_rate=args.spawn_rate,
        max_requests=args.max_requests,
        backend=args.backend,
        storage=args.storage,
    )
    with contextlib.ExitStack() as stack:
        endpoint = stack.enter_context(start_moto_server()) if args.storage == "s3" else None
        # Kept afterwards: the server's and locust's logs are there.
        shutil.rmtree(args.workdir, ignore_errors=True)
        report = run(plan, args.workdir.resolve(), endpoint)
    markdown, data = report.write(args.report)
    print(report.markdown())
    print(f"written to {markdown} and {data}")
    return 0 if report.held else 1


if __name__ == "__main__":
    sys.exit(main())
