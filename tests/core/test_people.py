"""Company settings' rules: who may add, change and deactivate people, and manage API keys."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    MissingPermission,
    NotFound,
    Unauthenticated,
)
from jobshots.core.logins import service as logins
from jobshots.core.principal import Principal
from jobshots.core.sessions import service as sessions
from jobshots.core.sessions.service import Started
from jobshots.core.users import people
from jobshots.core.users import service as users
from jobshots.db.models import ApiKey, User


def _company(ctx: Context, name: str = "Acme") -> companies.NewCompany:
    with ctx.uow() as uow:
        return companies.create(uow, name, f"owner@{name.lower()}.example", "Ann Owner")


def _as(ctx: Context, email: str) -> Principal:
    with ctx.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        return users.acting_as(user)


def _added(ctx: Context, by: Principal, email: str, role: str) -> people.WithPassword:
    with ctx.uow() as uow:
        return people.add(uow, by, email, role, "Pat", "Person")


def _people(ctx: Context) -> int:
    with ctx.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(User)) or 0


def test_an_added_person_signs_in_with_the_temporary_password_shown_once(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    added = _added(ctx, owner, "New.Hand@Acme.example", "contractor")
    assert added.member.email == "new.hand@acme.example"
    assert (added.member.role, added.member.is_active, added.member.manageable) == (
        "contractor", True, True,
    )  # fmt: skip
    assert len(added.temporary_password) >= 16
    with ctx.uow() as uow:
        signed = logins.matching_user(uow, "new.hand@acme.example", added.temporary_password)
        assert signed is not None
        assert added.temporary_password not in (signed.password_hash or "")
        listed = people.roster(uow, owner)
    assert [(m.email, m.is_you) for m in listed] == [
        ("owner@acme.example", True), ("new.hand@acme.example", False),
    ]  # fmt: skip


def test_bad_input_is_refused_and_adds_nobody(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    before = _people(ctx)
    for email, role, error in [
        ("not-an-address", "staff", Invalid),
        ("someone@acme.example", "emperor", Invalid),
        (made.owner.email.upper(), "staff", Conflict),
    ]:
        with ctx.uow() as uow, pytest.raises(error):
            people.add(uow, owner, email, role)
    with ctx.uow() as uow, pytest.raises(Invalid, match="first_name"):
        people.add(uow, owner, "long@acme.example", "staff", "x" * 101)
    assert _people(ctx) == before


def test_a_manager_manages_everyone_below_owner_and_never_makes_an_owner(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    manager = _as(ctx, _added(ctx, owner, "m@acme.example", "manager").member.email)
    crew = _added(ctx, manager, "crew@acme.example", "staff").member
    assert people.assignable_roles(manager) == ("manager", "staff", "contractor", "agent", "viewer")
    with ctx.uow() as uow:
        assert people.change_role(uow, manager, str(crew.uuid), "contractor").role == "contractor"
    with ctx.uow() as uow, pytest.raises(Forbidden):
        people.change_role(uow, manager, str(crew.uuid), "owner")
    with ctx.uow() as uow, pytest.raises(Forbidden):
        people.add(uow, manager, "boss@acme.example", "owner")
    for act in (people.deactivate, people.reset_password):
        with ctx.uow() as uow, pytest.raises(Forbidden):
            act(uow, manager, str(made.owner.uuid))
    with ctx.uow() as uow:
        shown = {m.email: m.manageable for m in people.roster(uow, manager)}
        assert shown == {made.owner.email: False, "m@acme.example": False, crew.email: True}
        owner_row = uow.session.get_one(User, made.owner.id)
        assert (owner_row.role, owner_row.is_active) == ("owner", True)
        assert uow.session.scalars(select(User.role).where(User.uuid == crew.uuid)).one() == (
            "contractor"
        )


def test_nobody_changes_their_own_role_or_deactivates_themselves(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    with ctx.uow() as uow, pytest.raises(Forbidden):
        people.change_role(uow, owner, str(made.owner.uuid), "staff")
    with ctx.uow() as uow, pytest.raises(Forbidden):
        people.deactivate(uow, owner, str(made.owner.uuid))
    with ctx.uow() as uow:
        row = uow.session.get_one(User, made.owner.id)
        assert (row.role, row.is_active) == ("owner", True)


def test_the_company_keeps_an_active_owner(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    second = _added(ctx, owner, "second@acme.example", "owner").member
    with ctx.uow() as uow:
        people.deactivate(uow, _as(ctx, second.email), str(made.owner.uuid))
    # The second owner's principal outlived their account's change (a request in flight):
    # demoting the first, now the only active owner, would leave the company with none.
    with ctx.uow() as uow:
        people.reactivate(uow, _as(ctx, second.email), str(made.owner.uuid))
        people.deactivate(uow, owner, str(second.uuid))
    with ctx.uow() as uow, pytest.raises(Conflict, match="active owner"):
        people.change_role(uow, _as(ctx, second.email), str(made.owner.uuid), "staff")
    with ctx.uow() as uow, pytest.raises(Conflict, match="active owner"):
        people.deactivate(uow, _as(ctx, second.email), str(made.owner.uuid))
    with ctx.uow() as uow:
        assert uow.session.get_one(User, made.owner.id).role == "owner"


def test_deactivating_ends_sessions_and_keys_and_reactivating_restores_only_sign_in(
    ctx: Context,
) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    added = _added(ctx, owner, "leaver@acme.example", "staff")
    with ctx.uow() as uow:
        leaver = uow.session.scalars(select(User).where(User.email == added.member.email)).one()
        key = apikeys.issue(uow, leaver, name="van tablet").secret
        started = sessions.sign_in(uow, leaver.email, added.temporary_password, None)
        assert isinstance(started, Started)
    with ctx.uow() as uow:
        shown = people.deactivate(uow, owner, str(added.member.uuid))
    assert (shown.is_active, shown.manageable) == (False, True)
    with ctx.uow() as uow:
        assert sessions.authenticate(uow, started.secret, None) is None
        assert logins.matching_user(uow, added.member.email, added.temporary_password) is None
        with pytest.raises(Unauthenticated):
            apikeys.authenticate(uow, key, None)
        people.reactivate(uow, owner, str(added.member.uuid))
    with ctx.uow() as uow:
        assert logins.matching_user(uow, added.member.email, added.temporary_password)
        assert sessions.authenticate(uow, started.secret, None) is None
        with pytest.raises(Unauthenticated):
            apikeys.authenticate(uow, key, None)


def test_a_reset_password_replaces_the_old_one_and_ends_sessions(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    added = _added(ctx, owner, "forgetful@acme.example", "viewer")
    with ctx.uow() as uow:
        started = sessions.sign_in(uow, added.member.email, added.temporary_password, None)
        assert isinstance(started, Started)
    with ctx.uow() as uow:
        fresh = people.reset_password(uow, owner, str(added.member.uuid)).temporary_password
    with ctx.uow() as uow:
        assert sessions.authenticate(uow, started.secret, None) is None
        assert logins.matching_user(uow, added.member.email, added.temporary_password) is None
        assert logins.matching_user(uow, added.member.email, fresh) is not None


def test_another_companys_person_is_not_found_like_a_missing_one(ctx: Context) -> None:
    made = _company(ctx)
    other = _company(ctx, "Rival")
    owner = _as(ctx, made.owner.email)
    for person in (str(other.owner.uuid), str(uuid.uuid4()), "not-a-uuid"):
        for act in (people.deactivate, people.reactivate, people.reset_password):
            with ctx.uow() as uow, pytest.raises(NotFound, match="person not found"):
                act(uow, owner, person)
        with ctx.uow() as uow, pytest.raises(NotFound, match="person not found"):
            people.change_role(uow, owner, person, "staff")
    with ctx.uow() as uow:
        assert uow.session.get_one(User, other.owner.id).is_active


def test_staff_and_contractors_may_not_manage_people_or_keys(ctx: Context) -> None:
    made = _company(ctx)
    owner = _as(ctx, made.owner.email)
    for role in ("staff", "contractor", "viewer"):
        someone = _as(ctx, _added(ctx, owner, f"{role}@acme.example", role).member.email)
        assert not people.may_use_settings(someone)
        assert people.assignable_roles(someone) == ()
        _refused_everything(ctx, someone, made)
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ApiKey)) == 1
        assert apikeys.authenticate(uow, made.api_key, None).user_id == made.owner.id


def _refused_everything(ctx: Context, someone: Principal, made: companies.NewCompany) -> None:
    owner, prefix = str(made.owner.uuid), made.api_key.split("_")[1]
    with ctx.uow() as uow:
        with pytest.raises(MissingPermission):
            people.roster(uow, someone)
        with pytest.raises(MissingPermission):
            people.add(uow, someone, "x@acme.example", "viewer")
        with pytest.raises(MissingPermission):
            people.deactivate(uow, someone, owner)
        with pytest.raises(MissingPermission):
            apikeys.company_keys(uow, someone)
        with pytest.raises(MissingPermission):
            apikeys.issue_own(uow, someone, "mine")
        with pytest.raises(MissingPermission):
            apikeys.revoke_in_company(uow, someone, prefix)


def test_keys_are_listed_without_secrets_and_revoked_within_the_company(ctx: Context) -> None:
    made = _company(ctx)
    other = _company(ctx, "Rival")
    owner = _as(ctx, made.owner.email)
    manager = _as(ctx, _added(ctx, owner, "m@acme.example", "manager").member.email)
    with ctx.uow() as uow:
        issued = apikeys.issue_own(uow, manager, "  office scanner ")
    with ctx.uow() as uow:
        assert apikeys.authenticate(uow, issued.secret, None).user_id == manager.user_id
        listed = apikeys.company_keys(uow, manager)
    assert [(k.name, k.holder_email, k.revocable) for k in listed] == [
        ("office scanner", "m@acme.example", True), ("owner", made.owner.email, False),
    ]  # fmt: skip
    assert not any(issued.secret in repr(k) for k in listed)
    owner_prefix, rival_prefix = made.api_key.split("_")[1], other.api_key.split("_")[1]
    with ctx.uow() as uow, pytest.raises(Forbidden):
        apikeys.revoke_in_company(uow, manager, owner_prefix)
    for prefix in (rival_prefix, "000000000000", "nonsense"):
        with ctx.uow() as uow, pytest.raises(NotFound, match="no such API key"):
            apikeys.revoke_in_company(uow, owner, prefix)
    with ctx.uow() as uow, pytest.raises(Invalid, match="name"):
        apikeys.issue_own(uow, owner, "   ")
    with ctx.uow() as uow:
        assert apikeys.revoke_in_company(uow, owner, issued.prefix).revoked_at is not None
    with ctx.uow() as uow:
        with pytest.raises(Unauthenticated):
            apikeys.authenticate(uow, issued.secret, None)
        assert apikeys.authenticate(uow, other.api_key, None).company_id == other.company.id
        assert apikeys.authenticate(uow, made.api_key, None).company_id == made.company.id
