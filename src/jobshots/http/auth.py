"""Reading credentials and the caller's address off a request."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from jobshots.http.client_address import client_address, trusted_networks


def authorization(*schemes: str) -> Callable[[Request], str | None]:
    """A reader of the credential in `Authorization: <scheme> <token>` for one of `schemes`."""
    wanted = {scheme.lower() for scheme in schemes}

    def read(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() in wanted and token.strip() else None

    return read


def header(name: str) -> Callable[[Request], str | None]:
    """A reader of the credential in one header."""

    def read(request: Request) -> str | None:
        return request.headers.get(name) or None

    return read


def query(name: str) -> Callable[[Request], str | None]:
    """A reader of the credential in one query parameter."""

    def read(request: Request) -> str | None:
        return request.query_params.get(name) or None

    return read


def client_ip(request: Request) -> str | None:
    """The caller's address, for allow-lists, rate limits and the history alike."""
    settings = request.app.state.ctx.settings
    return client_address(request.scope, trusted_networks(settings.trusted_proxies))
