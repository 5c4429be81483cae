"""Rate limits per key (or signed-in account) and per address, counted in the database, so
every server process shares them; every answer says where its caller stands."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from jobshots.core.apikeys import service as apikeys
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, RateCount
from tests.support.databases import PG_ENV
from tests.support.images import jpeg
from tests.support.server import ServerProcess
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import signed_in

pytestmark = pytest.mark.acceptance

PER_KEY = 5
PER_IP = 8
WINDOW = 2
# The server believes the loopback proxy, so each test speaks from addresses of its own.
LIMITS = {
    "JOBSHOTS_RATE_LIMIT_PER_KEY": str(PER_KEY),
    "JOBSHOTS_RATE_LIMIT_PER_IP": str(PER_IP),
    "JOBSHOTS_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
    "JOBSHOTS_TRUSTED_PROXIES": "127.0.0.1",
}
_addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One server with small limits, over PostgreSQL when configured, else a SQLite file."""
    backend = "postgresql" if os.environ.get(PG_ENV) else "sqlite"
    tmp = tmp_path_factory.mktemp("limits")
    with running_stack(backend, "local", tmp, None, LIMITS, worker=False) as running:
        yield running


def _client(stack: Stack, address: str) -> httpx.Client:
    return httpx.Client(base_url=stack.url, timeout=30, headers={"X-Forwarded-For": address})


def _in_one_window(burst: Callable[[], list[httpx.Response]]) -> list[httpx.Response]:
    """`burst`'s answers, started at the top of a window and retried if one ran past its end."""
    for _ in range(3):
        time.sleep(WINDOW - time.time() % WINDOW + 0.05)
        answers = burst()
        if len({answer.headers["x-ratelimit-reset"] for answer in answers}) == 1:
            return answers
    raise AssertionError("a burst of requests never fitted in one window")


Send = Callable[[httpx.Client, Tenant, str], httpx.Response]


def _crm(client: httpx.Client, tenant: Tenant, job: str) -> httpx.Response:
    return client.get(f"/api/v1/jobs/{job}/photos", headers=tenant.auth)


def _fulcrum(client: httpx.Client, tenant: Tenant, job: str) -> httpx.Response:
    return client.get("/api/v2/photos.json", headers={"X-ApiToken": tenant.api_key})


def _presigned(client: httpx.Client, tenant: Tenant, job: str) -> httpx.Response:
    return client.get("/light/photos/", headers={"Authorization": f"Token {tenant.api_key}"})


def _workphotos(client: httpx.Client, tenant: Tenant, job: str) -> httpx.Response:
    body = {"authKey": tenant.api_key, "workspaceId": tenant.company_uuid}
    return client.post("/job/list", json=body)


def _maintenance(client: httpx.Client, tenant: Tenant, job: str) -> httpx.Response:
    return client.get("/api/security/csrf-token", headers=tenant.auth)


def _refusal(message: str) -> dict[str, dict[str, object]]:
    return {
        "crm": {"success": False, "error": message, "code": "rate_limited"},
        "fulcrum": {"error": message},
        "presigned": {"detail": message},
        "workphotos": {"error": message},
        "maintenance": {"success": False, "error": message},
    }


APIS: dict[str, Send] = {
    "crm": _crm,
    "fulcrum": _fulcrum,
    "presigned": _presigned,
    "workphotos": _workphotos,
    "maintenance": _maintenance,
}


@pytest.mark.parametrize("api", APIS)
def test_a_key_over_its_limit_gets_429_with_retry_after_in_its_apis_own_body(
    limited: Stack, api: str
) -> None:
    tenant = limited.new_tenant(f"Busy {api}")
    job = limited.new_job(tenant)
    send = APIS[api]
    # One key from two addresses: it is the key that is counted, wherever it calls from.
    with _client(limited, next(_addresses)) as one, _client(limited, next(_addresses)) as two:
        answers = _in_one_window(lambda: [send(client, tenant, job) for client in [one, two] * 3])
    assert [a.status_code for a in answers] == [200] * PER_KEY + [429]
    assert [int(a.headers["x-ratelimit-remaining"]) for a in answers] == [4, 3, 2, 1, 0, 0]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {str(PER_KEY)}
    refused = answers[-1]
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW
    assert int(refused.headers["x-ratelimit-reset"]) >= int(time.time())
    message = f"too many requests: try again in {retry_after} seconds"
    assert refused.json() == _refusal(message)[api]
    if api == "workphotos":
        assert refused.headers["access-control-allow-origin"] == "*"


def test_a_signed_in_account_over_its_limit_gets_the_web_apps_429_page(limited: Stack) -> None:
    tenant = limited.new_tenant("Busy Browser")
    with signed_in(limited, tenant.owner_email) as browser:
        browser.headers["X-Forwarded-For"] = next(_addresses)
        answers = _in_one_window(lambda: [browser.get("/app/jobs") for _ in range(PER_KEY + 1)])
    assert [a.status_code for a in answers] == [200] * PER_KEY + [429]
    assert answers[-1].headers["content-type"].startswith("text/html")
    assert "Too many requests" in answers[-1].text
    assert "retry-after" in answers[-1].headers


