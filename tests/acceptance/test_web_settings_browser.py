"""Company settings in a real browser: an owner adds a person; a contractor sees no settings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select

from jobshots.core.users import service as users
from jobshots.db.models import User
from tests.support.browser import chromium, serious_violations, shoot
from tests.support.stack import Stack, Tenant

pytestmark = pytest.mark.acceptance

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own."""
    with chromium() as launched:
        yield launched


def _with_password(stack: Stack, email: str) -> None:
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        users.set_password(uow, user, PASSWORD)


@pytest.fixture(scope="module")
def owner(single_stack: Stack) -> Tenant:
    """A company whose owner can sign in."""
    tenant = single_stack.new_tenant("Settings in Browser Ltd")
    _with_password(single_stack, tenant.owner_email)
    return tenant


@pytest.fixture(scope="module")
def contractor(single_stack: Stack, owner: Tenant) -> str:
    """A contractor of the same company who can sign in."""
    email = single_stack.new_colleague(owner, "contractor").owner_email
    _with_password(single_stack, email)
    return email


@pytest.fixture(params=[390, 1440], ids=["phone", "desktop"])
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh, signed-out tab at a phone's and a desktop's width."""
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    yield context.new_page()
    context.close()


def watched(page: Page) -> list[str]:
    """The console's errors and policy reports from now on."""
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", noted)
    return problems


def sign_in(page: Page, stack: Stack, email: str) -> None:
    page.goto(f"{stack.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/jobs$"))


def test_an_owner_opens_settings_from_the_nav_and_adds_a_person(
    single_stack: Stack, owner: Tenant, page: Page, tmp_path: Path
) -> None:
    problems = watched(page)
    sign_in(page, single_stack, owner.owner_email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/app/settings/people$"))
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()

    email = f"foreman-{uuid.uuid4().hex[:6]}@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Fran")
    page.get_by_label("Last name").fill("Foreman")
    page.get_by_label("Role", exact=True).select_option("manager")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="Temporary password for Fran Foreman")).to_be_visible()
    password = page.get_by_role("textbox", name="Temporary password").input_value()
    assert len(password) >= 16
    row = page.locator(f'li[data-email="{email}"]')
    expect(row).to_contain_text("Manager · Active")
    shoot(page, "settings-people", tmp_path)
    assert serious_violations(page) == []

    # Deactivating asks first; the row then says so and offers to reactivate.
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate Fran Foreman").click()
    expect(row).to_contain_text("Manager · Deactivated")
    expect(row.get_by_role("button", name="Reactivate Fran Foreman")).to_be_visible()

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Key name").fill("Site tablet")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("textbox", name="API key", exact=True)).to_have_value(
        re.compile(r"^jsk_")
    )
    shoot(page, "settings-keys", tmp_path)
    assert serious_violations(page) == []

    page.get_by_role("link", name="Reference data").click()
    expect(page.get_by_role("heading", name="Job statuses")).to_be_visible()
    shoot(page, "settings-reference", tmp_path)
    assert serious_violations(page) == []
    assert problems == []


def test_a_contractor_sees_no_settings_link_and_is_refused_the_page(
    single_stack: Stack, contractor: str, page: Page
) -> None:
    sign_in(page, single_stack, contractor)
    expect(page.get_by_role("link", name="Jobs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    answer = page.goto(f"{single_stack.url}/app/settings/people")
    assert answer is not None
    assert answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
