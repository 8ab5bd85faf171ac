"""Binance USDT-M REST: the HTTP client of the Binance adapter (nautilus' `http/`).

`BinanceRestClient` wraps python-binance's `Client` (pointed at a configurable
base URL, `REST_URL`; it never pings on construction) and adds what every caller
needs:

* request weight shared by every client of the base URL (`weight.WeightBudget`): each
  request counts its known weight, Binance's `X-MBX-USED-WEIGHT-1m` header corrects the
  count, and a caller slows down near the limit and pauses until the next minute at it;
* HTTP 429/418: every caller waits `Retry-After` seconds, then this one retries;
* HTTP 5xx and network errors: exponential backoff, bounded attempts, then
  `TemporaryError`;
* everything else becomes a one-line `InputError`/`NotFoundError`/`DataError`.

Sleeping and the clock are injectable so tests never wait for real.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from scalplab.data.adapters.binance.schemas import parse_agg_trades, parse_depth_snapshot
from scalplab.data.adapters.binance.weight import WeightBudget, budget_for
from scalplab.data.market_events import AggregateTrade, BookSnapshot
from scalplab.errors import DataError, InputError, NotFoundError, TemporaryError, snippet

KLINES_LIMIT = 1500
"""Largest page `/fapi/v1/klines` serves (request weight 10)."""
AGG_TRADES_LIMIT = 1000
"""Largest page `/fapi/v1/aggTrades` serves (request weight 20)."""
DEPTH_WEIGHTS = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}
"""The book depths `/fapi/v1/depth` serves, and their request weight."""
DEPTH_LIMITS = tuple(DEPTH_WEIGHTS)
UNKNOWN_SYMBOL_CODE = -1121


@dataclass
class RequestStats:
    """Counters a client keeps across calls (for reports and tests)."""

    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0
    used_weight: int | None = None
    waits: list[tuple[str, float]] = field(default_factory=list)
    """Every pause taken: (reason, seconds)."""


class BinanceRestClient:
    """USDT-M futures market-data REST client (python-binance underneath)."""

    def __init__(
        self,
        base_url: str = "https://fapi.binance.com",
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        max_retry_after_s: float = 300.0,
        budget: WeightBudget | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(
                f"REST base URL must start with http:// or https://, got {snippet(base_url)}"
            )
        if max_attempts < 1:
            raise InputError("max_attempts must be at least 1")
        with warnings.catch_warnings():
            # python-binance imports deprecated `websockets` names we never use.
            warnings.simplefilter("ignore", DeprecationWarning)
            from binance.client import Client
            from binance.exceptions import BinanceAPIException, BinanceRequestException

        self._api_error: type[Exception] = BinanceAPIException
        self._request_error: type[Exception] = BinanceRequestException
        self.base_url = base_url.rstrip("/")
        self._client = Client(ping=False, requests_params={"timeout": timeout_s})
        self._client.FUTURES_URL = f"{self.base_url}/fapi"
        self._sleep = sleep
        self._clock = clock
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.budget = budget or budget_for(self.base_url)
        self.stats = RequestStats()

    # --- pacing and retries ---

    def _wait(self, seconds: float, reason: str) -> None:
        self.stats.waits.append((reason, seconds))
        self.stats.waited_s += seconds
        self._sleep(seconds)

    def _note_weight(self, response: Any) -> None:
        headers = getattr(response, "headers", None) or {}
        value = headers.get("X-MBX-USED-WEIGHT-1m") or headers.get("x-mbx-used-weight-1m")
        try:
            self.stats.used_weight = int(value) if value is not None else None
        except ValueError:
            self.stats.used_weight = None
        self.budget.answered(self.stats.used_weight, self._clock())

    def _pace(self, weight: int) -> None:
        """Take `weight` from the shared budget, waiting first when it says so."""
        pause = self.budget.take(weight, self._clock())
        if pause is not None:
            self._wait(pause.seconds, pause.reason)

    @staticmethod
    def _retry_after(response: Any) -> float | None:
        headers = getattr(response, "headers", None) or {}
        value = headers.get("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def _call(self, what: str, call: Callable[[], Any], weight: int = 1) -> Any:
        """Run one REST call of request weight `weight` with pacing, rate-limit waits and
        bounded retries."""
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self._pace(weight)
            self.stats.requests += 1
            try:
                result = call()
            except requests.RequestException as exc:
                last_problem = f"{type(exc).__name__}"
            except self._request_error as exc:
                last_problem = f"invalid response ({str(exc)[:120]})"
            except self._api_error as exc:
                status = int(getattr(exc, "status_code", 0))
                response = getattr(exc, "response", None)
                self._note_weight(response)
                if status in (418, 429):
                    wait = self._retry_after(response)
                    wait = 60.0 if wait is None else wait
                    if wait > self.max_retry_after_s or attempt == self.max_attempts:
                        raise TemporaryError(
                            f"Binance rate limit (HTTP {status}) on {what}; "
                            f"retry after {wait:.0f} s"
                        ) from None
                    self.stats.retries += 1
                    self.budget.ban(wait, self._clock(), f"HTTP {status} Retry-After")
                    continue  # the budget makes this and every other caller wait
                if status >= 500:
                    last_problem = f"HTTP {status}"
                else:
                    code = getattr(exc, "code", None)
                    message = getattr(exc, "message", "") or ""
                    if code == UNKNOWN_SYMBOL_CODE:
                        raise NotFoundError(f"Binance: {what}: {message}") from None
                    raise InputError(
                        f"Binance rejected {what} (HTTP {status}, code {code}): {message}"
                    ) from None
            else:
                self._note_weight(self._client.response)
                return result
            if attempt < self.max_attempts:
                self.stats.retries += 1
                self._wait(self.backoff_s * 2 ** (attempt - 1), last_problem)
        raise TemporaryError(
            f"Binance REST at {self.base_url} failed {self.max_attempts} times on {what} "
            f"(last: {last_problem}); try again later"
        )

    # --- endpoints ---

    def klines(
        self, symbol: str, interval: str, start_ms: int, end_ms: int, limit: int = KLINES_LIMIT
    ) -> list[list[Any]]:
        """`GET /fapi/v1/klines` for `start_ms <= open_time <= end_ms` (raw 12-element rows)."""
        result = self._call(
            f"klines {symbol} {interval}",
            lambda: self._client.futures_klines(
                symbol=symbol, interval=interval, startTime=start_ms, endTime=end_ms, limit=limit
            ),
            klines_weight(limit),
        )
        if not isinstance(result, list):
            raise DataError(f"Binance klines response is not a list: {str(result)[:120]}")
        return result

    def agg_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = AGG_TRADES_LIMIT,
    ) -> list[AggregateTrade]:
        """`GET /fapi/v1/aggTrades`: from an aggregate-trade id (the backfill after a
        reconnect), or within a time range; oldest first."""
        params: dict[str, Any] = {"symbol": symbol, "limit": limit}
        if from_id is not None:
            params["fromId"] = from_id
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        result = self._call(
            f"aggTrades {symbol}", lambda: self._client.futures_aggregate_trades(**params), 20
        )
        return parse_agg_trades(symbol, result)

    def depth(self, symbol: str, limit: int = 1000) -> BookSnapshot:
        """`GET /fapi/v1/depth`: the book snapshot a local book syncs from."""
        if limit not in DEPTH_LIMITS:
            raise InputError(f"depth limit must be one of {', '.join(map(str, DEPTH_LIMITS))}")
        result = self._call(
            f"depth {symbol}",
            lambda: self._client.futures_order_book(symbol=symbol, limit=limit),
            DEPTH_WEIGHTS[limit],
        )
        return parse_depth_snapshot(symbol, result)

    def exchange_info(self) -> dict[str, Any]:
        """`GET /fapi/v1/exchangeInfo` (raw)."""
        result = self._call("exchangeInfo", self._client.futures_exchange_info)
        if not isinstance(result, dict):
            raise DataError(f"Binance exchangeInfo response is not an object: {str(result)[:120]}")
        return result

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.session.close()


def klines_weight(limit: int) -> int:
    """Request weight of a `/fapi/v1/klines` page of `limit` rows."""
    if limit < 100:
        return 1
    if limit < 500:
        return 2
    return 5 if limit <= 1000 else 10


def fetch_exchange_info(client: BinanceRestClient) -> dict[str, Any]:
    """The raw `/fapi/v1/exchangeInfo` response (feed it to `RulesStore.save_exchange_info`)."""
    info = client.exchange_info()
    if not isinstance(info.get("symbols"), list):
        raise DataError("Binance exchangeInfo response has no `symbols` list")
    return info
