"""The provider interface: `fetch()` → `ProviderReading`, health, and the shared machinery.

A provider is anything with a `name`, a `layer`, `fetch()` and `health()` (`Provider`).
`BaseProvider` gives concrete providers everything but the reading itself: they implement
`read(fetched_at)` — ask the source, parse its documented answer, return a reading — and
may raise. `fetch()` never does:

1. within `ttl_s` of the last good reading, that reading again (no request);
2. otherwise `read()`; a good reading is cached and recorded in the health;
3. any failure — `ProviderError` from the client (timeout, 429, 5xx, refused key, our own
   rate limit), a malformed answer, or an unexpected exception — becomes the record
   `layer left out: <reason>`, logged once per change of reason (a warning; a recovery is
   logged too), and counted in the health.

`Unconfigured` stands for a provider that cannot run (no key, not enabled, no free
source): its `fetch()` is always the left-out record with the reason, its health state
`not configured`.

Health states: `not configured`; `idle` (configured, never fetched); `failing` (the last
attempt failed); `stale` (the last attempt succeeded but its data is 30 minutes old or
older); `ok`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, runtime_checkable

from scalplab.data.providers.http import ProviderError
from scalplab.data.providers.limits import TokenBucket, TtlCache
from scalplab.data.providers.reading import STALE_AFTER_S, Layer, ProviderReading
from scalplab.timeutil import iso_ms

log = logging.getLogger(__name__)

HealthState = Literal["ok", "stale", "failing", "not configured", "idle"]
MALFORMED_ERRORS = (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError)
"""What parsing a garbage answer raises (turned into "malformed answer: …")."""


def now_ms() -> int:
    """The wall clock in epoch milliseconds."""
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class ProviderHealth:
    """One provider's state for `/status/health` and `scalplab providers status`."""

    provider: str
    layer: Layer
    state: HealthState
    reason: str | None
    """Why not `ok`: not configured because …, the last error, how old the data is."""
    source: str | None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    fetches: int = 0
    """Requests made (cache answers and rate-limited rounds not counted)."""
    failures: int = 0
    observed_at: str | None = None
    """When the latest good reading's values were true."""
    age_s: float | None = None
    freshness: float | None = None


@runtime_checkable
class Provider(Protocol):
    """What the poller, the CLI and a strategy's live path use of a provider."""

    @property
    def name(self) -> str: ...

    @property
    def layer(self) -> Layer: ...

    @property
    def configured(self) -> bool: ...

    def fetch(self) -> ProviderReading: ...

    def health(self) -> ProviderHealth: ...


