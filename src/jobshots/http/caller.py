"""The request's unit of work and its caller: the one dependency every route takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from jobshots.core.apikeys import service as apikeys
from jobshots.core.context import Context
from jobshots.core.errors import Unauthenticated
from jobshots.core.logins import service as logins
from jobshots.core.principal import Principal
from jobshots.core.uow import UnitOfWork
from jobshots.http.auth import client_ip
from jobshots.http.ratelimit import limit_caller

# Where an API carries its key: a header, a query parameter, a field of the body.
KeyReader = Callable[[Request], str | None]
# One way a request can say who is calling; None when it carries no such credential.
Authenticator = Callable[[Request, UnitOfWork], Principal | None]


@dataclass(frozen=True)
class Call:
    """Who is calling, and the unit of work their request runs in."""

    principal: Principal
    uow: UnitOfWork

    @property
    def base_url(self) -> str:
        """The server's public address, for the links an answer carries."""
        return self.uow.settings.base_url


def context_of(request: Request) -> Context:
    """The process context the app was built with."""
    ctx: Context = request.app.state.ctx
    return ctx


# For the few routes that need the process itself (health, file serving), not a caller.
ProcessContext = Annotated[Context, Depends(context_of)]


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """Commit when the route returns, before the answer is sent; roll back if it raised."""
    with context_of(request).uow() as uow:
        yield uow


def _streaming_unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """Open until the answer is sent: its body is read from the database as it streams."""
    with context_of(request).uow() as uow:
        yield uow


# scope="function": the commit happens before the response goes out, so a failed commit is
# answered as a failure, never after a success was already sent.
RequestUow = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
# scope="request": only for reads whose answer streams; it closes after the last byte.
StreamingUow = Annotated[UnitOfWork, Depends(_streaming_unit_of_work, scope="request")]


def api_key(*readers: KeyReader) -> Authenticator:
    """Authenticate the first key found by `readers`; a wrong key is refused, never skipped."""

    def authenticate(request: Request, uow: UnitOfWork) -> Principal | None:
        secret = next((key for read in readers if (key := read(request))), None)
        if secret is None:
            return None
        return apikeys.authenticate(uow, secret, client_ip(request))

    return authenticate


def bearer(read: KeyReader) -> Authenticator:
    """A Bearer credential that is an API key, or a token issued at sign-in."""

    def authenticate(request: Request, uow: UnitOfWork) -> Principal | None:
        secret = read(request)
        if secret is None:
            return None
        if logins.looks_like_token(secret):
            return logins.authenticate(uow, secret, client_ip(request))
        return apikeys.authenticate(uow, secret, client_ip(request))

    return authenticate


def caller(*authenticators: Authenticator) -> Callable[[Request, UnitOfWork], Call]:
    """A dependency giving the request's caller, by the first credential it carries."""

    def resolve(request: Request, uow: RequestUow) -> Call:
        return _identify(request, uow, authenticators)

    return resolve


def streaming_caller(*authenticators: Authenticator) -> Callable[[Request, UnitOfWork], Call]:
    """Like `caller`, for a read whose answer streams from the database (a large list)."""

    def resolve(request: Request, uow: StreamingUow) -> Call:
        return _identify(request, uow, authenticators)

    return resolve


def _identify(request: Request, uow: UnitOfWork, authenticators: tuple[Authenticator, ...]) -> Call:
    for authenticate in authenticators:
        principal = authenticate(request, uow)
        if principal is not None:
            limit_caller(request, uow, principal)
            return Call(principal=principal, uow=uow)
    raise Unauthenticated(apikeys.REFUSED)
