"""Creating a job through the New job form, and e-mailing photos to the customer, in a real
browser at a phone's width."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select

from jobshots.core.users import service as users
from jobshots.db.models import Job, JobPriority, PropertyAddress, User
from tests.support.browser import chromium, serious_violations, shoot
from tests.support.images import jpeg
from tests.support.smtp import SmtpServer, smtp_server
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import PASSWORD

pytestmark = pytest.mark.acceptance

PHONE = 390


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, the system's own."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """The customer's side: a real SMTP server the e-mailed photos arrive at."""
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def single_stack(smtp: SmtpServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """This module's one server (SQLite, local storage), sending its mail to `smtp`."""
    tmp = tmp_path_factory.mktemp("form-browser")
    env = {"JOBSHOTS_SMTP_URL": smtp.url}
    with running_stack("sqlite", "local", tmp, None, env) as running:
        yield running


@pytest.fixture(scope="module")
def owner(single_stack: Stack) -> Tenant:
    """A company whose owner can sign in."""
    tenant = single_stack.new_tenant("Phone Form Builders")
    with single_stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == tenant.owner_email)).one()
        users.set_password(uow, user, PASSWORD)
    return tenant


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh, signed-out tab at a phone's width."""
    context = browser.new_context(viewport={"width": PHONE, "height": 844})
    yield context.new_page()
    context.close()


def test_a_job_is_created_through_the_form_on_a_phone(
    single_stack: Stack, owner: Tenant, page: Page, tmp_path: Path
) -> None:
    problems: list[str] = []

    def noted(message: ConsoleMessage) -> None:
        if "status of 422" in message.text:
            return  # the refused form itself, answered as it should be
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", noted)
    page.goto(f"{single_stack.url}/login")
    page.get_by_label("Email").fill(owner.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/jobs$"))
    page.get_by_role("link", name="New job").click()
    expect(page.get_by_role("heading", name="New job")).to_be_visible()
    expect(page.get_by_label("Title")).to_be_focused()

    # The typed address shows only once "A new address" is chosen (CSS alone, no script).
    expect(page.get_by_label("Address line 1")).to_be_hidden()
    page.get_by_label("Property").select_option(label="A new address (type it below)")
    expect(page.get_by_label("Address line 1")).to_be_visible()
    page.get_by_label("Address line 1").fill("7 Harbour Street")
    page.get_by_label("Town or city").fill("Whitby")
    page.get_by_label("Postcode").fill("YO21 3PU")
    page.get_by_label("Priority").select_option(label="Emergency")
    page.get_by_label("Start date").fill("2026-06-01")
    page.get_by_label("Completion date").fill("2026-05-01")
    page.get_by_role("button", name="Create job").click()

    # Nothing is lost to a mistake: the title is missing and the dates are the wrong way round.
    expect(page.get_by_role("alert")).to_contain_text("The job was not saved")
    expect(page.get_by_text("Title must be provided.")).to_be_visible()
    expect(page.get_by_text("Completion date must not be before the start date.")).to_be_visible()
    expect(page.get_by_label("Address line 1")).to_have_value("7 Harbour Street")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the form is {width}px wide on a {PHONE}px phone"
    shoot(page, "job-form-errors", tmp_path)
    assert serious_violations(page) == []
    assert problems == []

    page.get_by_label("Title").fill("Sea wall railing")
    page.get_by_label("Completion date").fill("2026-06-12")
    page.get_by_role("button", name="Create job").click()
    expect(page).to_have_url(re.compile(rf"/app/{owner.company_uuid}/jobs/[0-9a-f-]{{36}}$"))

    job_uuid = uuid.UUID(page.url.rsplit("/", 1)[1])
    [(title, priority, line1)] = single_stack.rows(
        select(Job.title, JobPriority.name, PropertyAddress.line1)
        .join(JobPriority, Job.priority_id == JobPriority.id)
        .join(PropertyAddress, Job.address_id == PropertyAddress.id)
        .where(Job.uuid == job_uuid)
    )
    assert (title, priority, line1) == ("Sea wall railing", "Emergency", "7 Harbour Street")


def test_photos_are_chosen_and_emailed_on_a_phone(
    single_stack: Stack, owner: Tenant, page: Page, smtp: SmtpServer, tmp_path: Path
) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    job = single_stack.new_job(owner, "Garden wall")
    for n in range(3):
        single_stack.upload(owner, job, f"wall-{n}.jpg", jpeg(640, 480, "brown"))
    single_stack.settle()
    page.goto(f"{single_stack.url}/login")
    page.get_by_label("Email").fill(owner.owner_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{single_stack.url}/app/jobs/{job}/email")
    expect(page.get_by_role("heading", name="Email photos to the customer")).to_be_visible()
    pictures = page.locator(".photo-choices img")
    expect(pictures).to_have_count(3)
    for index in range(3):
        expect(pictures.nth(index)).to_have_attribute("alt", re.compile(r"\S"))
        # Each thumbnail really loads under the page's policy; they are lazy, so on a busy
        # machine they finish after the page's load event.
        picture = pictures.nth(index).element_handle()
        page.wait_for_function("img => img.complete", arg=picture)
        assert picture.evaluate("img => img.naturalWidth > 0"), f"thumbnail {index} is broken"
    boxes = page.get_by_role("checkbox")
    boxes.nth(0).check()
    boxes.nth(2).focus()
    page.keyboard.press("Space")
    expect(boxes.nth(2)).to_be_checked()
    page.get_by_label("Customer's email").fill("sam@home.example")
    page.get_by_label("Message").fill("The wall is repointed.")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width}px wide on a {PHONE}px phone"
    shoot(page, "email-photos", tmp_path)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Send photos").click()
    expect(page.get_by_role("status")).to_contain_text("2 photos on the way to the customer")
    assert problems == []
    [received] = smtp.wait_for(1)
    assert received.recipients == ("sam@home.example",)
