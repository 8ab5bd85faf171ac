"""Binance's request weight, shared by every REST caller of one base URL.

Binance counts request weight per IP and minute (`X-MBX-USED-WEIGHT-1m`, 2,400 by
default) and answers 429, then 418 bans, to callers that go over. Every client of the
same base URL (the downloader, the recorder's backfills, a live feed's warm-up) takes
its turn from one `WeightBudget`: before a request it asks how long to wait — until the
next minute near the limit, a second when the minute is busy, until a `Retry-After`
another caller was told — and after the answer it reports the weight Binance says is
used (the count of the IP, whoever spent it). Between answers, requests in flight count
with their known weight, so callers in parallel cannot overrun the limit together.

Some endpoints are limited by request count instead (`REQUEST_WINDOWS`): funding-rate
history shares 500 requests per 5 minutes per IP with `/fapi/v1/fundingInfo`, and the
`/futures/data/*` statistics 1,000 per 5 minutes; their minute weight is 0. `ENDPOINTS`
is the one table of documented weights, read by the client and by the fake server;
`TRADING_WEIGHTS` is its counterpart for the signed trading endpoints (by method and path).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
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


# ----- the documented weight of each endpoint --------------------------------------------------

DEPTH_WEIGHTS = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}
"""The book depths `/fapi/v1/depth` serves, and their request weight."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A REST endpoint: its path, its minute weight (for the endpoints whose weight does
    not depend on the parameters) and the request-count window it shares, if any."""

    path: str
    weight: int
    window: str | None = None


@dataclass(frozen=True, slots=True)
class RequestWindow:
    """A limit on requests (not weight) per rolling window."""

    requests: int
    seconds: float


REQUEST_WINDOWS = {
    "funding": RequestWindow(500, 300.0),
    "futures-data": RequestWindow(1000, 300.0),
}
"""Binance's per-IP request-count limits, by name."""

ENDPOINTS: dict[str, Endpoint] = {
    e.path.rsplit("/", 1)[-1]: e
    for e in (
        Endpoint("/fapi/v1/exchangeInfo", 1),
        Endpoint("/fapi/v1/klines", 5),  # by limit: `klines_weight`
        Endpoint("/fapi/v1/aggTrades", 20),
        Endpoint("/fapi/v1/depth", 10),  # by limit: `DEPTH_WEIGHTS`
        Endpoint("/fapi/v1/premiumIndex", 1),  # 10 without a symbol
        Endpoint("/fapi/v1/fundingRate", 0, "funding"),
        Endpoint("/fapi/v1/openInterest", 1),
        Endpoint("/fapi/v1/ticker/24hr", 1),  # 40 without a symbol
        Endpoint("/fapi/v1/ticker/bookTicker", 2),  # 5 without a symbol
        Endpoint("/futures/data/openInterestHist", 0, "futures-data"),
        Endpoint("/futures/data/globalLongShortAccountRatio", 0, "futures-data"),
        Endpoint("/futures/data/topLongShortAccountRatio", 0, "futures-data"),
        Endpoint("/futures/data/topLongShortPositionRatio", 0, "futures-data"),
    )
}
"""Endpoint name (the path's last part) → its documented weight and window."""


ALL_SYMBOL_WEIGHTS = {"premiumIndex": 10, "24hr": 40, "bookTicker": 5}
"""Weight of the endpoints that answer for every symbol when none is named."""


def klines_weight(limit: int) -> int:
    """Request weight of a `/fapi/v1/klines` page of `limit` rows."""
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    return 5 if limit <= 1000 else 10


def request_weight(name: str, params: Mapping[str, object]) -> int:
    """The minute weight of one request to endpoint `name` with `params` (Binance's
    defaults where a parameter is left out: 500 klines, a 500-level book)."""
    endpoint = ENDPOINTS[name]
    if name == "klines":
        return klines_weight(_int_param(params, "limit", 500))
    if name == "depth":
        return DEPTH_WEIGHTS.get(_int_param(params, "limit", 500), endpoint.weight)
    if not params.get("symbol") and name in ALL_SYMBOL_WEIGHTS:
        return ALL_SYMBOL_WEIGHTS[name]
    return endpoint.weight


TRADING_WEIGHTS: dict[tuple[str, str], int] = {
    ("GET", "/fapi/v1/time"): 1,
    ("POST", "/fapi/v1/order"): 0,  # counted in the account's order limits instead
    ("GET", "/fapi/v1/order"): 1,
    ("DELETE", "/fapi/v1/order"): 1,
    ("POST", "/fapi/v1/algoOrder"): 0,  # idem
    ("GET", "/fapi/v1/algoOrder"): 1,
    ("DELETE", "/fapi/v1/algoOrder"): 1,
    ("GET", "/fapi/v1/openOrders"): 1,  # 40 without a symbol
    ("GET", "/fapi/v1/openAlgoOrders"): 1,  # 40 without a symbol
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("GET", "/fapi/v3/balance"): 5,
    ("GET", "/fapi/v1/positionSide/dual"): 30,
    ("POST", "/fapi/v1/marginType"): 1,
    ("POST", "/fapi/v1/leverage"): 1,
    ("POST", "/fapi/v1/listenKey"): 1,
    ("PUT", "/fapi/v1/listenKey"): 1,
    ("DELETE", "/fapi/v1/listenKey"): 1,
}
"""(method, path) → the documented IP weight of the signed trading endpoints."""
ALL_SYMBOLS_WEIGHT = 40
"""Weight of `/fapi/v1/openOrders` and `/fapi/v1/openAlgoOrders` without a symbol."""


def trading_weight(method: str, path: str, params: Mapping[str, object]) -> int:
    """The minute weight of one trading request (`TRADING_WEIGHTS`; 1 for one not listed)."""
    if path in ("/fapi/v1/openOrders", "/fapi/v1/openAlgoOrders") and not params.get("symbol"):
        return ALL_SYMBOLS_WEIGHT
    return TRADING_WEIGHTS.get((method.upper(), path), 1)


def _int_param(params: Mapping[str, object], key: str, default: int) -> int:
    value = params.get(key)
    try:
        return default if value is None else int(str(value))
    except ValueError:
        return default


class WindowCounter:
    """Requests sent within a rolling window, shared by every caller (thread-safe)."""

    def __init__(self, window: RequestWindow) -> None:
        self.window = window
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()

    def take(self, now: float) -> Pause | None:
        """A request is about to go at `now`: None to send it, or how long to wait first
        (the request is counted as sent once no wait is asked)."""
        with self._lock:
            while self._sent and self._sent[0] <= now - self.window.seconds:
                self._sent.popleft()
            if len(self._sent) >= self.window.requests:
                return Pause("request window", self._sent[0] + self.window.seconds - now)
            self._sent.append(now)
            return None

    def used(self, now: float) -> int:
        """Requests counted in the window ending at `now`."""
        with self._lock:
            return sum(1 for sent in self._sent if sent > now - self.window.seconds)


_WINDOWS: dict[tuple[str, str], WindowCounter] = {}


def window_for(base_url: str, name: str) -> WindowCounter:
    """The request window `name` every client of `base_url` shares in this process."""
    with _BUDGETS_LOCK:
        key = (base_url.rstrip("/"), name)
        if key not in _WINDOWS:
            _WINDOWS[key] = WindowCounter(REQUEST_WINDOWS[name])
        return _WINDOWS[key]
