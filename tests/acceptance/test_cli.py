"""The `jobshots` command, run as an operator would, against a running server's settings."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jobshots.core.users import passwords
from jobshots.db.models import User
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.acceptance


def test_company_create_prints_ids_and_a_working_key(single_stack: Stack) -> None:
    made = single_stack.server.cli_json(
        "company", "create", "Ace Plumbing", "--owner-email", "boss@ace.example"
    )
    assert isinstance(made["company_id"], int)
    uuid.UUID(made["company_uuid"])
    assert made["api_key"].startswith("jsk_")
    job = single_stack.server.cli_json("job", "create", "Leak", "--company", made["company_uuid"])
    assert isinstance(job["job_id"], int)
    response = httpx.get(
        f"{single_stack.url}/api/v1/jobs/{job['job_uuid']}/photos",
        headers={"Authorization": f"Bearer {made['api_key']}"},
    )
    assert response.status_code == 200


def test_apikey_create_and_revoke(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant()
    issued = single_stack.server.cli_json(
        "apikey", "create", "--company", str(tenant.company_id), "--email", tenant.owner_email,
        "--name", "integration",
    )  # fmt: skip
    job = single_stack.new_job(tenant)
    url = f"{single_stack.url}/api/v1/jobs/{job}/photos"
    headers = {"Authorization": f"Bearer {issued['api_key']}"}
    assert httpx.get(url, headers=headers).status_code == 200
    assert issued["api_key"].startswith(f"jsk_{issued['prefix']}_")
    single_stack.server.cli("apikey", "revoke", issued["prefix"])
    assert httpx.get(url, headers=headers).status_code == 401
    # The other key of the company still works.
    assert httpx.get(url, headers=tenant.auth).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ("apikey", "create", "--company", "999999", "--email", "x@example.com"),
        ("apikey", "revoke", "000000000000"),
        ("job", "create", "Orphan", "--company", str(uuid.uuid4())),
        ("company", "create", "Bad", "--owner-email", "not-an-email"),
    ],
    ids=["unknown-company", "unknown-prefix", "job-unknown-company", "bad-email"],
)
def test_cli_errors_exit_non_zero_with_a_message(
    single_stack: Stack, args: tuple[str, ...]
) -> None:
    result = single_stack.server.cli(*args, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")


def test_demo_is_created_once_and_prints_a_fresh_working_key(tmp_path: Path) -> None:
    with running_stack("sqlite", "local", tmp_path, None, {}) as stack:
        first = stack.server.cli("demo").stdout
        second = stack.server.cli("demo").stdout
        key1, key2 = _printed_key(first), _printed_key(second)
        assert "created" in first
        assert "already present" in second
        assert key1 != key2
        job_url = next(line.split()[-1] for line in second.splitlines() if "curl" in line)
        job_url = job_url.replace(stack.server.env["JOBSHOTS_BASE_URL"], stack.url)
        photos = httpx.get(job_url, headers={"Authorization": f"Bearer {key2}"})
        assert photos.status_code == 200
        assert photos.json()["data"]["pagination"]["total"] >= 1
        # The previous run's demo key is revoked so keys do not pile up.
        assert httpx.get(job_url, headers={"Authorization": f"Bearer {key1}"}).status_code == 401
        # The printed sign-in works, and only this run's password does.
        email, password1 = _printed_sign_in(first)
        _, password2 = _printed_sign_in(second)
        login = f"{stack.url}/api/auth/login"
        signed_in = httpx.post(login, json={"email": email, "password": password2})
        assert signed_in.status_code == 200, signed_in.text
        assert len(signed_in.json()["token"]) == 64
        stale = httpx.post(login, json={"email": email, "password": password1})
        assert stale.status_code == 401
        web = httpx.post(f"{stack.url}/login", data={"email": email, "password": password2})
        assert (web.status_code, web.headers["location"]) == (303, "/app/jobs")


def _printed_sign_in(output: str) -> tuple[str, str]:
    line = next(line for line in output.splitlines() if "Sign in:" in line)
    email, _, password = line.split("Sign in:")[1].split("(")[0].strip().partition(" / ")
    return email, password


def test_demo_leaves_a_database_with_other_companies_alone(single_stack: Stack) -> None:
    single_stack.new_tenant("Real Customer Ltd")
    result = single_stack.server.cli("demo")
    assert "API key" not in result.stdout
    assert "only made in an empty one" in result.stdout


def _printed_key(output: str) -> str:
    return next(line.split()[-1] for line in output.splitlines() if "API key" in line)


def test_reprocess_runs_the_pipeline_again_with_a_progress_bar(single_stack: Stack) -> None:
    from tests.support import media

    tenant = single_stack.new_tenant("Redo Ltd")
    job = single_stack.new_job(tenant)
    with single_stack.client() as client:
        response = client.post(
            f"/api/v1/jobs/{job}/photos",
            headers=tenant.auth,
            data={"photo_type": "before"},
            files={"photos": ("cam.jpg", media.camera_jpeg(orientation=6), "image/jpeg")},
        )
    photo = response.json()["data"]["photos"][0]["uuid"]
    single_stack.settle()
    assert single_stack.photo_state(photo) == ("processed", {"large": 1, "thumbnail": 1})
    processed_first = single_stack.processed_at(photo)
    result = single_stack.server.cli("reprocess", "--job", job)
    assert "Reprocessing" in result.stdout
    assert "1 photo(s): 1 processed" in result.stdout
    assert single_stack.photo_state(photo) == ("processed", {"large": 1, "thumbnail": 1})
    assert single_stack.processed_at(photo) != processed_first  # it really ran again
    by_company = single_stack.server.cli("reprocess", "--company", str(tenant.company_id))
    assert "1 photo(s): 1 processed" in by_company.stdout


def test_reprocess_needs_exactly_one_scope(single_stack: Stack) -> None:
    assert single_stack.server.cli("reprocess", check=False).returncode == 2
    both = single_stack.server.cli("reprocess", "--all", "--company", "1", check=False)
    assert both.returncode == 2


def _password_hash(stack: Stack, email: str) -> str | None:
    found = stack.scalars(select(User.password_hash).where(User.email == email))
    return str(found[0]) if found and found[0] is not None else None


def test_passwords_are_set_from_stdin_and_stored_as_argon2id(single_stack: Stack) -> None:
    tenant = single_stack.new_tenant("Passwords Ltd")
    email = f"sam-{uuid.uuid4().hex[:6]}@passwords.example"
    single_stack.server.cli(
        "user", "create", "--company", str(tenant.company_id), "--email", email,
        "--password-stdin", stdin="correct horse battery\n",
    )  # fmt: skip
    first = _password_hash(single_stack, email)
    assert first is not None
    assert first.startswith("$argon2id$")
    assert "correct horse" not in first
    assert passwords.matches(first, "correct horse battery")
    assert not passwords.matches(first, "correct horse battery\n")
    done = single_stack.server.cli("user", "set-password", "--email", email, stdin="another one!\n")
    assert f"password set for {email}" in done.stdout
    second = _password_hash(single_stack, email)
    assert passwords.matches(second, "another one!")
    assert not passwords.matches(second, "correct horse battery")


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("", "standard input"), ("short\n", "at least 10 characters")],
    ids=["none", "too-short"],
)
def test_a_refused_password_changes_nothing(single_stack: Stack, stdin: str, message: str) -> None:
    tenant = single_stack.new_tenant("Refused Ltd")
    before = _password_hash(single_stack, tenant.owner_email)
    refused = single_stack.server.cli(
        "user", "set-password", "--email", tenant.owner_email, stdin=stdin, check=False
    )
    assert refused.returncode != 0
    assert message in refused.stderr
    assert _password_hash(single_stack, tenant.owner_email) == before