class BaseProvider(ABC):
    """Cache, rate limit, error handling and health around `read()` (see the module)."""

    name: ClassVar[str]
    layer: ClassVar[Layer]
    ttl_s: ClassVar[float] = 60.0
    """Default cache TTL."""
    per_minute: ClassVar[float] = 10.0
    """Default requests a minute (the free tier's)."""

    def __init__(
        self,
        *,
        ttl_s: float | None = None,
        limiter: TokenBucket | None = None,
        clock_ms: Callable[[], int] = now_ms,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter = limiter or TokenBucket(self.per_minute, clock=monotonic)
        self.cache: TtlCache[ProviderReading] = TtlCache(
            self.ttl_s if ttl_s is None else ttl_s, monotonic
        )
        self.clock_ms = clock_ms
        self._lock = threading.Lock()
        self._last_good: ProviderReading | None = None
        self._last_error: str | None = None
        self._last_error_ms: int | None = None
        self._consecutive = 0
        self._fetches = 0
        self._failures = 0
        self._logged_reason: str | None = None

    @property
    def configured(self) -> bool:
        return True

    @property
    @abstractmethod
    def source(self) -> str:
        """Where the data comes from (base URL and path; never a key)."""

    @abstractmethod
    def read(self, fetched_at: int) -> ProviderReading:
        """Ask the source now and return its reading (may raise; `fetch` never does)."""

    def scrub(self, text: str) -> str:
        """`text` without secrets (a provider with a key overrides this)."""
        return text

    def fetch(self) -> ProviderReading:
        """The latest reading, or the record of the layer left out with its reason."""
        cached = self.cache.get(self.name)
        if cached is not None:
            return cached
        fetched_at = self.clock_ms()
        try:
            reading = self.read(fetched_at)
            _check(reading)
        except ProviderError as exc:
            return self._failed(fetched_at, exc.message, counted=exc.failure)
        except MALFORMED_ERRORS as exc:
            return self._failed(fetched_at, f"malformed answer ({self.scrub(str(exc))[:120]})")
        except Exception as exc:  # never a crash: a bug in a parser leaves the layer out
            log.exception("provider %s raised", self.name)
            return self._failed(fetched_at, f"unexpected {type(exc).__name__}")
        with self._lock:
            self._fetches += 1
            self._consecutive = 0
            self._last_good = reading
            recovered = self._logged_reason is not None
            self._logged_reason = None
        if recovered:
            log.info("provider %s answers again", self.name)
        self.cache.put(self.name, reading)
        return reading

    def _failed(self, fetched_at: int, reason: str, counted: bool = True) -> ProviderReading:
        reason = self.scrub(reason)
        with self._lock:
            if counted:
                self._fetches += 1
                self._failures += 1
                self._consecutive += 1
                self._last_error, self._last_error_ms = reason, fetched_at
            changed = counted and reason != self._logged_reason
            if changed:
                self._logged_reason = reason
        if changed:
            log.warning("provider %s: layer left out: %s", self.name, reason)
        return ProviderReading.missing(self.name, self.layer, fetched_at, self.source, reason)

    @property
    def latest(self) -> ProviderReading | None:
        """The last good reading (None before the first)."""
        return self._last_good

    def health(self) -> ProviderHealth:
        """State, last success and error, failure counts, the data's age and freshness."""
        now = self.clock_ms()
        with self._lock:
            good, error, error_ms = self._last_good, self._last_error, self._last_error_ms
            consecutive, fetches, failures = self._consecutive, self._fetches, self._failures
        age = None if good is None else good.age_s(now)
        state: HealthState
        reason: str | None
        if fetches == 0:
            state, reason = "idle", "not fetched yet"
        elif consecutive > 0:
            state, reason = "failing", error
        elif age is not None and not math.isnan(age) and age >= STALE_AFTER_S:
            state, reason = "stale", f"the latest data is {age / 60:.0f} min old"
        else:
            state, reason = "ok", None
        return ProviderHealth(
            provider=self.name,
            layer=self.layer,
            state=state,
            reason=reason,
            source=self.source,
            last_success_at=None if good is None else iso_ms(good.fetched_at),
            last_error=error,
            last_error_at=None if error_ms is None else iso_ms(error_ms),
            consecutive_failures=consecutive,
            fetches=fetches,
            failures=failures,
            observed_at=None if good is None or good.observed_at is None
            else iso_ms(good.observed_at),
            age_s=None if age is None or math.isnan(age) else round(age, 3),
            freshness=None if good is None else good.freshness(now),
        )  # fmt: skip

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections (a provider holding one overrides this)."""


class Unconfigured:
    """A provider that cannot run: every fetch is the left-out record with `reason`."""

    def __init__(
        self,
        name: str,
        layer: Layer,
        reason: str,
        source: str | None = None,
        clock_ms: Callable[[], int] = now_ms,
    ) -> None:
        self.name = name
        self.layer = layer
        self.reason = reason
        self.source = source
        self.clock_ms = clock_ms

    @property
    def configured(self) -> bool:
        return False

    def fetch(self) -> ProviderReading:
        return ProviderReading.missing(
            self.name, self.layer, self.clock_ms(), self.source or "", self.reason
        )

    def health(self) -> ProviderHealth:
        return ProviderHealth(
            provider=self.name,
            layer=self.layer,
            state="not configured",
            reason=self.reason,
            source=self.source,
        )

    def close(self) -> None:
        """Nothing to release."""


def _check(reading: ProviderReading) -> None:
    """A reading a provider returns must hold finite metrics and times (else: malformed)."""
    if not reading.available:
        raise ProviderError(reading.reason or "no data")
    if not reading.metrics:
        raise ValueError("no values in the answer")
    for name, value in reading.metrics.items():
        if not isinstance(value, float | int) or not math.isfinite(value):
            raise ValueError(f"{name} is not a finite number")
    if reading.observed_at is None:
        raise ValueError("no time in the answer")
