"""Legal hold, deleted photos and retention in the web app, on a real server: a manager holds a
job with a reason and sees the banner, releases it, restores a deleted photo, and sets how long
deleted photos' files are kept; pages pass axe under their real policy."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select

from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Company, Job, Photo, User
from tests.support import images
from tests.support.browser import chromium, serious_violations
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import PASSWORD, csrf_token, signed_in

pytestmark = pytest.mark.acceptance
REASON = "Insurance claim 88-231: water damage disputed"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-hold-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def office(stack: Stack) -> Tenant:
    """A company whose owner can sign in."""
    tenant = stack.new_tenant("Hold Fast Roofing")
    with stack.server.core.uow() as uow:
        owner = uow.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        users.set_password(uow, owner, PASSWORD)
    return tenant


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A desktop tab, and the console errors and policy reports it saw."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} at {message.location.get('url')}")

    tab.on("console", noted)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab, problems
    context.close()


def _sign_in(page: Page, stack: Stack, email: str) -> None:
    page.goto(f"{stack.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/jobs$"))


def _job_page(stack: Stack, tenant: Tenant, job: str) -> str:
    return f"{stack.url}/app/{tenant.company_uuid}/jobs/{job}"


def _actions(stack: Stack, job: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.entity_uuid == job).order_by(AuditEvent.id)
    return stack.scalars(query)


def _held(stack: Stack, job: str) -> list[tuple[object, ...]]:
    query = select(Job.legal_hold_at, Job.legal_hold_reason).where(Job.uuid == uuid.UUID(job))
    return stack.rows(query)


def test_a_manager_holds_a_job_sees_the_banner_and_releases_it(
    stack: Stack, office: Tenant, page: tuple[Page, list[str]]
) -> None:
    tab, problems = page
    job = stack.new_job(office, "Flat roof 5120")
    _sign_in(tab, stack, office.owner_email)
    tab.goto(_job_page(stack, office, job))
    expect(tab.get_by_role("heading", name="Legal hold")).to_be_visible()
    tab.get_by_label("Reason").fill(REASON)
    tab.get_by_role("button", name="Place legal hold").click()

    banner = tab.locator("#legal-hold[role=status]")
    expect(banner).to_contain_text("On legal hold")
    expect(banner).to_contain_text(REASON)
    expect(banner).to_contain_text("Olive Owner")
    expect(banner.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    expect(tab.get_by_role("button", name="Place legal hold")).to_have_count(0)
    assert serious_violations(tab) == []
    [(held_at, reason)] = _held(stack, job)
    assert held_at is not None
    assert reason == REASON

    tab.get_by_role("button", name="Release hold").click()
    expect(tab.locator("#legal-hold[role=status]")).to_have_count(0)
    expect(tab.get_by_role("button", name="Place legal hold")).to_be_visible()
    assert _held(stack, job) == [(None, None)]
    assert [a for a in _actions(stack, job) if a.startswith("job.")] == [
        "job.created", "job.held", "job.released",
    ]  # fmt: skip
    assert problems == []


def test_a_deleted_photo_is_listed_for_a_manager_and_restored(
    stack: Stack, office: Tenant, page: tuple[Page, list[str]]
) -> None:
    tab, problems = page
    job = stack.new_job(office, "Gutter 5121")
    photo = stack.upload(office, job, "gutter.jpg", images.jpeg(colour="blue"))
    stack.settle()
    with stack.client() as client:
        gone = client.delete(f"/api/v1/jobs/{job}/photos/{photo}", headers=office.auth)
        assert gone.status_code == 200, gone.text
    _sign_in(tab, stack, office.owner_email)
    tab.goto(_job_page(stack, office, job))
    deleted = tab.locator("#deleted-photos")
    expect(deleted.get_by_role("heading", name=re.compile("Deleted photos"))).to_be_visible()
    expect(deleted).to_contain_text("gutter.jpg")
    expect(deleted).to_contain_text("Olive Owner")
    expect(deleted.get_by_role("img", name=re.compile("Deleted photo"))).to_be_visible()
    expect(tab.locator("#photos-heading .count")).to_have_text("0")
    assert serious_violations(tab) == []

    deleted.get_by_role("button", name="Restore gutter.jpg").click()
    expect(tab.locator("#deleted-photos")).to_have_count(0)
    expect(tab.locator("#photos-heading .count")).to_have_text("1")
    assert stack.scalars(select(Photo.deleted_at).where(Photo.uuid == uuid.UUID(photo))) == [None]
    assert _actions(stack, photo)[-1] == "photo.restored"
    assert problems == []


def test_a_hold_needs_a_reason_and_a_manager(stack: Stack, office: Tenant) -> None:
    job = stack.new_job(office, "Porch 5122")
    staff = stack.new_colleague(office, "staff")
    with signed_in(stack, office.owner_email) as client:
        token = csrf_token(client.get(f"/app/{office.company_uuid}/jobs/{job}").text)
        blank = client.post(f"/app/jobs/{job}/hold", data={"reason": "  ", "csrf_token": token})
        unsigned = client.post(f"/app/jobs/{job}/hold", data={"reason": REASON})
    assert blank.status_code == 400
    assert "reason must be provided" in blank.text
    assert unsigned.status_code == 403
    with signed_in(stack, staff.owner_email) as client:
        shown = client.get(f"/app/{office.company_uuid}/jobs/{job}").text
        assert "Place legal hold" not in shown
        token = csrf_token(shown)
        refused = client.post(f"/app/jobs/{job}/hold", data={"reason": REASON, "csrf_token": token})
    assert refused.status_code == 403
    assert _held(stack, job) == [(None, None)]


def test_the_retention_period_is_saved_in_settings(stack: Stack, office: Tenant) -> None:
    def kept() -> object:
        query = select(Company.retention_days).where(Company.id == office.company_id)
        return stack.scalars(query)[0]

    with signed_in(stack, office.owner_email) as client:
        plan = client.get("/app/settings/plan")
        assert 'name="retention_days"' in plan.text
        token = csrf_token(plan.text)
        saved = client.post(
            "/app/settings/plan/retention", data={"retention_days": "90", "csrf_token": token}
        )
        assert saved.status_code == 303
        assert kept() == 90
        shown = client.get(saved.headers["location"]).text
        assert 'value="90"' in shown
        assert "Saved." in shown
        wrong = client.post(
            "/app/settings/plan/retention", data={"retention_days": "ninety", "csrf_token": token}
        )
        assert wrong.status_code == 400
        assert "retention_days must be a whole number of days" in wrong.text
        assert kept() == 90
        forever = client.post(
            "/app/settings/plan/retention", data={"retention_days": "", "csrf_token": token}
        )
        assert forever.status_code == 303
    assert kept() is None
    changes = select(AuditEvent.data).where(AuditEvent.action == "company.retention_changed")
    assert stack.scalars(changes) == [{"before": None, "after": 90}, {"before": 90, "after": None}]
