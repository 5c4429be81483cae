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


def count_address(uow: UnitOfWork, address: str | None, now: float | None = None) -> Tally | None:
    """Count a request from `address` against the per-address limit; None when that is off."""
    limit = uow.settings.rate_limit_per_ip
    return _count(uow, f"ip:{address or 'unknown'}", limit, now) if limit else None


def count_caller(uow: UnitOfWork, principal: Principal, now: float | None = None) -> Tally | None:
    """Count an authenticated request against its key's (or account's) limit; None when off."""
    limit = uow.settings.rate_limit_per_key
    if not limit:
        return None
    # Sessions and sign-in tokens of one account share its allowance; each API key has its own.
    bucket = (
        f"key:{principal.api_key_id}"
        if principal.api_key_id is not None
        else f"user:{principal.user_id}"
    )
    return _count(uow, bucket, limit, now)


def sweep(uow: UnitOfWork, now: float | None = None) -> int:
    """Delete the counters of windows that have ended; how many went."""
    return repository.drop_before(uow.session, _window_start(uow, now))


def _count(uow: UnitOfWork, bucket: str, limit: int, now: float | None) -> Tally:
    start = _window_start(uow, now)
    used = repository.hit(uow.session, bucket, start)
    return Tally(limit=limit, used=used, reset=start + uow.settings.rate_limit_window_seconds)


def _window_start(uow: UnitOfWork, now: float | None) -> int:
    seconds = uow.settings.rate_limit_window_seconds
    return int((time.time() if now is None else now) // seconds) * seconds
