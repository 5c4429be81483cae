"""The web app's new-job form and job editing, on a real server over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from html import unescape
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import func, select

from jobshots.core.reference import service as reference
from jobshots.core.users import service as users
from jobshots.db.models import AuditEvent, Job, JobPriority, JobStatus, PropertyAddress, User
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-job-form-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


@pytest.fixture(scope="module")
def owner(stack: Stack) -> Tenant:
    """A company whose people sign in to the web app."""
    return stack.new_tenant("Form Plumbing")


def option_id(stack: Stack, model: type[JobStatus | JobPriority], owner: Tenant, name: str) -> int:
    [found] = stack.scalars(
        select(model.id).where(model.company_id == owner.company_id, model.name == name)
    )
    return int(found)


def user_id(stack: Stack, email: str) -> int:
    [found] = stack.scalars(select(User.id).where(User.email == email))
    return int(found)


def jobs_of(stack: Stack, owner: Tenant) -> int:
    [count] = stack.scalars(select(func.count(Job.id)).where(Job.company_id == owner.company_id))
    return int(count)


def addresses_of(stack: Stack, owner: Tenant) -> int:
    query = select(func.count(PropertyAddress.id)).where(
        PropertyAddress.company_id == owner.company_id
    )
    return int(stack.scalars(query)[0])


def job_row(stack: Stack, job_uuid: str) -> SimpleNamespace:
    engine_rows = stack.rows(
        select(
            Job.title, Job.description, Job.status_id, Job.priority_id, Job.contractor_id,
            Job.address_id, Job.start_date, Job.completion_date,
        ).where(Job.uuid == uuid.UUID(job_uuid))
    )  # fmt: skip
    [row] = engine_rows
    names = ("title", "description", "status_id", "priority_id", "contractor_id", "address_id",
             "start_date", "completion_date")  # fmt: skip
    return SimpleNamespace(**dict(zip(names, row, strict=True)))


def add_address(stack: Stack, owner: Tenant, line1: str) -> int:
    with stack.server.core.uow() as uow:
        acting = users.acting_as(users.owner_of(uow, owner.company_id))
        made = reference.create(
            uow, acting, "addresses", {"address_line_1": line1, "city": "Leeds"}
        )
    return made.id


def field_tag(page: httpx.Response, name: str) -> str:
    """The opening tag of the form control with that id."""
    found = re.search(rf'<(?:input|select|textarea) id="{name}"[^>]*>', page.text)
    assert found, page.text
    return found.group(0)


def test_a_new_job_is_opened_with_every_field_and_a_typed_address(
    stack: Stack, owner: Tenant
) -> None:
    contractor = stack.new_colleague(owner, "contractor")
    before = addresses_of(stack, owner)
    status = option_id(stack, JobStatus, owner, "Assigned")
    priority = option_id(stack, JobPriority, owner, "Urgent")
    with signed_in(stack, owner.owner_email) as browser:
        form = browser.get("/app/jobs/new")
        assert form.status_code == 200, form.text
        assert 'for="title"' in form.text
        assert 'for="contractor_id"' in form.text
        made = browser.post(
            "/app/jobs/new",
            data={
                "csrf_token": csrf_token(form.text),
                "title": "  Leaking radiator valve ",
                "description": "Kitchen radiator drips when the heating is on.",
                "address_id": "new",
                "address_line_1": "14 Mill Lane",
                "city": "Leeds",
                "postcode": "LS1 4AB",
                "status_id": str(status),
                "priority_id": str(priority),
                "contractor_id": str(user_id(stack, contractor.owner_email)),
                "start_date": "2026-03-02",
                "completion_date": "2026-03-06",
            },
        )
    assert made.status_code == 303, made.text
    found = re.search(
        rf"/app/{owner.company_uuid}/jobs/([0-9a-f-]{{36}})$", made.headers["location"]
    )
    assert found, made.headers["location"]
    job = job_row(stack, found.group(1))
    assert job.title == "Leaking radiator valve"
    assert job.description == "Kitchen radiator drips when the heating is on."
    assert (job.status_id, job.priority_id) == (status, priority)
    assert job.contractor_id == user_id(stack, contractor.owner_email)
    assert (job.start_date, job.completion_date) == (date(2026, 3, 2), date(2026, 3, 6))
    assert addresses_of(stack, owner) == before + 1
    [line1] = stack.scalars(
        select(PropertyAddress.line1).where(PropertyAddress.id == job.address_id)
    )
    assert line1 == "14 Mill Lane"


def test_a_staff_member_opens_a_job_at_a_listed_address_with_the_default_status(
    stack: Stack, owner: Tenant
) -> None:
    staff = stack.new_colleague(owner, "staff")
    address = add_address(stack, owner, "3 Quarry Road")
    with signed_in(stack, staff.owner_email) as browser:
        listing = browser.get("/app/jobs")
        assert 'href="/app/jobs/new"' in listing.text
        form = browser.get("/app/jobs/new")
        assert "3 Quarry Road, Leeds" in form.text
        made = browser.post(
            "/app/jobs/new",
            data={
                "csrf_token": csrf_token(form.text),
                "title": "Gutter clear",
                "address_id": str(address),
            },
        )
    assert made.status_code == 303, made.text
    job = job_row(stack, made.headers["location"].rsplit("/", 1)[1])
    assert job.address_id == address
    assert job.status_id == option_id(stack, JobStatus, owner, "Open")
    assert (job.priority_id, job.contractor_id, job.start_date) == (None, None, None)


def test_a_bad_form_keeps_what_was_typed_says_what_is_wrong_and_opens_nothing(
    stack: Stack, owner: Tenant
) -> None:
    staff = stack.new_colleague(owner, "staff")  # a colleague, but not a contractor
    jobs_before, addresses_before = jobs_of(stack, owner), addresses_of(stack, owner)
    with signed_in(stack, owner.owner_email) as browser:
        form = browser.get("/app/jobs/new")
        refused = browser.post(
            "/app/jobs/new",
            data={
                "csrf_token": csrf_token(form.text),
                "title": "   ",
                "description": "Boiler <b>pressure</b> drops overnight",
                "address_id": "new",
                "address_line_1": "",
                "city": "Bradford",
                "contractor_id": str(user_id(stack, staff.owner_email)),
                "priority_id": "urgent",
                "start_date": "2026-05-10",
                "completion_date": "2026-05-01",
            },
        )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-security-policy"].startswith("default-src 'none'")
    page = unescape(refused.text)
    assert "Title must be provided." in page
    assert "Address line 1 must be provided." in page
    assert "Contractor is not an active contractor." in page
    assert "Priority must be one of the listed options." in page
    assert "Completion date must not be before the start date." in page
    for name in ("title", "address_line_1", "contractor_id", "priority_id", "completion_date"):
        tag = field_tag(refused, name)
        assert 'aria-invalid="true"' in tag, tag
        assert f"{name}-error" in tag, tag
        assert f'id="{name}-error"' in refused.text
    assert 'aria-invalid="true"' not in field_tag(refused, "description")
    # What was typed is still there, escaped, to correct rather than retype.
    assert "Boiler &lt;b&gt;pressure&lt;/b&gt; drops overnight</textarea>" in refused.text
    assert 'value="Bradford"' in field_tag(refused, "city")
    assert 'value="2026-05-10"' in field_tag(refused, "start_date")
    assert '<option value="new" selected>' in refused.text
    assert (jobs_of(stack, owner), addresses_of(stack, owner)) == (jobs_before, addresses_before)


def test_editing_a_job_shows_its_values_and_saves_the_changes(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Fence panel")
    contractor = stack.new_colleague(owner, "contractor")
    completed = option_id(stack, JobStatus, owner, "Completed")
    with signed_in(stack, owner.owner_email) as browser:
        form = browser.get(f"/app/jobs/{job}/edit")
        assert form.status_code == 200, form.text
        assert 'value="Fence panel"' in field_tag(form, "title")
        saved = browser.post(
            f"/app/jobs/{job}/edit",
            data={
                "csrf_token": csrf_token(form.text),
                "title": "Fence panels (three)",
                "description": "Storm damage",
                "status_id": str(completed),
                "contractor_id": str(user_id(stack, contractor.owner_email)),
                "completion_date": "2026-04-01",
            },
        )
        again = browser.get(f"/app/jobs/{job}/edit")
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith(f"/app/{owner.company_uuid}/jobs/{job}")
    row = job_row(stack, job)
    assert (row.title, row.description, row.status_id) == (
        "Fence panels (three)",
        "Storm damage",
        completed,
    )
    assert row.contractor_id == user_id(stack, contractor.owner_email)
    assert row.completion_date == date(2026, 4, 1)
    assert f'<option value="{completed}" selected>' in again.text
    [changes] = stack.scalars(
        select(AuditEvent.data).where(
            AuditEvent.entity_uuid == job, AuditEvent.action == "job.updated"
        )
    )
    assert {c["field"] for c in changes["changes"]} == {
        "title", "description", "status_id", "contractor_id", "completion_date"
    }  # fmt: skip


def test_a_bad_edit_changes_nothing(stack: Stack, owner: Tenant) -> None:
    job = stack.new_job(owner, "Loft hatch")
    with signed_in(stack, owner.owner_email) as browser:
        form = browser.get(f"/app/jobs/{job}/edit")
        refused = browser.post(
            f"/app/jobs/{job}/edit",
            data={
                "csrf_token": csrf_token(form.text),
                "title": "Loft hatch and ladder",
                "start_date": "next tuesday",
                "status_id": "999999",
            },
        )
    assert refused.status_code == 422, refused.text
    page = unescape(refused.text)
    assert "Start date must be a date as YYYY-MM-DD." in page
    assert "Status does not exist." in page
    assert 'value="Loft hatch and ladder"' in field_tag(refused, "title")
    assert job_row(stack, job).title == "Loft hatch"
    updates = stack.scalars(
        select(AuditEvent.id).where(
            AuditEvent.entity_uuid == job, AuditEvent.action == "job.updated"
        )
    )
    assert updates == []


@pytest.mark.parametrize("role", ["viewer", "contractor"])
def test_people_who_may_not_write_jobs_see_no_form_and_are_refused(
    stack: Stack, owner: Tenant, role: str
) -> None:
    person = stack.new_colleague(owner, role)
    job = stack.new_job(owner, f"Roof for a {role}")
    before = jobs_of(stack, owner)
    with signed_in(stack, person.owner_email) as browser:
        listing = browser.get("/app/jobs")
        assert listing.status_code == 200
        assert "/app/jobs/new" not in listing.text
        token = csrf_token(listing.text)
        assert browser.get("/app/jobs/new").status_code == 403
        opened = browser.post("/app/jobs/new", data={"csrf_token": token, "title": "Mine now"})
        edit = browser.get(f"/app/jobs/{job}/edit")
        changed = browser.post(f"/app/jobs/{job}/edit", data={"csrf_token": token, "title": "Mine"})
    assert [r.status_code for r in (opened, edit, changed)] == [403, 403, 403]
    assert jobs_of(stack, owner) == before
    assert job_row(stack, job).title == f"Roof for a {role}"


def test_a_write_without_the_sessions_token_or_from_another_site_is_refused(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Drain survey")
    before = jobs_of(stack, owner)
    with signed_in(stack, owner.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs/new").text)
        tokenless = browser.post("/app/jobs/new", data={"title": "No token"})
        forged = browser.post("/app/jobs/new", data={"csrf_token": "1.forged", "title": "Forged"})
        elsewhere = browser.post(
            f"/app/jobs/{job}/edit",
            data={"csrf_token": token, "title": "From elsewhere"},
            headers={"Origin": "https://evil.example"},
        )
    assert [r.status_code for r in (tokenless, forged, elsewhere)] == [403, 403, 403]
    assert jobs_of(stack, owner) == before
    assert job_row(stack, job).title == "Drain survey"


def test_another_companys_job_answers_exactly_like_a_missing_one(
    stack: Stack, owner: Tenant
) -> None:
    job = stack.new_job(owner, "Private survey")
    rival = stack.new_tenant("Rival Plumbing")
    with signed_in(stack, rival.owner_email) as browser:
        token = csrf_token(browser.get("/app/jobs").text)
        foreign = browser.get(f"/app/jobs/{job}/edit")
        missing = browser.get(f"/app/jobs/{MISSING}/edit")
        foreign_post = browser.post(
            f"/app/jobs/{job}/edit", data={"csrf_token": token, "title": "x"}
        )
        missing_post = browser.post(
            f"/app/jobs/{MISSING}/edit", data={"csrf_token": token, "title": "x"}
        )
    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.text == missing.text
    assert (foreign_post.status_code, foreign_post.text) == (404, missing_post.text)
    assert job_row(stack, job).title == "Private survey"
