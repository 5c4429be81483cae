"""The maintenance API's callers: sign-in tokens beside API keys, and CSRF on every write."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.db.models import LoginToken
from tests.support.stack import Stack, Tenant, running_stack

pytestmark = pytest.mark.acceptance
PASSWORD = "a long enough password"


def _with_password(stack: Stack, name: str) -> Tenant:
    tenant = stack.new_tenant(name)
    stack.server.cli("user", "set-password", "--email", tenant.owner_email, stdin=PASSWORD)
    return tenant


def _log_in(client: httpx.Client, tenant: Tenant, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/auth/login", json={"email": tenant.owner_email, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _csrf(client: httpx.Client, token: str) -> str:
    issued = client.get("/api/security/csrf-token", headers=_bearer(token))
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert (body["success"], body["message"]) == (True, "CSRF token issued")
    return str(body["data"]["token"])


def _token_hashes(stack: Stack) -> list[str]:
    return [str(h) for h in stack.scalars(select(LoginToken.token_hash))]


def test_sign_in_gives_a_90_day_bearer_token_stored_only_as_a_hash(single_stack: Stack) -> None:
    tenant = _with_password(single_stack, "Sign In Ltd")
    with single_stack.client() as client:
        signed_in = _log_in(client, tenant)
        assert signed_in.status_code == 200, signed_in.text
        body = signed_in.json()
        assert (body["success"], body["token_type"]) == (True, "Bearer")
        assert len(body["token"]) == 64
        assert body["user"]["email"] == tenant.owner_email
        expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
        assert body["token"] not in _token_hashes(single_stack)
        assert (
            client.get("/api/security/csrf-token", headers=_bearer(body["token"])).status_code
            == 200
        )


def test_signing_in_again_revokes_the_previous_token_and_logout_revokes_it(
    single_stack: Stack,
) -> None:
    tenant = _with_password(single_stack, "Twice Ltd")
    with single_stack.client() as client:
        first = _log_in(client, tenant).json()["token"]
        second = _log_in(client, tenant).json()["token"]
        refused = client.get("/api/security/csrf-token", headers=_bearer(first))
        assert (refused.status_code, refused.json()["success"]) == (401, False)
        csrf = _csrf(client, second)
        out = client.post("/api/auth/logout", headers=_bearer(second), json={"csrf_token": csrf})
        assert (out.status_code, out.json()) == (200, {"success": True, "message": "Logged out"})
        assert client.get("/api/security/csrf-token", headers=_bearer(second)).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"password": "a long enough password!"}, {"email": "nobody@example.com"}],
    ids=["wrong-password", "unknown-email"],
)
def test_a_wrong_password_and_an_unknown_account_answer_alike(
    single_stack: Stack, body: dict[str, str]
) -> None:
    tenant = _with_password(single_stack, "Wrong Ltd")
    sent = {"email": tenant.owner_email, "password": PASSWORD, **body}
    with single_stack.client() as client:
        refused = client.post("/api/auth/login", json=sent)
    assert refused.status_code == 401
    assert refused.json() == {"success": False, "error": "wrong email address or password"}


def test_missing_fields_are_named(single_stack: Stack) -> None:
    with single_stack.client() as client:
        refused = client.post("/api/auth/login", json={"email": "x@example.com"})
    assert refused.status_code == 400
    assert "password" in refused.json()["error"]


def test_an_expired_token_is_refused(single_stack: Stack) -> None:
    tenant = _with_password(single_stack, "Expired Ltd")
    with single_stack.client() as client:
        token = _log_in(client, tenant).json()["token"]
        single_stack.execute(
            update(LoginToken)
            .where(LoginToken.revoked_at.is_(None))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        assert client.get("/api/security/csrf-token", headers=_bearer(token)).status_code == 401


def test_writes_need_the_callers_own_csrf_token(single_stack: Stack) -> None:
    tenant = _with_password(single_stack, "Csrf Ltd")
    other = _with_password(single_stack, "Other Csrf Ltd")
    with single_stack.client() as client:
        token = _log_in(client, tenant).json()["token"]
        theirs = _csrf(client, _log_in(client, other).json()["token"])
        mine = _csrf(client, token)
        by_key = _csrf(client, tenant.api_key)

        def logout(**kwargs: object) -> httpx.Response:
            return client.post("/api/auth/logout", **kwargs)  # type: ignore[arg-type]

        for refused in (
            logout(headers=_bearer(token), json={}),
            logout(headers=_bearer(token), json={"csrf_token": theirs}),
            logout(headers=_bearer(token), json={"csrf_token": by_key}),
            logout(headers={**_bearer(token), "X-CSRF-Token": "123.abc"}),
        ):
            assert refused.status_code == 403, refused.text
            assert refused.json()["success"] is False
            assert "CSRF" in refused.json()["error"]
        # Still signed in: nothing changed.
        assert client.get("/api/security/csrf-token", headers=_bearer(token)).status_code == 200
        done = logout(headers={**_bearer(token), "X-CSRF-Token": mine})
        assert done.status_code == 200


def test_an_expired_csrf_token_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    env = {"JOBSHOTS_CSRF_TOKEN_TTL_SECONDS": "1"}
    with running_stack("sqlite", "local", tmp_path_factory.mktemp("csrf"), None, env) as stack:
        tenant = _with_password(stack, "Short Ltd")
        with stack.client() as client:
            token = _log_in(client, tenant).json()["token"]
            stale = _csrf(client, token)
            expired_at = int(stale.split(".")[0])
            while datetime.now(UTC).timestamp() <= expired_at:
                time.sleep(0.05)
            refused = client.post(
                "/api/auth/logout", headers={**_bearer(token), "X-CSRF-Token": stale}
            )
    assert refused.status_code == 403
    assert "expired" in refused.json()["error"]
