"""Rate limits at the HTTP edge: each address counted, each caller counted, the headers set."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jobshots.core.context import Context
from jobshots.core.principal import Principal
from jobshots.core.ratelimits import service as ratelimits
from jobshots.core.ratelimits.service import Tally
from jobshots.core.uow import UnitOfWork
from jobshots.http.apis import Api, plain_error
from jobshots.http.client_address import client_address, trusted_networks
from jobshots.http.errors import HttpError

log = logging.getLogger(__name__)

# Not counted: health checks come from the load balancer, static files with every page.
EXEMPT = ("/healthz", "/static/")
# Where a request's tallies wait for its answer's headers (the request's ASGI state).
TALLIES = "rate_tallies"
# Set once the caller is counted: a session is checked again by routes that also take keys.
COUNTED = "rate_caller_counted"
# The app's memory of callers over a limit, handed to the per-caller count.
REFUSALS = "rate_refusals"
# Addresses whose last tally an uncounted request may show.
REMEMBERED = 10_000


class TooManyRequests(HttpError):
    """The caller is over a rate limit: each API answers 429 in its own error body."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            f"too many requests: try again in {retry_after} seconds",
            {"Retry-After": str(retry_after)},
        )


def limit_caller(request: Request, uow: UnitOfWork, principal: Principal) -> None:
    """Count an authenticated request against its key's limit (once); refuse it once over."""
    state = request.scope.setdefault("state", {})
    refusals = state.get(REFUSALS)
    if state.get(COUNTED) or not (tally := ratelimits.count_caller(uow, principal, None, refusals)):
        return
    state[COUNTED] = True
    # Committed now: on SQLite a failing request would otherwise undo its count, and on
    # PostgreSQL the counter's row would stay locked, queueing the key's other requests.
    uow.commit()
    _tallies(request.scope).append(tally)
    if tally.exceeded:
        raise TooManyRequests(tally.retry_after())


class RateLimits:
    """ASGI middleware around the whole app (its crash answers included): counts each address,
    refuses one over its limit, and sets the rate-limit and timing headers on every answer."""

    def __init__(self, app: ASGIApp, apis: Sequence[Api]) -> None:
        self.app = app
        self.apis = apis
        self._last: OrderedDict[str, Tally] = OrderedDict()
        self.refusals = ratelimits.Refusals()
        self._next_sweep = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        tallies = _tallies(scope)
        ctx: Context = scope["app"].state.ctx
        address = client_address(scope, trusted_networks(ctx.settings.trusted_proxies)) or ""
        scope.setdefault("state", {})[REFUSALS] = self.refusals
        if scope["path"].startswith(EXEMPT):
            tally = self._remembered(address)
        elif ctx.settings.rate_limit_per_ip and (
            refused := self.refusals.of(ratelimits.address_bucket(address or None))
        ):
            tally = refused  # already over: refused again without a word to the database
        else:
            tally = await run_in_threadpool(self._count, ctx, address)
            self._remember(address, tally)
        if tally is not None:
            tallies.append(tally)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _set_headers(MutableHeaders(scope=message), tallies, message["status"], started)
            await send(message)

        if tally is not None and tally.exceeded and not scope["path"].startswith(EXEMPT):
            await self._refusal(scope["path"], tally)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _count(self, ctx: Context, address: str) -> Tally | None:
        """The address's tally, in a transaction of its own; uncounted if the database fails."""
        try:
            with ctx.uow() as uow:
                tally = ratelimits.count_address(uow, address or None, None, self.refusals)
            now = time.time()
            if now >= self._next_sweep:
                self._next_sweep = now + ctx.settings.rate_limit_window_seconds
                with ctx.uow() as uow:
                    ratelimits.sweep(uow)
        except Exception:
            log.warning("rate limit not counted for %s", address, exc_info=True)
            return None
        return tally

    def _refusal(self, path: str, tally: Tally) -> ASGIApp:
        """The 429 in the error body of the API that owns the path."""
        refused = TooManyRequests(tally.retry_after())
        owner = next((api for api in self.apis if path.startswith(api.prefixes)), None)
        response = (owner.render_error if owner else plain_error)(refused)
        response.headers.update(refused.headers)
        return response

    def _remember(self, address: str, tally: Tally | None) -> None:
        if tally is None:
            return
        self._last[address] = tally
        self._last.move_to_end(address)
        if len(self._last) > REMEMBERED:
            self._last.popitem(last=False)

    def _remembered(self, address: str) -> Tally | None:
        """The address's last tally while its window lasts, for an answer that is not counted."""
        tally = self._last.get(address)
        return tally if tally is not None and tally.reset > time.time() else None


def _tallies(scope: Scope) -> list[Tally]:
    state: dict[str, list[Tally]] = scope.setdefault("state", {})
    return state.setdefault(TALLIES, [])


def _set_headers(
    headers: MutableHeaders, tallies: list[Tally], status: int, started: float
) -> None:
    """The tightest limit the request counted against, and the time spent on it."""
    if tallies:
        tightest = min(tallies, key=lambda tally: (not tally.exceeded, tally.remaining))
        headers["X-RateLimit-Limit"] = str(tightest.limit)
        headers["X-RateLimit-Remaining"] = str(tightest.remaining)
        headers["X-RateLimit-Reset"] = str(tightest.reset)
        if status == 429 and "retry-after" not in headers:
            headers["Retry-After"] = str(tightest.retry_after())
    headers["X-Response-Time-ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
