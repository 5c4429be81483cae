"""A reduced load run in CI: 10 users for 15 s; latencies are reported, never asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.load.report import UPLOAD_ROUTES
from tests.load.runner import LoadPlan, run

pytestmark = pytest.mark.acceptance

REDUCED = LoadPlan(
    users=10,
    seconds=15,
    spawn_rate=10,
    max_requests=5_000,
    wait=(0.2, 1.0),
    companies=2,
    jobs_per_company=3,
    photos_per_company=2,
)


def test_a_short_mixed_load_fails_under_a_tenth_of_a_percent_and_loses_no_upload(
    tmp_path: Path,
) -> None:
    report = run(REDUCED, tmp_path / "run")
    markdown, data = report.write(tmp_path / "build" / "load-report")
    print(report.markdown())

    assert report.total.requests > 0
    assert report.error_rate < 0.001, report.markdown()
    served = {route.name for route in report.routes if route.requests > 0}
    assert set(UPLOAD_ROUTES) <= served, "every API's upload was exercised"
    assert "GET /api/v1/jobs/[job]/photos" in served
    assert "GET /app/jobs" in served
    assert served & {"GET /api/v2/photos/[key]/thumbnail.jpg", "GET /api/v2/photos/[key]/large.jpg"}
    assert report.photos_acknowledged > 0
    assert report.photos_stored == report.photos_acknowledged
    written = json.loads(data.read_text())
    assert written["total"]["requests"] == report.total.requests
    assert {route["name"] for route in written["routes"]} == {r.name for r in report.routes}
    assert all(route.p99 >= route.p50 > 0 for route in report.routes if route.requests)
    assert "| Aggregated |" in markdown.read_text()
