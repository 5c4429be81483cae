"""Locust's per-route statistics, and the report written from them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.load.memory import MIB, MemoryVerdict

UPLOAD_ROUTES = (
    "POST /api/v1/jobs/[job]/photos",
    "POST /api/v2/photos.json",
    "POST /api/jobs/photos?action=upload",
)
MAX_ERROR_RATE = 0.001


@dataclass(frozen=True)
class RouteStats:
    """One route's requests, failures and latency percentiles (milliseconds)."""

    name: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    max: float
    per_second: float


def read_stats(path: Path) -> tuple[list[RouteStats], RouteStats, list[dict[str, str]]]:
    """Each route's statistics, the aggregate and the failures, as locust had them at its end."""
    body = json.loads(path.read_text())
    routes = [RouteStats(**route) for route in body["routes"]]
    return routes, RouteStats(**body["total"]), body["failures"]


@dataclass(frozen=True)
class LoadReport:
    """What a run did and measured."""

    users: int
    seconds: float
    backend: str
    routes: list[RouteStats]
    total: RouteStats
    failures: list[dict[str, str]]
    memory: MemoryVerdict
    memory_samples: list[tuple[float, int]]
    photos_acknowledged: int
    photos_stored: int
    photos_waiting: int

    @property
    def error_rate(self) -> float:
        """Failed requests over all requests."""
        return self.total.failures / self.total.requests if self.total.requests else 1.0

    @property
    def held(self) -> bool:
        """Error rate under 0.1%, nothing acknowledged lost, memory flat."""
        return (
            self.error_rate < MAX_ERROR_RATE
            and self.photos_stored == self.photos_acknowledged
            and self.memory.flat
        )

    def write(self, stem: Path) -> tuple[Path, Path]:
        """Write `stem.md` and `stem.json`; return both paths."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        markdown, data = stem.with_suffix(".md"), stem.with_suffix(".json")
        markdown.write_text(self.markdown())
        body: dict[str, Any] = asdict(self)
        body.update(error_rate=self.error_rate, memory_flat=self.memory.flat, held=self.held)
        data.write_text(json.dumps(body, indent=2))
        return markdown, data

    def markdown(self) -> str:
        """The report as a Markdown page."""
        m = self.memory
        lines = [
            f"# Load: {self.users} users for {self.seconds:.0f} s ({self.backend})",
            "",
            f"- requests: {self.total.requests} ({self.total.per_second:.1f}/s), "
            f"failed: {self.total.failures}, error rate {self.error_rate:.4%} (limit 0.1%)",
            f"- photos acknowledged: {self.photos_acknowledged}, stored: {self.photos_stored}, "
            f"still waiting to be processed at the end: {self.photos_waiting}",
            f"- server RSS (process group, median): {m.early_bytes / MIB:.0f} MiB at a fifth of "
            f"the run, {m.late_bytes / MIB:.0f} MiB at its end ({m.growth_bytes / MIB:+.1f} MiB), "
            f"peak {m.peak_bytes / MIB:.0f} MiB, {m.samples} samples: "
            f"{'flat' if m.flat else 'GROWING'} (allowed: 10% or 32 MiB, whichever is larger)",
            f"- verdict: {'held' if self.held else 'NOT HELD'}",
            "",
            "| route | requests | failed | p50 ms | p95 ms | p99 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in [*sorted(self.routes, key=lambda r: r.name), self.total]:
            lines.append(
                f"| {r.name} | {r.requests} | {r.failures} | {r.p50:.0f} | {r.p95:.0f} "
                f"| {r.p99:.0f} | {r.max:.0f} |"
            )
        if self.failures:
            lines += ["", "| failed | route | error | times |", "| --- | --- | --- | ---: |"]
            lines += [
                f"| {f['Method']} | {f['Name']} | {f['Error'][:120]} | {f['Occurrences']} |"
                for f in self.failures
            ]
        return "\n".join(lines) + "\n"
