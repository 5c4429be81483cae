"""Company settings in the web app, on a real server over HTTP: people, API keys, reference data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from jobshots.core.users import service as users
from jobshots.db.models import ApiKey, Company, JobType, SignInFailure, User
from tests.support.stack import Stack, Tenant, running_stack

PASSWORD = "correct horse battery staple"
SETTINGS_PAGES = (
    "/app/settings",
    "/app/settings/people",
    "/app/settings/keys",
    "/app/settings/reference",
    "/app/settings/reference/types",
    "/app/settings/plan",
)
REDIRECTS = ("/app/settings", "/app/settings/reference")


@dataclass
class Person:
    """Someone of a test company who can sign in, with an API key of their own."""

    email: str
    uuid: str
    api_key: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One server per database, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp(f"web-settings-{request.param}")
    with running_stack(request.param, "local", tmp, None, {}, worker=False) as running:
        yield running


@pytest.fixture(autouse=True)
def no_failures_counted(stack: Stack) -> None:
    """Every test starts with no failed sign-ins counted against 127.0.0.1."""
    stack.execute(delete(SignInFailure))


@pytest.fixture(scope="module")
def tenant(stack: Stack) -> Tenant:
    """A company whose owner can sign in."""
    made = stack.new_tenant("Settings Builders")
    _with_password(stack, made.owner_email)
    return made


def _with_password(stack: Stack, email: str) -> str:
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        users.set_password(uow, user, PASSWORD)
        return str(user.uuid)


def _person(stack: Stack, tenant: Tenant, role: str) -> Person:
    made = stack.new_colleague(tenant, role)
    return Person(made.owner_email, _with_password(stack, made.owner_email), made.api_key)


def _owner(stack: Stack, tenant: Tenant) -> Person:
    return Person(tenant.owner_email, _with_password(stack, tenant.owner_email), tenant.api_key)


@contextmanager
def _signed_in(stack: Stack, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A browser signed in as `email`, sending its own Origin like a real one."""
    with httpx.Client(base_url=stack.url, timeout=30, headers={"Origin": stack.url}) as client:
        made = client.post("/login", data={"email": email, "password": password})
        assert made.status_code == 303, made.text
        yield client


def _token(client: httpx.Client) -> str:
    page = client.get("/app/jobs")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text
    return found.group(1)


