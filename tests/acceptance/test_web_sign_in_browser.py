"""Sign-in and the jobs list in a real browser, under the pages' strict Content-Security-Policy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select

from jobshots.core.users import service as users
from jobshots.db.models import User
from tests.support.browser import chromium, shoot
from tests.support.stack import Stack, Tenant
from tests.support.web import PASSWORD

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def owner(single_stack: Stack) -> Tenant:
    """A company with three jobs whose owner can sign in."""
    tenant = single_stack.new_tenant("Browser Builders")
    with single_stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        users.set_password(uow, user, PASSWORD)
    for title in ("Damp survey 8101", "Damp proofing 8102", "Window fitting 8103"):
        single_stack.new_job_ids(tenant, title)
    return tenant


@pytest.fixture(params=[390, 1440], ids=["phone", "desktop"])
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh, signed-out tab at a phone's and a desktop's width."""
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    yield context.new_page()
    context.close()


def test_sign_in_search_and_sign_out_work_under_the_policy(
    single_stack: Stack, owner: Tenant, page: Page, tmp_path: Path
) -> None:
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", noted)
    page.goto(f"{single_stack.url}/app/jobs")
    expect(page).to_have_url(re.compile(r"/login$"))

    shoot(page, "login", tmp_path)
    # Focus starts in the Email field; the keyboard goes on to Password, then Sign in.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(owner.owner_email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/app/jobs$"))
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(page.locator("#job-count")).to_have_text("3 jobs")
    shoot(page, "jobs", tmp_path)

    # The search swaps its results in place (htmx, loaded under the policy), no page load.
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_request(re.compile(r"/app/jobs\?q=damp")) as searched:
        page.get_by_label("Search jobs").fill("damp")
    assert searched.value.headers.get("x-csrf-token"), "the htmx listener adds the CSRF header"
    expect(page.locator("#job-count")).to_contain_text("2 jobs matching")
    expect(page.get_by_text("Window fitting 8103")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"q=damp"))
    page.get_by_label("Photos").select_option("with")
    expect(page.locator("#job-count")).to_have_text("0 jobs matching “damp”")
    expect(page).to_have_url(re.compile(r"photos=with"))

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{single_stack.url}/app/jobs")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert problems == []
