"""Rendering the page templates, with the headers every page carries."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse

from jobshots.core.times import iso_seconds
from jobshots.web import filters

_templates = Environment(
    loader=PackageLoader("jobshots.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["iso"] = iso_seconds
_templates.filters.update(filters.ALL)

PAGE_HEADERS = {
    # Styles are inline and there is no script; images may come from the storage's own host.
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' https: http:; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    # A report link is its own password: never send it on as a Referer, never index it,
    # never keep it in a cache past a revocation.
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


# The web app's pages: no inline script or style at all, everything from this server.
APP_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; media-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def app_page(
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    allow: dict[str, list[str]] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A web app page (or an htmx partial of one) under the app's strict policy, widened
    only by the origins `allow` names per directive (the store's files, the map's tiles)."""
    html = _templates.get_template(template).render(**values)
    sent = {**APP_HEADERS, **(headers or {})}
    if allow:
        sent["Content-Security-Policy"] = widened(sent["Content-Security-Policy"], allow)
    return HTMLResponse(html, status_code=status_code, headers=sent)


def widened(policy: str, allow: dict[str, list[str]]) -> str:
    """The policy with each directive in `allow` also allowing its origins."""
    directives = []
    for directive in filter(str.strip, policy.split(";")):
        name, *sources = directive.split()
        extra = [origin for origin in allow.get(name, []) if origin not in sources]
        directives.append(" ".join([name, *sources, *extra]))
    return "; ".join(directives)


def page(
    template: str, status_code: int = 200, headers: dict[str, str] | None = None, **values: Any
) -> HTMLResponse:
    """The template rendered as an HTML response."""
    html = _templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})
