"""The web app's sign-in, sessions, CSRF and jobs list, on a real server over HTTP."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import delete, insert, select, update
from starlette.responses import Response

from jobshots.config import Settings
from jobshots.core.sessions.service import Started
from jobshots.core.users import service as users
from jobshots.db.models import (
    Job,
    JobPin,
    JobPriority,
    JobStatus,
    SignInFailure,
    User,
    WebSession,
)
from jobshots.http.sessions import COOKIE, remember
from tests.support.stack import Stack, Tenant, running_stack

PASSWORD = "correct horse battery staple"
IDLE_SECONDS = 600
LIFETIME_SECONDS = 1200
PER_EMAIL = 3
PER_IP = 8
ENV = {
    "JOBSHOTS_SESSION_IDLE_SECONDS": str(IDLE_SECONDS),
    "JOBSHOTS_SESSION_LIFETIME_SECONDS": str(LIFETIME_SECONDS),
    "JOBSHOTS_SIGN_IN_FAILURES_PER_EMAIL": str(PER_EMAIL),
    "JOBSHOTS_SIGN_IN_FAILURES_PER_IP": str(PER_IP),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A server with short session and attempt-limit settings, on SQLite and PostgreSQL."""
    tmp = tmp_path_factory.mktemp(request.param)
    with running_stack(request.param, "local", tmp, None, ENV, worker=False) as running:
        yield running


@pytest.fixture(autouse=True)
def no_failures_counted(stack: Stack) -> None:
    """Every test from 127.0.0.1: each starts with no failed sign-ins counted."""
    stack.execute(delete(SignInFailure))


def with_password(stack: Stack, email: str) -> None:
    """Give the user a password, as the CLI does."""
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        users.set_password(uow, user, PASSWORD)


@pytest.fixture(scope="module")
def tenant(stack: Stack) -> Tenant:
    """A company whose owner can sign in."""
    made = stack.new_tenant()
    with_password(stack, made.owner_email)
    return made


def browser(stack: Stack, session: str | None = None) -> httpx.Client:
    """A client that keeps cookies and follows no redirects, like a browser's first hop."""
    cookies = {COOKIE: session} if session else None
    return httpx.Client(
        base_url=stack.url, timeout=30, headers={"Origin": stack.url}, cookies=cookies
    )


def sign_in(
    client: httpx.Client, email: str, password: str = PASSWORD, **form: str
) -> httpx.Response:
    return client.post("/login", data={"email": email, "password": password, **form})


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text
    return found.group(1)


def session_row(stack: Stack, secret: str) -> tuple[int, datetime, datetime, datetime, object]:
    token_hash = hashlib.sha256(secret.encode()).hexdigest()
    [row] = stack.rows(
        select(
            WebSession.id,
            WebSession.created_at,
            WebSession.last_seen_at,
            WebSession.expires_at,
            WebSession.revoked_at,
        ).where(WebSession.token_hash == token_hash)
    )
    return row  # type: ignore[return-value]


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_newcomer_at_the_root_is_sent_to_sign_in(stack: Stack) -> None:
    with browser(stack) as client:
        for path in ("/", "/app"):
            response = client.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/login")
        form = client.get("/login")
    assert form.status_code == 200
    assert '<label for="email">Email</label>' in form.text
    assert '<label for="password">Password</label>' in form.text
    assert ">Sign in</button>" in form.text
    assert '<main id="main"' in form.text


def test_signing_in_opens_the_jobs_list_and_signing_out_ends_the_session(
    stack: Stack, tenant: Tenant
) -> None:
    stack.new_job_ids(tenant, "Gutter clearance 4411")
    with browser(stack) as client:
        signed = sign_in(client, tenant.owner_email.upper())
        assert (signed.status_code, signed.headers["location"]) == (303, "/app/jobs")
        secret = client.cookies[COOKIE]
        assert client.get("/").headers["location"] == "/app/jobs"
        listing = client.get("/app/jobs")
        assert listing.status_code == 200
        assert "Gutter clearance 4411" in listing.text

        out = client.post("/logout", data={"csrf_token": csrf_token(listing)})
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert COOKIE not in client.cookies
    with browser(stack, secret) as replaying:
        replayed = replaying.get("/app/jobs")
    assert (replayed.status_code, replayed.headers["location"]) == (303, "/login")
    assert session_row(stack, secret)[4] is not None


