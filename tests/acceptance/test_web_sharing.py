"""The web app's sharing panel (the job's public report link), on a real server over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import httpx
import pytest
from sqlalchemy import select, update

from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Job, User
from tests.support.stack import Stack, Tenant, running_stack

PASSWORD = "correct horse battery staple"
MISSING = "00000000-0000-0000-0000-000000000000"
HTMX = {"HX-Request": "true", "HX-Target": "share-panel"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-sharing-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


@pytest.fixture(scope="module")
def owner(stack: Stack) -> Tenant:
    """A company whose people sign in to the web app."""
    return stack.new_tenant("Share Roofing")


@contextmanager
def signed_in(stack: Stack, email: str) -> Iterator[httpx.Client]:
    """A browser signed in as the user with that e-mail."""
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        users.set_password(uow, user, PASSWORD)
    with httpx.Client(base_url=stack.url, timeout=30, headers={"Origin": stack.url}) as client:
        made = client.post("/login", data={"email": email, "password": PASSWORD})
        assert made.status_code == 303, made.text
        yield client


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
        r'<meta name="csrf-token" content="([^"]+)">', page.text
    )
    assert found, page.text
    return found.group(1)


def shown_link(panel: httpx.Response) -> str | None:
    """The report link the panel shows in its labelled text box, if any."""
    assert '<section class="share-panel" id="share-panel"' in panel.text, panel.text
    found = re.search(r'<input id="share-link"[^>]* value="([^"]+)"', panel.text)
    if found is None:
        assert "No link." in panel.text
        return None
    assert '<label for="share-link">Public report link</label>' in panel.text
    return unescape(found.group(1))


def buttons(panel: httpx.Response) -> list[str]:
    return re.findall(r"<button[^>]*>([^<]+)</button>", panel.text)


def opened_signed_out(stack: Stack, link: str) -> httpx.Response:
    assert link.startswith(stack.url + "/r/"), link
    return httpx.get(link, timeout=30)


def actions(stack: Stack, job: str) -> list[str]:
    query = (
        select(AuditEvent.action)
        .where(AuditEvent.entity_uuid == job, AuditEvent.action.like("report.%"))
        .order_by(AuditEvent.id)
    )
    return [str(action) for action in stack.scalars(query)]


def test_a_link_is_created_opens_signed_out_is_reissued_and_revoked(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Chimney repointing")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert panel.status_code == 200, panel.text
        assert shown_link(panel) is None
        assert buttons(panel) == ["Create link"]
        token = csrf_token(panel)
        base = f"/app/jobs/{job}/share"
        created = browser.post(f"{base}/create", data={"csrf_token": token}, headers=HTMX)
        first = shown_link(created)
        assert first is not None
        assert buttons(created) == ["Re-issue link", "Revoke link"]
        # A second press keeps the link already given out.
        again = browser.post(f"{base}/create", data={"csrf_token": token}, headers=HTMX)
        assert shown_link(again) == first
        report = opened_signed_out(stack, first)
        assert report.status_code == 200
        assert "Chimney repointing" in report.text
        reissued = browser.post(f"{base}/reissue", data={"csrf_token": token}, headers=HTMX)
        second = shown_link(reissued)
        assert second is not None
        assert second != first
        assert opened_signed_out(stack, first).status_code == 404
        assert opened_signed_out(stack, second).status_code == 200
        revoked = browser.post(f"{base}/revoke", data={"csrf_token": token}, headers=HTMX)
        assert shown_link(revoked) is None
        assert buttons(revoked) == ["Create link"]
        assert shown_link(browser.get(base)) is None
    assert opened_signed_out(stack, second).status_code == 404
    assert actions(stack, job) == [
        "report.created", "report.viewed", "report.reissued", "report.viewed", "report.revoked"
    ]  # fmt: skip


def test_each_button_is_a_form_that_works_without_script(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Porch roof")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        form = re.search(r'<form method="post" action="([^"]+)" hx-post="([^"]+)"', panel.text)
        assert form, panel.text
        assert form.group(1) == form.group(2) == f"/app/jobs/{job}/share/create"
        assert 'hx-target="#share-panel" hx-swap="outerHTML"' in panel.text
        made = browser.post(form.group(1), data={"csrf_token": csrf_token(panel)})
        assert made.status_code == 303
        assert made.headers["location"].endswith(f"/app/{owner.company_uuid}/jobs/{job}")
        assert shown_link(browser.get(f"/app/jobs/{job}/share")) is not None


def test_a_viewer_sees_the_link_but_no_buttons_and_is_refused(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Skylight")
    viewer = stack.new_colleague(owner, "viewer")
    with signed_in(stack, viewer.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert shown_link(panel) is None
        assert buttons(panel) == []
        token = csrf_token(browser.get("/app/jobs"))
        for action in ("create", "reissue", "revoke"):
            refused = browser.post(
                f"/app/jobs/{job}/share/{action}", data={"csrf_token": token}, headers=HTMX
            )
            assert refused.status_code == 403, (action, refused.text)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]
    assert actions(stack, job) == []


def test_without_the_sessions_token_nothing_changes(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Flashing")
    with signed_in(stack, owner.owner_email) as browser:
        tokenless = browser.post(f"/app/jobs/{job}/share/create", headers=HTMX)
        forged = browser.post(
            f"/app/jobs/{job}/share/create", data={"csrf_token": "1.forged"}, headers=HTMX
        )
    assert (tokenless.status_code, forged.status_code) == (403, 403)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]


def test_the_panel_says_when_the_reports_add_on_is_off(stack: Stack) -> None:
    owner = stack.new_tenant("No Reports Roofing")
    stack.execute(update(Company).where(Company.id == owner.company_id).values(addons=["photos"]))
    job = stack.new_job(owner, "Ridge tiles")
    with signed_in(stack, owner.owner_email) as browser:
        panel = browser.get(f"/app/jobs/{job}/share")
        assert "reports add-on is off" in unescape(panel.text)
        made = browser.post(
            f"/app/jobs/{job}/share/create", data={"csrf_token": csrf_token(panel)}, headers=HTMX
        )
    link = shown_link(made)
    assert link is not None
    assert "reports add-on is off" in unescape(made.text)
    assert opened_signed_out(stack, link).status_code == 404


def test_another_companys_job_answers_exactly_like_a_missing_one(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Private roof")
    rival = stack.new_tenant("Rival Roofing")
    with signed_in(stack, rival.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs"))
        foreign = browser.get(f"/app/jobs/{job}/share")
        missing = browser.get(f"/app/jobs/{MISSING}/share")
        foreign_post = browser.post(f"/app/jobs/{job}/share/create", data={"csrf_token": token})
        missing_post = browser.post(f"/app/jobs/{MISSING}/share/create", data={"csrf_token": token})
    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.text == missing.text
    assert (foreign_post.status_code, foreign_post.text) == (404, missing_post.text)
    assert stack.scalars(select(Job.report_token).where(Job.uuid == uuid.UUID(job))) == [None]
