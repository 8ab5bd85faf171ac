"""Pacing for external providers: a token-bucket rate limiter and a small TTL cache.

Free tiers are counted per minute (Whale Alert's free plan: 10 requests a minute;
alternative.me: 60 a minute), so each provider owns a `TokenBucket` refilled at its
rate, holding at most `burst` tokens. A request takes one token or is not sent: the
bucket says how long until the next token, and the caller decides (a poller leaves the
layer out this round; it never sleeps through a server's Retry-After holding a thread).
A 429 from the provider empties the bucket and blocks it for the Retry-After seconds.

`TtlCache` keeps a value for `ttl_s` seconds of the monotonic clock: a provider answers
from it instead of asking again (the seed's on-chain cache: 30 minutes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from scalplab.errors import InputError

V = TypeVar("V")


class TokenBucket:
    """`per_minute` requests a minute, at most `burst` at once (default: one minute's
    worth, at least 1). Thread-safe; `clock` is monotonic seconds (injectable)."""

    def __init__(
        self,
        per_minute: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not per_minute > 0:
            raise InputError("a rate limit needs a positive number of requests per minute")
        self.per_minute = float(per_minute)
        self.capacity = float(burst) if burst is not None else max(1.0, self.per_minute)
        if self.capacity < 1:
            raise InputError("a rate limit's burst must allow at least one request")
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()
        self._blocked_until = float("-inf")
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.per_minute / 60.0)
        self._updated = now

    def take(self) -> float:
        """Take one token: 0.0 when taken, else the seconds until one is available (nothing
        is taken then)."""
        with self._lock:
            now = self._clock()
            if now < self._blocked_until:
                return self._blocked_until - now
            self._refill(now)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) * 60.0 / self.per_minute

    def block_for(self, seconds: float) -> None:
        """No request for `seconds` (a 429's Retry-After), then the bucket refills from empty."""
        with self._lock:
            now = self._clock()
            self._blocked_until = max(self._blocked_until, now + max(0.0, seconds))
            self._tokens = 0.0
            self._updated = self._blocked_until

    @property
    def tokens(self) -> float:
        """Tokens available now (for health and tests)."""
        with self._lock:
            now = self._clock()
            if now < self._blocked_until:
                return 0.0
            self._refill(now)
            return self._tokens


class TtlCache(Generic[V]):
    """Values by key, each forgotten `ttl_s` seconds after it was put (monotonic clock)."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_s < 0:
            raise InputError("a cache TTL cannot be negative")
        self.ttl_s = float(ttl_s)
        self._clock = clock
        self._values: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value put under `key` less than `ttl_s` seconds ago, else None."""
        with self._lock:
            entry = self._values.get(key)
            if entry is None:
                return None
            if self._clock() - entry[0] >= self.ttl_s:
                del self._values[key]
                return None
            return entry[1]

    def put(self, key: str, value: V) -> None:
        """Keep `value` under `key` from now on."""
        with self._lock:
            self._values[key] = (self._clock(), value)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._values.clear()
