"""Binance's request weight, shared by every REST caller of one base URL.

Binance counts request weight per IP and minute (`X-MBX-USED-WEIGHT-1m`, 2,400 by
default) and answers 429, then 418 bans, to callers that go over. Every client of the
same base URL (the downloader, the recorder's backfills, a live feed's warm-up) takes
its turn from one `WeightBudget`: before a request it asks how long to wait — until the
next minute near the limit, a second when the minute is busy, until a `Retry-After`
another caller was told — and after the answer it reports the weight Binance says is
used (the count of the IP, whoever spent it). Between answers, requests in flight count
with their known weight, so callers in parallel cannot overrun the limit together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

WEIGHT_LIMIT = 2400
"""Binance's default REQUEST_WEIGHT per minute for USDT-M futures."""
SLOW_DOWN_AT = 0.7
PAUSE_AT = 0.9


@dataclass(frozen=True, slots=True)
class Pause:
    """A wait before the next request, and why."""

    reason: str
    seconds: float


class WeightBudget:
    """One base URL's weight per minute (thread-safe; see the module docstring)."""

    def __init__(self, limit: int = WEIGHT_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._minute: int | None = None
        self._used: int | None = None
        self._in_flight = 0
        self._banned_until = 0.0
        self._ban_reason = ""

    @property
    def used(self) -> int | None:
        """The weight Binance last reported for this minute (None: unknown)."""
        return self._used

    def take(self, weight: int, now: float) -> Pause | None:
        """A request of `weight` is about to go at `now` (epoch s): None to send it at once,
        or how long to wait before sending it."""
        with self._lock:
            if now < self._banned_until:
                return Pause(self._ban_reason, self._banned_until - now)
            minute = int(now // 60)
            if minute != self._minute:
                self._minute, self._used, self._in_flight = minute, None, 0
            estimate = (self._used or 0) + self._in_flight
            if (self._used is not None or self._in_flight) and estimate >= PAUSE_AT * self.limit:
                self._used, self._in_flight = None, weight  # it goes in the next minute
                return Pause("weight limit", 60.0 - now % 60.0 + 0.5)
            self._in_flight += weight
            if self._used is not None and estimate >= SLOW_DOWN_AT * self.limit:
                return Pause("weight high", 1.0)
            return None

    def answered(self, used: int | None, now: float) -> None:
        """An answer came with Binance's count for the minute (None: no usable header)."""
        with self._lock:
            self._minute = int(now // 60)
            self._used = used
            self._in_flight = 0

    def ban(self, seconds: float, now: float, reason: str) -> None:
        """Binance said to wait (`Retry-After`): every caller's next request waits."""
        with self._lock:
            if now + seconds > self._banned_until:
                self._banned_until, self._ban_reason = now + seconds, reason


_BUDGETS: dict[str, WeightBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(base_url: str) -> WeightBudget:
    """The budget every client of `base_url` shares in this process."""
    with _BUDGETS_LOCK:
        return _BUDGETS.setdefault(base_url.rstrip("/"), WeightBudget())
