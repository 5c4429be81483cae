"""`make bench`: every benchmark, each printing its figures against a baseline from the same run."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import fulcrum_list, media, pdf_report, summary, uploads, web_app, zip_export


def main() -> None:
    """Run the media, upload, list, web app and export benchmarks and print their reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    print("== Media pipeline ==")
    print("\n".join(media.run(args.rounds, args.workdir)))
    print("\n== Uploads ==")
    print("\n".join(uploads.run(args.rounds, args.workdir / "uploads")))
    print("\n== Fulcrum photo list ==")
    print("\n".join(fulcrum_list.run(args.rounds, args.workdir / "fulcrum")))
    print("\n== Job ZIP ==")
    print("\n".join(zip_export.run(args.rounds, args.workdir / "zip")))
    print("\n== Web app: job page and ZIP through the server ==")
    print("\n".join(web_app.run(args.rounds, args.workdir / "web")))
    print("\n== Job PDF report ==")
    print("\n".join(pdf_report.run(args.rounds, args.workdir / "pdf")))
    print("\n== Every judged figure of this run (the million-photo routes: make bench-scale) ==")
    print("\n".join(summary.table()))


if __name__ == "__main__":
    main()
