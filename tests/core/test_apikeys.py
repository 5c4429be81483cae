"""API keys: shown once, stored hashed, found by prefix, narrowed, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobshots.core import permissions
from jobshots.core.apikeys import service as apikeys
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Invalid, IpNotAllowed, Unauthenticated
from jobshots.db.models import ApiKey


def _company(ctx: Context) -> companies.NewCompany:
    with ctx.uow() as uow:
        return companies.create(uow, "Acme", "owner@acme.example", "Ann Owner")


def test_key_is_stored_only_as_a_hash(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow:
        row = uow.session.scalars(select(ApiKey)).one()
        assert made.api_key.startswith(f"jsk_{row.prefix}_")
        stored = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
    assert not any(made.api_key in value for value in stored)
    assert not any(made.api_key.split("_", 2)[2] in value for value in stored)


def test_key_authenticates_as_its_user(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, made.api_key, "192.0.2.1")
    assert principal.company_id == made.company.id
    assert principal.user_id == made.owner.id
    assert principal.role == "owner"
    assert permissions.PHOTOS_MANAGE in principal.permissions


@pytest.mark.parametrize(
    "mangle",
    [lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), lambda k: "", lambda k: "jsk_nope"],
)
def test_wrong_keys_are_unauthenticated(ctx: Context, mangle: object) -> None:
    made = _company(ctx)
    with ctx.uow() as uow, pytest.raises(Unauthenticated):
        apikeys.authenticate(uow, mangle(made.api_key), None)  # type: ignore[operator]


def test_revoked_key_is_unauthenticated(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow:
        apikeys.revoke(uow, made.api_key.split("_")[1])
    with ctx.uow() as uow, pytest.raises(Unauthenticated):
        apikeys.authenticate(uow, made.api_key, None)


def test_ip_allow_list_is_enforced(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow:
        key = apikeys.issue(uow, made.owner, allowed_ips=["10.1.0.0/16", "2001:db8::/32"]).secret
    with ctx.uow() as uow:
        assert apikeys.authenticate(uow, key, "10.1.2.3").user_id == made.owner.id
        assert apikeys.authenticate(uow, key, "2001:db8::5").user_id == made.owner.id
        for outside in ("10.2.0.1", "127.0.0.1", None, "garbage"):
            with pytest.raises(IpNotAllowed):
                apikeys.authenticate(uow, key, outside)


def test_bad_cidr_is_invalid(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow, pytest.raises(Invalid, match="allowed_ips"):
        apikeys.issue(uow, made.owner, allowed_ips=["10.0.0.0/99"])


def test_key_permissions_narrow_the_role(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow:
        key = apikeys.issue(uow, made.owner, key_permissions=[permissions.PHOTOS_VIEW]).secret
    with ctx.uow() as uow:
        principal = apikeys.authenticate(uow, key, None)
    assert principal.permissions == frozenset({permissions.PHOTOS_VIEW})


def test_unknown_permission_is_invalid(ctx: Context) -> None:
    made = _company(ctx)
    with ctx.uow() as uow, pytest.raises(Invalid, match="permissions"):
        apikeys.issue(uow, made.owner, key_permissions=["api.everything"])