def _post(client: httpx.Client, path: str, **form: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": _token(client), **form})


def _shown(page: httpx.Response, field: str) -> str:
    found = re.search(rf'id="{field}" type="text" readonly value="([^"]+)"', page.text)
    assert found, page.text
    return unescape(found.group(1))


def _user(stack: Stack, email: str) -> tuple[str, bool]:
    [row] = stack.rows(select(User.role, User.is_active).where(User.email == email))
    return row[0], row[1]


def _count(stack: Stack, model: type[User] | type[ApiKey], company_id: int) -> int:
    [count] = stack.scalars(
        select(func.count()).select_from(model).where(model.company_id == company_id)
    )
    return int(count)


def _api(stack: Stack, key: str, job: str) -> int:
    with stack.client() as client:
        answer = client.get(
            f"/api/v1/jobs/{job}/photos", headers={"Authorization": f"Bearer {key}"}
        )
    return answer.status_code


def test_an_owner_adds_a_person_who_signs_in_with_the_password_shown_once(
    stack: Stack, tenant: Tenant
) -> None:
    with _signed_in(stack, tenant.owner_email) as owner:
        assert owner.get("/app/settings").headers["location"] == "/app/settings/people"
        email = f"new-{uuid.uuid4().hex[:6]}@example.com"
        added = _post(
            owner, "/app/settings/people",
            email=email, role="contractor", first_name="Cara", last_name="Crew",
        )  # fmt: skip
        assert added.status_code == 201, added.text
        password = _shown(added, "temporary-password")
        assert "Temporary password for Cara Crew" in added.text
        listing = owner.get("/app/settings/people")
        assert email in listing.text
        assert password not in listing.text
    assert _user(stack, email) == ("contractor", True)
    with _signed_in(stack, email, password) as newcomer:
        assert newcomer.get("/app/jobs").status_code == 200


def test_a_bad_person_is_refused_on_the_form_and_adds_nobody(stack: Stack, tenant: Tenant) -> None:
    before = _count(stack, User, tenant.company_id)
    with _signed_in(stack, tenant.owner_email) as owner:
        bad = _post(owner, "/app/settings/people", email="not an address", role="staff")
        assert bad.status_code == 400
        assert "email is not a valid e-mail address" in bad.text
        assert 'value="not an address"' in bad.text
        taken = _post(owner, "/app/settings/people", email=tenant.owner_email, role="staff")
        assert taken.status_code == 409
        assert "already belongs to this company" in taken.text
        unknown = _post(owner, "/app/settings/people", email="x@example.com", role="emperor")
        assert unknown.status_code == 400
    assert _count(stack, User, tenant.company_id) == before


def test_settings_are_shown_and_served_only_to_owners_and_managers(
    stack: Stack, tenant: Tenant
) -> None:
    link = '<a href="/app/settings"'
    for role in ("manager", "staff", "contractor", "viewer"):
        someone = _person(stack, tenant, role)
        with _signed_in(stack, someone.email) as client:
            jobs = client.get("/app/jobs")
            assert (link in jobs.text) is (role == "manager"), role
            for path in SETTINGS_PAGES:
                answer = client.get(path)
                allowed = 303 if path in REDIRECTS else 200
                assert answer.status_code == (allowed if role == "manager" else 403), (role, path)
    with _signed_in(stack, tenant.owner_email) as owner:
        assert link in owner.get("/app/jobs").text
        page = owner.get("/app/settings/people")
        assert 'aria-current="page">People</a>' in page.text
        assert 'rel="stylesheet" href="/static/settings.css"' in page.text


def test_staff_and_contractors_are_refused_every_write_and_nothing_changes(
    stack: Stack, tenant: Tenant
) -> None:
    owner = _owner(stack, tenant)
    job = stack.new_job(tenant, "Refusals")
    people, keys = _count(stack, User, tenant.company_id), _count(stack, ApiKey, tenant.company_id)
    for role in ("staff", "contractor"):
        someone = _person(stack, tenant, role)
        people, keys = people + 1, keys + 1
        with _signed_in(stack, someone.email) as client:
            writes = [
                ("/app/settings/people", {"email": "sneak@example.com", "role": "owner"}),
                (f"/app/settings/people/{owner.uuid}/deactivate", {}),
                (f"/app/settings/people/{owner.uuid}/role", {"role": "viewer"}),
                (f"/app/settings/people/{owner.uuid}/password", {}),
                ("/app/settings/keys", {"name": "mine"}),
                (f"/app/settings/keys/{owner.api_key.split('_')[1]}/revoke", {}),
                ("/app/settings/reference/types", {"name": "Sneaky type"}),
            ]
            for path, form in writes:
                assert _post(client, path, **form).status_code == 403, (role, path)
    assert _user(stack, owner.email) == ("owner", True)
    assert _count(stack, User, tenant.company_id) == people
    assert _count(stack, ApiKey, tenant.company_id) == keys
    assert _api(stack, owner.api_key, job) == 200
    assert not stack.scalars(select(JobType.id).where(JobType.name == "Sneaky type"))
    with _signed_in(stack, owner.email):
        pass  # the owner's password still works


def test_a_manager_manages_everyone_but_owners(stack: Stack, tenant: Tenant) -> None:
    owner = _owner(stack, tenant)
    manager = _person(stack, tenant, "manager")
    crew = _person(stack, tenant, "staff")
    with _signed_in(stack, manager.email) as client:
        page = client.get("/app/settings/people")
        assert f"/app/settings/people/{crew.uuid}/deactivate" in page.text
        # No control is offered for an owner, the manager themselves, or making an owner.
        assert f"/app/settings/people/{owner.uuid}/" not in page.text
        assert f"/app/settings/people/{manager.uuid}/" not in page.text
        assert '<option value="owner"' not in page.text
        for path, form in [
            (f"/app/settings/people/{owner.uuid}/deactivate", {}),
            (f"/app/settings/people/{owner.uuid}/role", {"role": "staff"}),
            (f"/app/settings/people/{crew.uuid}/role", {"role": "owner"}),
            (f"/app/settings/people/{manager.uuid}/role", {"role": "owner"}),
            ("/app/settings/people", {"email": "boss@example.com", "role": "owner"}),
            (f"/app/settings/keys/{owner.api_key.split('_')[1]}/revoke", {}),
        ]:
            assert _post(client, path, **form).status_code == 403, path
        changed = _post(client, f"/app/settings/people/{crew.uuid}/role", role="contractor")
        assert (changed.status_code, changed.headers["location"]) == (303, "/app/settings/people")
    assert _user(stack, owner.email) == ("owner", True)
    assert _user(stack, manager.email) == ("manager", True)
    assert _user(stack, crew.email) == ("contractor", True)
    assert not stack.scalars(select(User.id).where(User.email == "boss@example.com"))
    assert _api(stack, owner.api_key, stack.new_job(tenant)) == 200


def test_a_write_without_the_csrf_token_or_from_another_site_changes_nothing(
    stack: Stack, tenant: Tenant
) -> None:
    crew = _person(stack, tenant, "staff")
    with _signed_in(stack, tenant.owner_email) as owner:
        path = f"/app/settings/people/{crew.uuid}/deactivate"
        assert owner.post(path).status_code == 403
        assert owner.post(path, data={"csrf_token": "1.forged"}).status_code == 403
        elsewhere = owner.post(
            path, data={"csrf_token": _token(owner)}, headers={"Origin": "https://evil.example"}
        )
        assert elsewhere.status_code == 403
        assert owner.post("/app/settings/keys", data={"name": "no token"}).status_code == 403
    assert _user(stack, crew.email) == ("staff", True)
    assert not stack.scalars(select(ApiKey.id).where(ApiKey.name == "no token"))


def test_another_companys_people_and_keys_answer_like_missing_ones(
    stack: Stack, tenant: Tenant
) -> None:
    rival = stack.new_tenant("Rival Roofing")
    rival_owner = _owner(stack, rival)
    rival_prefix = rival.api_key.split("_")[1]
    with _signed_in(stack, tenant.owner_email) as owner:
        for action, form in [
            ("deactivate", {}), ("reactivate", {}), ("password", {}), ("role", {"role": "viewer"}),
        ]:  # fmt: skip
            theirs = _post(owner, f"/app/settings/people/{rival_owner.uuid}/{action}", **form)
            missing = _post(owner, f"/app/settings/people/{uuid.uuid4()}/{action}", **form)
            malformed = _post(owner, f"/app/settings/people/nobody/{action}", **form)
            assert theirs.status_code == missing.status_code == malformed.status_code == 404
            assert theirs.text == missing.text == malformed.text
        theirs = _post(owner, f"/app/settings/keys/{rival_prefix}/revoke")
        missing = _post(owner, "/app/settings/keys/0123456789ab/revoke")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.text == missing.text
        rival_type = stack.scalars(
            select(JobType.id).where(JobType.company_id == rival.company_id)
        )[0]
        theirs = _post(owner, f"/app/settings/reference/types/{rival_type}/delete")
        missing = _post(owner, "/app/settings/reference/types/999999999/delete")
        assert theirs.status_code == missing.status_code == 404
        assert owner.get("/app/settings/reference/planets").status_code == 404
    assert _user(stack, rival_owner.email) == ("owner", True)
    assert _api(stack, rival.api_key, stack.new_job(rival)) == 200
    assert stack.scalars(select(JobType.id).where(JobType.id == rival_type)) == [rival_type]


def test_a_deactivated_person_can_no_longer_sign_in_nor_use_their_key(
    stack: Stack, tenant: Tenant
) -> None:
    leaver = _person(stack, tenant, "staff")
    job = stack.new_job(tenant, "Leaver's job")
    assert _api(stack, leaver.api_key, job) == 200
    with _signed_in(stack, leaver.email) as theirs, _signed_in(stack, tenant.owner_email) as owner:
        assert theirs.get("/app/jobs").status_code == 200
        gone = _post(owner, f"/app/settings/people/{leaver.uuid}/deactivate")
        assert (gone.status_code, gone.headers["location"]) == (303, "/app/settings/people")
        assert "Deactivated" in owner.get("/app/settings/people").text
        assert theirs.get("/app/jobs").headers["location"] == "/login"
    assert _user(stack, leaver.email) == ("staff", False)
    assert _api(stack, leaver.api_key, job) == 401
    with httpx.Client(base_url=stack.url, headers={"Origin": stack.url}) as client:
        refused = client.post("/login", data={"email": leaver.email, "password": PASSWORD})
        assert refused.status_code == 401
    with _signed_in(stack, tenant.owner_email) as owner:
        back = _post(owner, f"/app/settings/people/{leaver.uuid}/reactivate")
        assert back.status_code == 303
    with _signed_in(stack, leaver.email) as theirs:
        assert theirs.get("/app/jobs").status_code == 200
    assert _api(stack, leaver.api_key, job) == 401  # keys stay revoked


def test_a_new_password_is_shown_once_and_replaces_the_old(stack: Stack, tenant: Tenant) -> None:
    forgetful = _person(stack, tenant, "viewer")
    with _signed_in(stack, tenant.owner_email) as owner:
        reset = _post(owner, f"/app/settings/people/{forgetful.uuid}/password")
        assert reset.status_code == 200
        fresh = _shown(reset, "temporary-password")
        assert fresh not in owner.get("/app/settings/people").text
    with httpx.Client(base_url=stack.url, headers={"Origin": stack.url}) as client:
        old = client.post("/login", data={"email": forgetful.email, "password": PASSWORD})
        assert old.status_code == 401
    with _signed_in(stack, forgetful.email, fresh) as client:
        assert client.get("/app/jobs").status_code == 200


def test_a_new_key_is_shown_once_works_against_the_api_and_stops_when_revoked(
    stack: Stack, tenant: Tenant
) -> None:
    job = stack.new_job(tenant, "Key check")
    keys = _count(stack, ApiKey, tenant.company_id)
    with _signed_in(stack, tenant.owner_email) as owner:
        blank = _post(owner, "/app/settings/keys", name="   ")
        assert blank.status_code == 400
        assert "name must be provided" in blank.text
        assert _count(stack, ApiKey, tenant.company_id) == keys
        made = _post(owner, "/app/settings/keys", name="Office scanner")
        assert made.status_code == 201, made.text
        secret = _shown(made, "new-key")
        prefix = secret.split("_")[1]
        assert _api(stack, secret, job) == 200
        listing = owner.get("/app/settings/keys")
        assert secret not in listing.text
        assert f"jsk_{prefix}_…" in listing.text
        assert "Office scanner" in listing.text
        revoked = _post(owner, f"/app/settings/keys/{prefix}/revoke")
        assert (revoked.status_code, revoked.headers["location"]) == (303, "/app/settings/keys")
        assert f"/app/settings/keys/{prefix}/revoke" not in owner.get("/app/settings/keys").text
    assert _api(stack, secret, job) == 401
    assert _api(stack, tenant.api_key, job) == 200


def test_a_manager_adds_renames_and_deletes_reference_data(stack: Stack, tenant: Tenant) -> None:
    manager = _person(stack, tenant, "manager")
    name = f"Roof survey {uuid.uuid4().hex[:4]}"
    with _signed_in(stack, manager.email) as client:
        added = _post(client, "/app/settings/reference/types", name=name)
        assert (added.status_code, added.headers["location"]) == (
            303, "/app/settings/reference/types",
        )  # fmt: skip
        assert f'data-name="{name}"' in client.get("/app/settings/reference/types").text
        again = _post(client, "/app/settings/reference/types", name=name)
        assert again.status_code == 409
        [item] = stack.scalars(
            select(JobType.id).where(JobType.company_id == tenant.company_id, JobType.name == name)
        )
        renamed = _post(client, f"/app/settings/reference/types/{item}/rename", name=name + " v2")
        assert renamed.status_code == 303
        assert stack.scalars(select(JobType.name).where(JobType.id == item)) == [name + " v2"]
        status = _post(client, "/app/settings/reference/statuses", name="On hold", stage="wizard")
        assert status.status_code == 400
        deleted = _post(client, f"/app/settings/reference/types/{item}/delete")
        assert deleted.status_code == 303
        assert _post(client, "/app/settings/reference/types/abc/delete").status_code == 404
    assert not stack.scalars(select(JobType.id).where(JobType.id == item))


def test_the_plan_shows_add_ons_and_quotas_and_offers_no_change(
    stack: Stack, tenant: Tenant
) -> None:
    stack.execute(
        update(Company)
        .where(Company.id == tenant.company_id)
        .values(addons=["photos", "reports"], monthly_upload_quota=50)
    )
    with _signed_in(stack, tenant.owner_email) as owner:
        page = owner.get("/app/settings/plan")
    assert page.status_code == 200
    addons = re.findall(r"<li><span>(\w+)</span> <strong>(On|Off)</strong></li>", page.text)
    assert addons == [
        ("Photos", "On"),
        ("Documents", "Off"),
        ("Workflows", "Off"),
        ("Reports", "On"),
    ]
    assert "<strong>0 of 50</strong>" in page.text
    # The layout's sign-out and the retention period's form: nothing of the plan itself.
    assert page.text.count("<form") == 2
    assert '<form method="post" action="/app/settings/plan/retention">' in page.text
