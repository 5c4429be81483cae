"""A refused API key costs the same work however it is wrong: one query, one hash, one
comparison, so the time taken tells a prober nothing (bench/credentials.py measures the time)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, select

from jobshots.core.apikeys import service as apikeys
from jobshots.core.apikeys import tokens
from jobshots.core.companies import service as companies
from jobshots.core.context import Context
from jobshots.core.errors import Unauthenticated
from jobshots.core.users import service as users
from jobshots.db.models import User


@pytest.fixture
def bad_keys(ctx: Context) -> dict[str, str]:
    """Every way a key can be wrong, by name, in one company."""
    with ctx.uow() as uow:
        made = companies.create(uow, "Acme", "owner@acme.example", "Ann Owner")
        revoked = apikeys.issue(uow, made.owner)
        apikeys.revoke(uow, revoked.prefix)
        leaver = users.create(uow, made.company, "leaver@acme.example", role="staff")
        leavers_key = apikeys.issue(uow, leaver).secret
    with ctx.uow() as uow:
        uow.session.scalars(select(User).where(User.id == leaver.id)).one().is_active = False
    prefix = made.api_key.split("_")[1]
    return {
        "malformed": "nonsense",
        "unknown": f"jsk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",
        "wrong secret": f"jsk_{prefix}_{secrets.token_urlsafe(32)}",
        "revoked": revoked.secret,
        "deactivated": leavers_key,
    }


def _work(ctx: Context, key: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Statements sent and secrets compared while `key` is refused."""
    statements: list[str] = []
    compared: list[str] = []
    real_matches: Callable[[str, str], bool] = tokens.matches

    def counting(secret: str, key_hash: str) -> bool:
        compared.append(key_hash)
        return real_matches(secret, key_hash)

    def sent(*args: Any) -> None:
        statements.append(str(args[2]))

    monkeypatch.setattr(tokens, "matches", counting)
    with ctx.uow() as uow:
        uow.session.connection()  # the transaction's own BEGIN is not the key's work
        event.listen(ctx.engine, "before_cursor_execute", sent)
        try:
            with pytest.raises(Unauthenticated) as refused:
                apikeys.authenticate(uow, key, "192.0.2.1")
        finally:
            event.remove(ctx.engine, "before_cursor_execute", sent)
    assert refused.value.message == apikeys.REFUSED
    return len(statements), len(compared)


def test_every_refused_key_costs_one_query_and_one_comparison(
    ctx: Context, bad_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    work = {name: _work(ctx, key, monkeypatch) for name, key in bad_keys.items()}
    wrong_secret = work["wrong secret"]
    assert wrong_secret == (1, 1)
    # A deactivated person's right key loads the person too: its holder knows the secret already.
    del work["deactivated"]
    assert {name: cost for name, cost in work.items() if cost != wrong_secret} == {}
