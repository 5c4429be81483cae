"""Even a crash's answer, sent by Starlette's outermost error handler, carries the rate-limit and
timing headers: the limits wrap the whole app."""

from __future__ import annotations

from starlette.testclient import TestClient

from jobshots.app import create_app
from jobshots.core.context import Context


def _crash() -> None:
    raise RuntimeError("a bug")


def test_a_crash_is_answered_with_the_limit_and_timing_headers(ctx: Context) -> None:
    app = create_app(ctx.settings, ctx)
    app.add_api_route("/api/jobs/crash", _crash, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        first = client.get("/api/jobs/crash")
        second = client.get("/api/jobs/crash")
    assert (first.status_code, first.json()) == (
        500,
        {"success": False, "error": "internal server error"},
    )
    assert first.headers["x-ratelimit-limit"] == str(ctx.settings.rate_limit_per_ip)
    remaining = [int(answer.headers["x-ratelimit-remaining"]) for answer in (first, second)]
    assert remaining == [ctx.settings.rate_limit_per_ip - 1, ctx.settings.rate_limit_per_ip - 2]
    assert float(second.headers["x-response-time-ms"]) >= 0
