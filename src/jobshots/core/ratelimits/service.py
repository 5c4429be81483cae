"""Requests counted per API key or account and per client address, in fixed windows."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from jobshots.core.principal import Principal
from jobshots.core.ratelimits import repository
from jobshots.core.uow import UnitOfWork


@dataclass(frozen=True)
class Tally:
    """Where a caller stands in the current window, counting the request just made."""

    limit: int
    used: int
    # Unix time the window ends and the count starts again.
    reset: int

    @property
    def remaining(self) -> int:
        """Requests still allowed in this window."""
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        """True when this request is one too many."""
        return self.used > self.limit

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the window ends (at least one)."""
        return max(1, math.ceil(self.reset - (time.time() if now is None else now)))


class Refusals:
    """Callers over a limit, remembered by this process until their window ends: a count only
    grows within its window, so refusing them again needs no database, and a flood's excess
    costs next to nothing to turn away."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._until: dict[str, Tally] = {}

    def of(self, bucket: str, now: float | None = None) -> Tally | None:
        """The tally that put `bucket` over its limit, while its window lasts."""
        tally = self._until.get(bucket)
        if tally is not None and tally.reset <= (time.time() if now is None else now):
            self._until.pop(bucket, None)
            return None
        return tally

    def note(self, bucket: str, tally: Tally) -> None:
        """Remember `bucket` if `tally` put it over its limit."""
        if not tally.exceeded:
            return
        if len(self._until) >= self._size:
            now = time.time()
            self._until = {b: t for b, t in self._until.items() if t.reset > now}
        if len(self._until) < self._size:
            self._until[bucket] = tally


def address_bucket(address: str | None) -> str:
    """What a client address's requests are counted under."""
    return f"ip:{address or 'unknown'}"


def caller_bucket(principal: Principal) -> str:
    """What an authenticated caller's requests are counted under: sessions and sign-in tokens of
    one account share its allowance; each API key has its own."""
    if principal.api_key_id is not None:
        return f"key:{principal.api_key_id}"
    return f"user:{principal.user_id}"


def count_address(
    uow: UnitOfWork,
    address: str | None,
    now: float | None = None,
    refusals: Refusals | None = None,
) -> Tally | None:
    """Count a request from `address` against the per-address limit; None when that is off."""
    limit = uow.settings.rate_limit_per_ip
    return _count(uow, address_bucket(address), limit, now, refusals) if limit else None


def count_caller(
    uow: UnitOfWork,
    principal: Principal,
    now: float | None = None,
    refusals: Refusals | None = None,
) -> Tally | None:
    """Count an authenticated request against its key's (or account's) limit; None when off."""
    limit = uow.settings.rate_limit_per_key
    return _count(uow, caller_bucket(principal), limit, now, refusals) if limit else None


def sweep(uow: UnitOfWork, now: float | None = None) -> int:
    """Delete the counters of windows that have ended; how many went."""
    return repository.drop_before(uow.session, _window_start(uow, now))


def _count(
    uow: UnitOfWork, bucket: str, limit: int, now: float | None, refusals: Refusals | None
) -> Tally:
    if refusals is not None and (refused := refusals.of(bucket, now)) is not None:
        return refused
    start = _window_start(uow, now)
    used = repository.hit(uow.session, bucket, start)
    tally = Tally(limit=limit, used=used, reset=start + uow.settings.rate_limit_window_seconds)
    if refusals is not None:
        refusals.note(bucket, tally)
    return tally


def _window_start(uow: UnitOfWork, now: float | None) -> int:
    seconds = uow.settings.rate_limit_window_seconds
    return int((time.time() if now is None else now) // seconds) * seconds
