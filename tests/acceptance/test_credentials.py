"""Every credential form each vendor documents works, and a wrong key in any of them answers
exactly as no key does."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.core.apikeys import service as apikeys
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, LoginToken, User, WebSession
from tests.support.images import jpeg
from tests.support.stack import Stack, Tenant
from tests.support.web import csrf_token, signed_in

pytestmark = pytest.mark.acceptance

# A request in one credential form: (client, tenant, job UUID, key or None) -> response.
Send = Callable[[httpx.Client, Tenant, str, str | None], httpx.Response]
WRONG = ["jsk_000000000000_" + "x" * 43, "nonsense", "jsk_"]


def _in_header(name: str, path: str, scheme: str = "") -> Send:
    def send(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
        headers = {name: f"{scheme} {key}".strip()} if key is not None else {}
        return client.get(path.format(job=job), headers=headers)

    return send


def _in_query(name: str, path: str) -> Send:
    def send(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
        return client.get(path, params={name: key} if key is not None else {})

    return send


def _in_body(client: httpx.Client, tenant: Tenant, job: str, key: str | None) -> httpx.Response:
    return client.post("/job/list", json={"authKey": key or "", "workspaceId": tenant.company_uuid})


CRM = "/api/v1/jobs/{job}/photos"
FORMS: dict[str, Send] = {
    "crm-bearer": _in_header("Authorization", CRM, "Bearer"),
    "crm-x-api-key": _in_header("X-API-Key", CRM),
    "fulcrum-header": _in_header("X-ApiToken", "/api/v2/photos.json"),
    "fulcrum-token-query": _in_query("token", "/api/v2/photos.json"),
    "presigned-token": _in_header("Authorization", "/light/photos/", "Token"),
    "presigned-bearer": _in_header("Authorization", "/light/photos/", "Bearer"),
    "presigned-x-api-key": _in_header("X-API-KEY", "/light/photos/"),
    "vendor-base-x-api-key": _in_header("X-API-KEY", "/roof_link_endpoints/api/light/photos/"),
    "workphotos-authkey": _in_body,
}


@pytest.mark.parametrize("form", FORMS)
def test_each_documented_form_works_and_a_wrong_key_is_refused_like_none(
    single_stack: Stack, form: str
) -> None:
    tenant = single_stack.new_tenant("Keys Ltd")
    job = single_stack.new_job(tenant)
    send = FORMS[form]
    with single_stack.client() as client:
        assert send(client, tenant, job, tenant.api_key).status_code == 200
        refused = send(client, tenant, job, None)
        assert refused.status_code == 401, refused.text
        for key in WRONG:
            wrong = send(client, tenant, job, key)
            assert (wrong.status_code, wrong.json()) == (refused.status_code, refused.json())
            challenge = wrong.headers.get("www-authenticate")
            assert challenge == refused.headers.get("www-authenticate")


# What may differ between two refusals: the time taken and the counters ticking down.
VOLATILE = {"date", "x-response-time-ms", "x-ratelimit-remaining", "x-ratelimit-reset"}
PASSWORD = "a long enough password"


def _answer(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k.lower() not in VOLATILE}
    return response.status_code, response.content, headers


def _bad_keys(stack: Stack, tenant: Tenant) -> dict[str, str | None]:
    """Every way an API key can fail, by name."""
    revoked = stack.new_colleague(tenant)
    leaver = stack.new_colleague(tenant)
    with stack.server.core.uow() as uow:
        apikeys.revoke(uow, revoked.api_key.split("_")[1])
        uow.session.scalars(
            select(User).where(User.email == leaver.owner_email)
        ).one().is_active = False
    prefix = tenant.api_key.split("_")[1]
    return {
        "missing": None,
        "malformed": "nonsense",
        "unknown": f"jsk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",
        "wrong secret": f"jsk_{prefix}_{secrets.token_urlsafe(32)}",
        "revoked": revoked.api_key,
        "deactivated": leaver.api_key,
    }


def _bad_tokens(stack: Stack, tenant: Tenant) -> dict[str, str | None]:
    """Every way a sign-in token can fail, by name (the maintenance API takes one as Bearer)."""
    with stack.server.core.uow() as uow:
        owner = uow.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        users.set_password(uow, owner, PASSWORD)
    with stack.client() as client:
        login = {"email": tenant.owner_email, "password": PASSWORD}
        expired, revoked, live = (client.post("/api/auth/login", json=login) for _ in range(3))
        revoked_token = revoked.json()["token"]  # revoked by the sign-in after it
        live_token = live.json()["token"]
        expired_token = expired.json()["token"]
    stack.execute(
        update(LoginToken)
        .where(LoginToken.token_hash == hashlib.sha256(expired_token.encode()).hexdigest())
        .values(revoked_at=None, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    return {
        "unknown token": secrets.token_hex(32),
        "expired token": expired_token,
        "revoked token": revoked_token,
        "live token's twin": live_token[:-1] + ("0" if live_token[-1] != "0" else "1"),
    }


MAINTENANCE = _in_header("Authorization", "/api/security/csrf-token", "Bearer")
PER_API = {form: FORMS[form] for form in ("crm-bearer", "fulcrum-header", "presigned-token")}
PER_API |= {"workphotos-authkey": _in_body, "maintenance-bearer": MAINTENANCE}


@pytest.mark.parametrize("form", PER_API)
def test_every_failed_credential_is_answered_alike_within_each_api(
    single_stack: Stack, form: str
) -> None:
    tenant = single_stack.new_tenant("Alike Ltd")
    job = single_stack.new_job(tenant)
    bad = _bad_keys(single_stack, tenant)
    if form == "maintenance-bearer":
        bad |= _bad_tokens(single_stack, tenant)
    send = PER_API[form]
    with single_stack.client() as client:
        assert send(client, tenant, job, tenant.api_key).status_code == 200
        answers = {name: _answer(send(client, tenant, job, key)) for name, key in bad.items()}
    baseline = answers.pop("missing")
    assert baseline[0] == 401
    assert {name: answer for name, answer in answers.items() if answer != baseline} == {}


def _sessions(stack: Stack, tenant: Tenant) -> tuple[str, str]:
    """The cookie secrets of a live session and of one signed out."""
    with signed_in(stack, tenant.owner_email) as browser:
        live = browser.cookies["jobshots_session"]
    with signed_in(stack, tenant.owner_email) as browser:
        ended = browser.cookies["jobshots_session"]
        token = csrf_token(browser.get("/app/jobs").text)
        out = browser.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303, out.text
    return live, ended


def test_a_failed_browser_session_is_answered_as_no_session(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Cookies Ltd")
    live, ended = _sessions(single_stack, tenant)
    expired = hashlib.sha256(live.encode()).hexdigest()
    single_stack.execute(
        update(WebSession)
        .where(WebSession.token_hash == expired)
        .values(expires_at=datetime.now(UTC))
    )
    cookies = {
        "malformed": "not a session",
        "unknown": secrets.token_urlsafe(32),
        "signed out": ended,
        "expired": live,
    }
    answers = {}
    with httpx.Client(base_url=single_stack.url) as client:
        baseline = _answer(client.get("/app/jobs"))
        for name, secret in cookies.items():
            cookie = {"Cookie": f"jobshots_session={secret}"}
            answers[name] = _answer(client.get("/app/jobs", headers=cookie))
    assert baseline[0] == 303
    assert {name: answer for name, answer in answers.items() if answer != baseline} == {}


def test_a_revoked_key_fails_on_the_very_next_request(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Revoking Ltd")
    crew = single_stack.new_colleague(tenant)
    job = single_stack.new_job(tenant)
    with signed_in(single_stack, tenant.owner_email) as owner, single_stack.client() as client:
        headers = {"Authorization": f"Bearer {crew.api_key}"}
        assert client.get(CRM.format(job=job), headers=headers).status_code == 200
        token = csrf_token(owner.get("/app/jobs").text)
        revoked = owner.post(
            f"/app/settings/keys/{crew.api_key.split('_')[1]}/revoke", data={"csrf_token": token}
        )
        assert revoked.status_code == 303, revoked.text
        assert client.get(CRM.format(job=job), headers=headers).status_code == 401


def test_a_forged_forwarded_for_never_passes_an_ip_allow_list(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Fenced Ltd")
    job = single_stack.new_job(tenant)
    with single_stack.server.core.uow() as uow:
        owner = users.owner_of(uow, tenant.company_id)
        fenced = apikeys.issue(uow, owner, allowed_ips=["203.0.113.0/24"]).secret
    headers = {"Authorization": f"Bearer {fenced}"}
    with single_stack.client() as client:
        for forged in ("203.0.113.7", "127.0.0.1, 203.0.113.7", "203.0.113.7, 127.0.0.1"):
            refused = client.get(
                CRM.format(job=job), headers={**headers, "X-Forwarded-For": forged}
            )
            assert (refused.status_code, refused.json()["code"]) == (403, "ip_not_allowed")
    # The history records the socket's address too, never the forged one.
    with single_stack.client() as client:
        client.post(
            CRM.format(job=job),
            headers={**tenant.auth, "X-Forwarded-For": "203.0.113.7"},
            data={"photo_type": "before"},
            files={"photos": ("a.jpg", jpeg(), "image/jpeg")},
        ).raise_for_status()
    addresses = single_stack.scalars(
        select(AuditEvent.ip)
        .where(AuditEvent.company_id == tenant.company_id)
        .where(AuditEvent.ip.is_not(None))
    )
    assert addresses
    assert set(addresses) == {"127.0.0.1"}
