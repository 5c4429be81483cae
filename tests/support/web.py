"""A browser signed in to the web app, as plain HTTP: for tests of pages and their forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import select

from jobshots.core.users import service as users
from jobshots.db.models import User
from tests.support.stack import Stack

PASSWORD = "correct horse battery staple"


@contextmanager
def signed_in(stack: Stack, email: str) -> Iterator[httpx.Client]:
    """A client that has signed in as the user with that e-mail, sending this site's Origin."""
    with stack.server.core.uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        users.set_password(uow, user, PASSWORD)
    with httpx.Client(base_url=stack.url, timeout=60, headers={"Origin": stack.url}) as client:
        made = client.post("/login", data={"email": email, "password": PASSWORD})
        assert made.status_code == 303, made.text
        yield client


def csrf_token(html: str) -> str:
    """The CSRF token a signed-in page carries in its meta tag, or a partial in its forms."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "the page carries no CSRF token"
    return found.group(1)
