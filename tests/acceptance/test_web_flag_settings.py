"""The dispute flag thresholds in the web app's settings, on a real server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from jobshots.db.models import AuditEvent, Company
from tests.support.stack import Stack, Tenant, running_stack
from tests.support.web import csrf_token, signed_in

pytestmark = pytest.mark.acceptance
PAGE = "/app/settings/flags"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-flag-settings-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


def _thresholds(stack: Stack, tenant: Tenant) -> tuple[int, int]:
    [row] = stack.rows(
        select(Company.capture_gap_hours, Company.geofence_metres).where(
            Company.id == tenant.company_id
        )
    )
    return int(row[0]), int(row[1])


def test_an_owner_changes_the_thresholds_and_it_is_in_the_history(stack: Stack) -> None:
    owner = stack.new_tenant("Threshold Roofing")
    with signed_in(stack, owner.owner_email) as browser:
        page = browser.get(PAGE)
        assert page.status_code == 200, page.text
        assert 'name="capture_gap_hours"' in page.text
        assert 'value="72"' in page.text
        assert 'value="250"' in page.text

        saved = browser.post(
            PAGE,
            data={
                "csrf_token": csrf_token(page.text),
                "capture_gap_hours": "48",
                "geofence_metres": "500",
            },
        )
        assert saved.status_code == 303
        shown = browser.get(saved.headers["location"])

    assert _thresholds(stack, owner) == (48, 500)
    assert 'value="48"' in shown.text
    assert 'value="500"' in shown.text
    assert "Saved." in shown.text
    [data] = stack.scalars(
        select(AuditEvent.data).where(
            AuditEvent.company_id == owner.company_id,
            AuditEvent.action == "company.flag_thresholds_changed",
        )
    )
    assert data == {"capture_gap_hours": [72, 48], "geofence_metres": [250, 500]}


@pytest.mark.parametrize(
    ("gap", "fence", "message"),
    [
        ("soon", "250", "Hours before upload must be a whole number"),
        ("72", "5", "Distance must be from 10 to 100,000"),
        ("0", "250", "Hours before upload must be from 1 to 8,760"),
        ("", "", "must be a whole number"),
    ],
)
def test_a_bad_value_is_refused_with_the_reason_and_nothing_changes(
    stack: Stack, gap: str, fence: str, message: str
) -> None:
    owner = stack.new_tenant("Careful Cladding")
    with signed_in(stack, owner.owner_email) as browser:
        page = browser.get(PAGE)
        refused = browser.post(
            PAGE,
            data={"csrf_token": csrf_token(page.text), "capture_gap_hours": gap,
                  "geofence_metres": fence},
        )  # fmt: skip

    assert refused.status_code == 400
    assert message in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert _thresholds(stack, owner) == (72, 250)


def test_staff_may_neither_see_nor_change_the_thresholds(stack: Stack) -> None:
    owner = stack.new_tenant("Crew Carpentry")
    crew = stack.new_colleague(owner, "staff")
    with signed_in(stack, crew.owner_email) as browser:
        assert browser.get(PAGE).status_code == 403
        home = browser.get("/app/jobs")
        refused = browser.post(
            PAGE,
            data={"csrf_token": csrf_token(home.text), "capture_gap_hours": "1",
                  "geofence_metres": "10"},
        )  # fmt: skip

    assert refused.status_code == 403
    assert _thresholds(stack, owner) == (72, 250)
