"""Finding the CSRF token a write carries: the header, or a `csrf_token` field of its body."""

from __future__ import annotations

import json

from starlette.requests import Request

HEADER = "x-csrf-token"
FIELD = "csrf_token"


async def presented_token(request: Request) -> str | None:
    """The token from `X-CSRF-Token`, else from a JSON or URL-encoded body's `csrf_token`."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError:
            return None  # the route's own parsing answers a malformed body
        value = data.get(FIELD) if isinstance(data, dict) else None
        return value if isinstance(value, str) else None
    if content_type == "application/x-www-form-urlencoded":
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else None
    return None
