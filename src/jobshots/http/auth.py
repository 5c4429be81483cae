"""Reading credentials and the caller's address off a request."""

from __future__ import annotations

from starlette.requests import Request


def authorization_token(request: Request, *schemes: str) -> str | None:
    """The credential in `Authorization: <scheme> <token>` for one of `schemes`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() in {s.lower() for s in schemes} and token.strip():
        return token.strip()
    return None


def client_ip(request: Request) -> str | None:
    """The caller's address (uvicorn applies X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else None
