"""Binance's order rate limits, kept before Binance enforces them.

An account may place 300 orders per 10 seconds and 1,200 per minute on USDT-M futures;
above that Binance answers -1015 and, repeatedly, bans. `OrderRateLimiter` counts every
order placement in two rolling windows (stricter than Binance's fixed ones, so never
looser) and makes `acquire()` wait until a new order fits both, with a margin of safety
left unused. Binance's own counts, sent back on every order answer
(`X-MBX-ORDER-COUNT-10S`, `X-MBX-ORDER-COUNT-1M`), are fed to `note()`: orders placed by
another process on the same account then count here too. Clock and sleep are
injectable, so tests move time by hand.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

ORDERS_PER_10S = 300
ORDERS_PER_MINUTE = 1200
SAFETY_MARGIN = 0.1
"""Share of each limit left unused by default."""
SHORT_WINDOW_S = 10.0
LONG_WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class OrderLimitStats:
    """The limiter's counts and waits (for `/status/health`)."""

    orders_10s: int
    """Orders counted in the last 10 seconds."""
    orders_1m: int
    """Orders counted in the last minute."""
    limit_10s: int
    """Orders allowed per 10 s here (Binance's limit less the margin of safety)."""
    limit_1m: int
    waits: int
    """Placements that had to wait for room."""
    waited_s: float
    corrections: int
    """Times Binance's header counts were above this limiter's and raised them."""
    binance_10s: int | None
    """Binance's last reported count for its 10-second window (None: not yet known)."""
    binance_1m: int | None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "orders_10s": self.orders_10s,
            "orders_1m": self.orders_1m,
            "limit_10s": self.limit_10s,
            "limit_1m": self.limit_1m,
            "waits": self.waits,
            "waited_s": round(self.waited_s, 3),
            "corrections": self.corrections,
            "binance_10s": self.binance_10s,
            "binance_1m": self.binance_1m,
        }


class OrderRateLimiter:
    """Order placements per 10 s and per minute of one account (thread-safe)."""

    def __init__(
        self,
        *,
        per_10s: int = ORDERS_PER_10S,
        per_minute: int = ORDERS_PER_MINUTE,
        safety_margin: float = SAFETY_MARGIN,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0.0 <= safety_margin < 1.0:
            raise ValueError("safety_margin must be within [0, 1)")
        self.limit_10s = max(1, int(per_10s * (1.0 - safety_margin)))
        self.limit_1m = max(1, int(per_minute * (1.0 - safety_margin)))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        """Send times within the last minute, oldest first (header corrections included)."""
        self._hold_until = 0.0
        self._waits = 0
        self._waited_s = 0.0
        self._corrections = 0
        self._binance: tuple[int | None, int | None] = (None, None)

    def acquire(self) -> float:
        """Block until one more order fits both windows, count it as sent; the seconds
        waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_at(now)
                if wait <= 0.0:
                    self._sent.append(now)
                    if waited:
                        self._waits += 1
                        self._waited_s += waited
                    return waited
            self._sleep(wait)
            waited += wait

    def note(self, count_10s: int | None, count_1m: int | None) -> None:
        """Binance's counts of the account's orders in its current 10-second and minute
        windows (from an order answer's headers): counts above this limiter's are added
        as orders sent now, so orders placed elsewhere leave less room here."""
        with self._lock:
            now = self._clock()
            self._binance = (count_10s, count_1m)
            self._purge(now)
            missing = 0
            if count_10s is not None:
                start = now - now % SHORT_WINDOW_S  # Binance's windows are aligned
                missing = count_10s - sum(1 for t in self._sent if t >= start)
            if count_1m is not None:
                start = now - now % LONG_WINDOW_S
                missing = max(missing, count_1m - sum(1 for t in self._sent if t >= start))
            if missing > 0:
                self._corrections += 1
                self._sent.extend([now] * missing)

    def hold(self, seconds: float) -> None:
        """Binance refused an order for its rate (-1015): no new order for `seconds`."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._clock() + seconds)

    def stats(self) -> OrderLimitStats:
        """Counts, limits and waits now."""
        with self._lock:
            now = self._clock()
            self._purge(now)
            return OrderLimitStats(
                orders_10s=self._count_since(now - SHORT_WINDOW_S),
                orders_1m=len(self._sent),
                limit_10s=self.limit_10s,
                limit_1m=self.limit_1m,
                waits=self._waits,
                waited_s=self._waited_s,
                corrections=self._corrections,
                binance_10s=self._binance[0],
                binance_1m=self._binance[1],
            )

    # ----- internals (called with the lock held) -------------------------------------

    def _purge(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - LONG_WINDOW_S:
            self._sent.popleft()

    def _count_since(self, start: float) -> int:
        count = 0
        for sent in reversed(self._sent):
            if sent <= start:
                break
            count += 1
        return count

    def _wait_at(self, now: float) -> float:
        """Seconds until one more order fits (0: it fits now)."""
        self._purge(now)
        wait = self._hold_until - now
        recent = self._count_since(now - SHORT_WINDOW_S)
        if recent >= self.limit_10s:
            # the order that must leave the short window for one more to fit
            oldest = self._sent[len(self._sent) - self.limit_10s]
            wait = max(wait, oldest + SHORT_WINDOW_S - now)
        if len(self._sent) >= self.limit_1m:
            oldest = self._sent[len(self._sent) - self.limit_1m]
            wait = max(wait, oldest + LONG_WINDOW_S - now)
        return max(wait, 0.0)