def test_only_the_hash_of_the_cookie_secret_is_stored(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        secret = client.cookies[COOKIE]
    stored = stack.scalars(select(WebSession.token_hash))
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert secret not in stored


def test_a_wrong_password_is_refused_without_saying_whether_the_account_exists(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        wrong = sign_in(client, tenant.owner_email, "not the password")
        unknown = sign_in(client, f"nobody-{uuid.uuid4().hex[:6]}@example.com", "whatever")
        listing = client.get("/app/jobs")
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert "Wrong email address or password." in wrong.text
    assert COOKIE not in wrong.cookies
    assert listing.status_code == 303
    assert f'value="{tenant.owner_email}"' in wrong.text  # the e-mail is kept in the form


def test_the_attempt_limit_per_email_refuses_even_the_right_password(
    stack: Stack, tenant: Tenant
) -> None:
    ghost = f"ghost-{uuid.uuid4().hex[:6]}@example.com"
    with browser(stack) as client:
        for _ in range(PER_EMAIL):
            assert sign_in(client, tenant.owner_email, "guess").status_code == 401
            assert sign_in(client, ghost, "guess").status_code == 401
        limited = sign_in(client, tenant.owner_email)
        ghost_limited = sign_in(client, ghost, "guess")
        assert COOKIE not in client.cookies
    assert (limited.status_code, ghost_limited.status_code) == (429, 429)
    assert "Too many failed sign-in attempts" in limited.text
    # The same answer for an account that exists and one that does not.
    assert limited.text.replace(tenant.owner_email, "") == ghost_limited.text.replace(ghost, "")

    stack.execute(delete(SignInFailure))
    with browser(stack) as client:
        assert sign_in(client, tenant.owner_email).status_code == 303


def test_the_attempt_limit_per_address_counts_every_email(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        for n in range(PER_IP):
            assert sign_in(client, f"spray-{n}@example.com", "guess").status_code == 401
        limited = sign_in(client, tenant.owner_email)
    assert limited.status_code == 429


def test_the_cookie_is_http_only_and_same_site_lax_and_not_secure_over_http(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        signed = sign_in(client, tenant.owner_email)
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes
    assert f"max-age={LIFETIME_SECONDS}" in attributes


def test_the_cookie_is_secure_when_the_server_is_served_over_https() -> None:
    response = Response()
    settings = Settings(dev=True, base_url="https://photos.example.com")
    remember(response, Started("s3cret", datetime.now(UTC)), settings)
    attributes = {p.strip().lower() for p in response.headers["set-cookie"].split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= attributes


def test_every_sign_in_starts_a_new_session_and_ends_the_one_before(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        first = client.cookies[COOKIE]
        sign_in(client, tenant.owner_email)
        second = client.cookies[COOKIE]
        assert first != second
        assert client.get("/app/jobs").status_code == 200
    with browser(stack, first) as replaying:
        stale = replaying.get("/app/jobs")
    assert stale.status_code == 303
    assert session_row(stack, first)[0] != session_row(stack, second)[0]
    assert session_row(stack, first)[4] is not None


def test_a_session_unused_past_the_idle_time_is_over(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        secret = client.cookies[COOKIE]
        token_hash = hashlib.sha256(secret.encode()).hexdigest()
        now = datetime.now(UTC)
        row = WebSession.token_hash == token_hash
        stack.execute(
            update(WebSession).where(row).values(last_seen_at=now - timedelta(seconds=590))
        )
        assert client.get("/app/jobs").status_code == 200  # in time: the idle clock restarts
        assert aware(session_row(stack, secret)[2]) > now - timedelta(seconds=60)
        stack.execute(
            update(WebSession).where(row).values(last_seen_at=now - timedelta(seconds=610))
        )
        idle = client.get("/app/jobs")
    assert (idle.status_code, idle.headers["location"]) == (303, "/login")


def test_a_session_ends_at_its_absolute_lifetime_however_busy(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        secret = client.cookies[COOKIE]
        _, created, _, expires, _ = session_row(stack, secret)
        assert aware(expires) - aware(created) == timedelta(seconds=LIFETIME_SECONDS)
        token_hash = hashlib.sha256(secret.encode()).hexdigest()
        stack.execute(
            update(WebSession)
            .where(WebSession.token_hash == token_hash)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        over = client.get("/app/jobs")
    assert over.status_code == 303


def test_sign_out_is_refused_without_the_token_or_from_another_site(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        token = csrf_token(client.get("/app/jobs"))
        refusals = [
            client.post("/logout", data={}),
            client.post("/logout", data={"csrf_token": "1.forged"}),
            client.post(
                "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
            ),
            client.post(
                "/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
            ),
        ]
        still_in = client.get("/app/jobs")
        by_header = client.post("/logout", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    for refused in refusals:
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert "<style" not in refused.text  # the app's own layout, under its policy
    assert "sent from another site" in refusals[2].text
    assert "CSRF token required" in refusals[0].text
    assert still_in.status_code == 200
    assert by_header.status_code == 303


def test_another_sessions_token_does_not_sign_this_one_out(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as other:
        sign_in(other, tenant.owner_email)
        foreign_token = csrf_token(other.get("/app/jobs"))
        with browser(stack) as client:
            sign_in(client, tenant.owner_email)
            refused = client.post("/logout", data={"csrf_token": foreign_token})
            assert refused.status_code == 403
            assert client.get("/app/jobs").status_code == 200


def test_sign_in_from_another_site_is_refused(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        same_site = sign_in(client, tenant.owner_email)
        foreign = client.post(
            "/login",
            data={"email": tenant.owner_email, "password": PASSWORD},
            headers={"Origin": "https://evil.example"},
        )
    assert same_site.status_code == 303
    assert foreign.status_code == 403
    assert COOKIE not in foreign.cookies


def test_the_page_asked_for_opens_after_sign_in_and_only_local_pages(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        asked = client.get("/app/jobs", params={"q": "boiler"})
        assert asked.status_code == 303
        location = asked.headers["location"]
        assert location.startswith("/login?next=")
        wanted = unquote(location.removeprefix("/login?next="))
        assert wanted == "/app/jobs?q=boiler"
        form = client.get(location)
        assert f'name="next" value="{wanted}"' in unescape(form.text)
        landed = sign_in(client, tenant.owner_email, next=wanted)
        assert landed.headers["location"] == "/app/jobs?q=boiler"
        for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "jobs"):
            away = sign_in(client, tenant.owner_email, next=elsewhere)
            assert away.headers["location"] == "/app/jobs", elsewhere
            signed_in_form = client.get("/login", params={"next": elsewhere})
            assert signed_in_form.headers["location"] == "/app/jobs"


def test_the_web_app_deeplink_opens_after_sign_in(stack: Stack, tenant: Tenant) -> None:
    _, job = stack.new_job_ids(tenant, "Roof survey 9182")
    path = f"/app/{tenant.company_uuid}/jobs/{job}"
    with browser(stack) as client:
        anonymous = client.get(path)
        assert anonymous.status_code == 401
        assert f'name="next" value="{path}"' in anonymous.text
        assert "Roof survey 9182" not in anonymous.text
        landed = sign_in(client, tenant.owner_email, next=path)
        assert landed.headers["location"] == path
        opened = client.get(path)
    assert opened.status_code == 200
    assert "Roof survey 9182" in opened.text


def test_a_contractor_sees_only_their_own_jobs(stack: Stack) -> None:
    company = stack.new_tenant("Contracted Ltd")
    contractor = stack.new_colleague(company, role="contractor")
    with_password(stack, contractor.owner_email)
    [contractor_id] = stack.scalars(select(User.id).where(User.email == contractor.owner_email))
    theirs, _ = stack.new_job_ids(company, "Fence repair 5521")
    stack.new_job_ids(company, "Kitchen refit 5522")
    stack.execute(update(Job).where(Job.id == theirs).values(contractor_id=contractor_id))
    with browser(stack) as client:
        sign_in(client, contractor.owner_email)
        listing = client.get("/app/jobs")
    assert "Fence repair 5521" in listing.text
    assert "Kitchen refit 5522" not in listing.text
    assert "1 job</p>" in listing.text
    # Nor are they offered the company's other contractors to filter by.
    assert 'name="assignee"' not in listing.text


def test_the_office_filters_the_jobs_by_who_they_are_assigned_to(stack: Stack) -> None:
    company = stack.new_tenant("Assigned Ltd")
    with_password(stack, company.owner_email)
    contractor = stack.new_colleague(company, role="contractor")
    [contractor_id] = stack.scalars(select(User.id).where(User.email == contractor.owner_email))
    theirs, _ = stack.new_job_ids(company, "Gate repair 5531")
    stack.new_job_ids(company, "Loft insulation 5532")
    stack.execute(update(Job).where(Job.id == theirs).values(contractor_id=contractor_id))
    with browser(stack) as client:
        sign_in(client, company.owner_email)
        listing = client.get("/app/jobs")
        filtered = client.get("/app/jobs", params={"assignee": str(contractor_id)})
        unknown = client.get("/app/jobs", params={"assignee": "x"})
    assert f'<option value="{contractor_id}">' in listing.text
    assert "Gate repair 5531" in filtered.text
    assert "Loft insulation 5532" not in filtered.text
    assert "1 job</p>" in filtered.text
    assert unknown.status_code == 400


def test_the_jobs_list_searches_counts_and_puts_pinned_jobs_first(stack: Stack) -> None:
    company = stack.new_tenant("Pinned Ltd")
    with_password(stack, company.owner_email)
    pinned, _ = stack.new_job_ids(company, "Damp survey 7001")
    stack.new_job_ids(company, "Damp proofing 7002")
    stack.new_job_ids(company, "Window fitting 7003")
    [owner_id] = stack.scalars(select(User.id).where(User.email == company.owner_email))
    stack.execute(
        insert(JobPin).values(user_id=owner_id, job_id=pinned, created_at=datetime.now(UTC))
    )
    with browser(stack) as client:
        sign_in(client, company.owner_email)
        listing = client.get("/app/jobs")
        found = client.get("/app/jobs", params={"q": "damp"})
        partial = client.get(
            "/app/jobs",
            params={"q": "window"},
            headers={"HX-Request": "true", "HX-Target": "job-results"},
        )
    titles = re.findall(r"(Damp survey 7001|Damp proofing 7002|Window fitting 7003)", listing.text)
    # Pinned first, then newest first.
    assert titles == ["Damp survey 7001", "Window fitting 7003", "Damp proofing 7002"]
    assert "3 jobs" in listing.text
    assert "0 photos · 0 documents" in listing.text
    assert 'aria-label="Pinned"' in listing.text
    assert "2 jobs matching" in found.text
    assert "Window fitting 7003" not in found.text
    assert partial.text.lstrip().startswith('<section id="job-results"')
    assert "<html" not in partial.text
    assert "Window fitting 7003" in partial.text
    assert "Damp survey 7001" not in partial.text


def test_a_page_of_the_list_below_one_is_a_clear_error(stack: Stack, tenant: Tenant) -> None:
    with browser(stack) as client:
        sign_in(client, tenant.owner_email)
        bad = client.get("/app/jobs", params={"page": "0"})
        worse = client.get("/app/jobs", params={"page": "x"})
    assert (bad.status_code, worse.status_code) == (400, 400)
    assert bad.headers["content-type"].startswith("text/html")


def test_an_htmx_request_signed_out_moves_the_whole_page_to_sign_in(stack: Stack) -> None:
    with browser(stack) as client:
        response = client.get("/app/jobs", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login"


def test_pages_carry_a_strict_content_security_policy_and_no_inline_code(
    stack: Stack, tenant: Tenant
) -> None:
    with browser(stack) as client:
        pages = [client.get("/login")]
        sign_in(client, tenant.owner_email)
        pages.append(client.get("/app/jobs"))
    for page in pages:
        policy = page.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["default-src"] == "'none'"
        assert "unsafe" not in policy
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None
        assert "<style" not in page.text
        assert " style=" not in page.text
        assert re.search(r"\son[a-z]+=", page.text) is None


def test_the_static_files_are_served_and_nothing_outside_them(stack: Stack) -> None:
    with browser(stack) as client:
        htmx = client.get("/static/vendor/htmx.org/htmx.min.js")
        script = client.get("/static/app.js")
        escape = client.get("/static/..%2F..%2Fconfig.py")
        missing = client.get("/static/nothing.js")
    assert (htmx.status_code, htmx.headers["content-type"]) == (
        200,
        "text/javascript; charset=utf-8",
    )
    assert 'version:"2.0.' in htmx.text
    assert "htmx:configRequest" in script.text
    assert "X-CSRF-Token" in script.text
    assert (escape.status_code, missing.status_code) == (404, 404)


def test_the_jobs_list_filters_by_status_priority_and_photos(stack: Stack) -> None:
    company = stack.new_tenant("Filtered Ltd")
    with_password(stack, company.owner_email)
    first, _ = stack.new_job_ids(company, "Boiler repair 6001")
    stack.new_job_ids(company, "Boiler service 6002")
    statuses = stack.rows(
        select(JobStatus.id, JobStatus.name)
        .where(JobStatus.company_id == company.company_id)
        .order_by(JobStatus.sort_order)
    )
    [(priority, priority_name), *_] = stack.rows(
        select(JobPriority.id, JobPriority.name).where(JobPriority.company_id == company.company_id)
    )
    [initial] = stack.scalars(select(Job.status_id).where(Job.id == first))
    started = next(row for row in statuses if row[0] != initial)
    stack.execute(
        update(Job).where(Job.id == first).values(status_id=started[0], priority_id=priority)
    )
    with browser(stack) as client:
        sign_in(client, company.owner_email)
        page = client.get("/app/jobs")
        by_status = client.get("/app/jobs", params={"status": started[0]})
        by_priority = client.get("/app/jobs", params={"priority": priority, "page": 1})
        with_photos = client.get("/app/jobs", params={"photos": "with"})
        without = client.get("/app/jobs", params={"photos": "without"})
        unknown = client.get("/app/jobs", params={"status": 2**40})
        wrong = client.get("/app/jobs", params={"status": "open"})
    assert f'<option value="{started[0]}">{started[1]}</option>' in page.text
    assert f">{priority_name}</option>" in page.text
    assert '<label for="job-status">Status</label>' in page.text
    assert "Boiler repair 6001" in by_status.text
    assert "Boiler service 6002" not in by_status.text
    assert "selected>" in by_status.text
    assert "Boiler repair 6001" in by_priority.text
    assert "Boiler service 6002" not in by_priority.text
    assert "0 jobs" in with_photos.text
    assert "2 jobs" in without.text
    assert "0 jobs" in unknown.text
    assert wrong.status_code == 400


def test_a_users_ended_sessions_are_cleared_at_their_next_sign_in(stack: Stack) -> None:
    company = stack.new_tenant("Tidy Ltd")
    with_password(stack, company.owner_email)
    with browser(stack) as client:
        sign_in(client, company.owner_email)
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/app/jobs"))})
        sign_in(client, company.owner_email)
        sign_in(client, company.owner_email)
        live = client.cookies[COOKIE]
    [owner_id] = stack.scalars(select(User.id).where(User.email == company.owner_email))
    kept = stack.rows(
        select(WebSession.token_hash, WebSession.revoked_at).where(WebSession.user_id == owner_id)
    )
    # The signed-out one is gone; the one this sign-in replaced stays, ended, until the next.
    assert len(kept) == 2
    assert (hashlib.sha256(live.encode()).hexdigest(), None) in kept