def test_an_address_over_its_limit_is_refused_and_another_address_is_not(limited: Stack) -> None:
    with _client(limited, next(_addresses)) as flood, _client(limited, next(_addresses)) as calm:
        answers = _in_one_window(
            lambda: (
                [flood.get("/api/v1/nothing") for _ in range(PER_IP + 1)]
                + [calm.get("/api/v1/nothing"), flood.get("/login")]
            )
        )
    assert [a.status_code for a in answers] == [404] * PER_IP + [429, 404, 429]
    assert answers[PER_IP].json()["code"] == "rate_limited"
    assert answers[-1].headers["content-type"].startswith("text/html")
    assert int(answers[-2].headers["x-ratelimit-remaining"]) == PER_IP - 1
    # Wrong keys are counted by address too: guessing is no way around the limit.
    with _client(limited, next(_addresses)) as guesser:
        bad = {"Authorization": "Bearer jsk_000000000000_" + "x" * 43}
        guesses = _in_one_window(
            lambda: [guesser.get("/light/photos/", headers=bad) for _ in range(PER_IP + 1)]
        )
    assert [g.status_code for g in guesses] == [401] * PER_IP + [429]


def test_every_answer_carries_the_limit_and_timing_headers(limited: Stack) -> None:
    tenant = limited.new_tenant("Headers Ltd")
    job = limited.new_job(tenant)
    with _client(limited, next(_addresses)) as client:
        answers = {
            "ok": _crm(client, tenant, job),
            "not found": client.get("/api/v2/photos/nothing.json", headers=tenant.auth),
            "refused": client.get("/light/photos/"),
            "wrong method": client.delete("/job/list"),
            "page": client.get("/login"),
            "static": client.get("/static/app.css"),
            "health": client.get("/healthz"),
        }
    for name, answer in answers.items():
        assert float(answer.headers["x-response-time-ms"]) >= 0, name
        assert int(answer.headers["x-ratelimit-limit"]) in (PER_KEY, PER_IP), name
        assert 0 <= int(answer.headers["x-ratelimit-remaining"]) < PER_IP, name
        assert abs(int(answer.headers["x-ratelimit-reset"]) - time.time()) <= WINDOW + 1, name
    assert [answers[n].status_code for n in ("static", "health")] == [200, 200]


def test_static_files_and_health_checks_are_not_counted(limited: Stack) -> None:
    with _client(limited, next(_addresses)) as client:
        answers = _in_one_window(
            lambda: (
                [client.get("/login")]
                + [client.get(path) for path in ["/static/app.css", "/healthz"] * PER_IP]
                + [client.get("/login")]
            )
        )
    assert {a.status_code for a in answers} == {200}
    remaining = [int(a.headers["x-ratelimit-remaining"]) for a in answers]
    assert (remaining[0], remaining[-1]) == (PER_IP - 1, PER_IP - 2)


def test_two_server_processes_over_one_database_share_the_limit(limited: Stack) -> None:
    tenant = limited.new_tenant("Two Doors Ltd")
    job = limited.new_job(tenant)
    second = ServerProcess(
        limited.server.database_url,
        limited.server.storage_url,
        limited.server.workdir,
        extra_env=LIMITS,
    ).start()
    try:
        with (
            httpx.Client(base_url=limited.url, timeout=30) as one,
            httpx.Client(base_url=second.base_url, timeout=30) as two,
        ):
            for client in (one, two):
                client.headers["X-Forwarded-For"] = next(_addresses)
            answers = _in_one_window(
                lambda: [_crm(client, tenant, job) for client in [one, two] * 3]
            )
    finally:
        second.stop()
    assert [a.status_code for a in answers] == [200] * PER_KEY + [429]
    assert [int(a.headers["x-ratelimit-remaining"]) for a in answers] == [4, 3, 2, 1, 0, 0]


def test_the_counters_of_ended_windows_are_deleted(limited: Stack) -> None:
    gone, later = next(_addresses), next(_addresses)
    rows_of = select(RateCount.window_start).where(RateCount.bucket == f"ip:{gone}")
    with _client(limited, gone) as client:
        client.get("/login")
    assert len(limited.scalars(rows_of)) == 1
    time.sleep(WINDOW + 0.1)
    with _client(limited, later) as client:
        latest = client.get("/login")
    current = int(latest.headers["x-ratelimit-reset"]) - WINDOW
    older = select(func.count()).select_from(RateCount).where(RateCount.window_start < current)
    assert limited.scalars(older) == [0]
    assert limited.scalars(rows_of) == []


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_callers_everywhere(
    limited: Stack,
) -> None:
    tenant = limited.new_tenant("Behind Proxy Ltd")
    job = limited.new_job(tenant)
    with limited.server.core.uow() as uow:
        owner = users.owner_of(uow, tenant.company_id)
        fenced = apikeys.issue(uow, owner, allowed_ips=["203.0.113.0/24"]).secret
    auth = {"Authorization": f"Bearer {fenced}"}
    with httpx.Client(base_url=limited.url, timeout=30) as client:

        def from_(forwarded: str) -> int:
            headers = {**auth, "X-Forwarded-For": forwarded}
            return client.get(f"/api/v1/jobs/{job}/photos", headers=headers).status_code

        assert from_("203.0.113.7") == 200
        assert from_("198.51.100.1") == 403
        # A client's own claim, left of what the proxy appended, is never believed.
        assert from_("203.0.113.7, 198.51.100.1") == 403
        uploaded = client.post(
            f"/api/v1/jobs/{job}/photos",
            headers={**auth, "X-Forwarded-For": "203.0.113.7"},
            data={"photo_type": "before"},
            files={"photos": ("a.jpg", jpeg(), "image/jpeg")},
        )
        assert uploaded.status_code == 200, uploaded.text
    addresses = limited.scalars(
        select(AuditEvent.ip)
        .where(AuditEvent.company_id == tenant.company_id)
        .where(AuditEvent.ip.is_not(None))
    )
    assert addresses
    assert set(addresses) == {"203.0.113.7"}
