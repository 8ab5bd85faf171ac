"""Binance USDT-M REST: the HTTP client of the Binance adapter (nautilus' `http/`).

`BinanceRestClient` wraps python-binance's `Client` (pointed at a configurable
base URL, `REST_URL`; it never pings on construction) and adds what every caller
needs:

* request weight shared by every client of the base URL (`weight.WeightBudget`): each
  request counts its documented weight (`weight.ENDPOINTS`), Binance's
  `X-MBX-USED-WEIGHT-1m` header corrects the count, and a caller slows down near the
  limit and pauses until the next minute at it; endpoints limited by request count
  (funding history, `/futures/data/*`) also wait for room in their shared window;
* HTTP 429/418: every caller waits `Retry-After` seconds, then this one retries;
* HTTP 5xx and network errors: exponential backoff, bounded attempts, then
  `TemporaryError`;
* everything else becomes a one-line `InputError`/`NotFoundError`/`DataError`.

Requests of one client go one at a time (a lock: the poller's worker thread and the
event loop may share a client). `health()` is a typed snapshot for `/status/health`:
requests, retries, failures, the latency of recent answers and the used weight.
Sleeping and the clock are injectable so tests never wait for real.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests

from scalplab.data.adapters.binance.rest_health import RequestStats, RestHealth, health_of
from scalplab.data.adapters.binance.rest_schemas import (
    parse_funding_rates,
    parse_long_short_ratios,
    parse_open_interest,
    parse_open_interest_hist,
    parse_premium_index,
)
from scalplab.data.adapters.binance.schemas import parse_agg_trades, parse_depth_snapshot
from scalplab.data.adapters.binance.ticker_schemas import (
    Parsed,
    parse_book_tickers,
    parse_tickers_24h,
)
from scalplab.data.adapters.binance.weight import (
    DEPTH_WEIGHTS,
    ENDPOINTS,
    WeightBudget,
    budget_for,
    request_weight,
    window_for,
)
from scalplab.data.market_events import AggregateTrade, BookSnapshot, BookTop, OpenInterest
from scalplab.data.market_stats import (
    RATIO_KINDS,
    STAT_PERIODS,
    FundingRate,
    LongShortRatio,
    OpenInterestStat,
    PremiumIndex,
    RatioKind,
)
from scalplab.data.tickers import Ticker24h
from scalplab.errors import (
    DataError,
    InputError,
    NotFoundError,
    ScalpLabError,
    TemporaryError,
    snippet,
)

KLINES_LIMIT = 1500
"""Largest page `/fapi/v1/klines` serves (request weight 10)."""
AGG_TRADES_LIMIT = 1000
"""Largest page `/fapi/v1/aggTrades` serves (request weight 20)."""
DEPTH_LIMITS = tuple(DEPTH_WEIGHTS)
FUNDING_LIMIT = 1000
"""Largest page `/fapi/v1/fundingRate` serves."""
STATS_LIMIT = 500
"""Largest page the `/futures/data/*` statistics serve."""
RATIO_ENDPOINTS: dict[RatioKind, str] = {
    "global_accounts": "globalLongShortAccountRatio",
    "top_accounts": "topLongShortAccountRatio",
    "top_positions": "topLongShortPositionRatio",
}
"""Long/short ratio kind → its `/futures/data/` endpoint."""
UNKNOWN_SYMBOL_CODE = -1121
T = TypeVar("T")


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
        self._client.FUTURES_DATA_URL = f"{self.base_url}/futures/data"
        self._sleep = sleep
        self._clock = clock
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.budget = budget or budget_for(self.base_url)
        self.stats = RequestStats()
        self._lock = threading.Lock()

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

    def _request(
        self,
        name: str,
        what: str,
        call: Callable[[], Any],
        params: Mapping[str, object],
        parse: Callable[[Any], T],
    ) -> T:
        """One call of endpoint `name` (its documented weight and window) with `params`,
        its answer parsed; every error that ends it is counted in `stats.failures`."""
        try:
            weight = request_weight(name, params)
            return parse(self._call(what, call, weight, ENDPOINTS[name].window))
        except ScalpLabError:
            self.stats.failures += 1
            raise

    def _call(
        self, what: str, call: Callable[[], Any], weight: int = 1, window: str | None = None
    ) -> Any:
        """Run one REST call of request weight `weight` (and of the request window
        `window`) with pacing, rate-limit waits and bounded retries."""
        with self._lock:
            return self._attempts(what, call, weight, window)

    def _attempts(self, what: str, call: Callable[[], Any], weight: int, window: str | None) -> Any:
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            if window is not None:
                pause = window_for(self.base_url, window).take(self._clock())
                while pause is not None:
                    self._wait(pause.seconds, pause.reason)
                    pause = window_for(self.base_url, window).take(self._clock())
            self._pace(weight)
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                result = call()
            except requests.RequestException as exc:
                last_problem = f"{type(exc).__name__}"
            except self._request_error as exc:
                self._answered(started)
                last_problem = f"invalid response ({str(exc)[:120]})"
            except self._api_error as exc:
                self._answered(started)
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
                self._answered(started)
                self._note_weight(self._client.response)
                return result
            if attempt < self.max_attempts:
                self.stats.retries += 1
                self._wait(self.backoff_s * 2 ** (attempt - 1), last_problem)
        raise TemporaryError(
            f"Binance REST at {self.base_url} failed {self.max_attempts} times on {what} "
            f"(last: {last_problem}); try again later"
        )

    def _answered(self, started: float) -> None:
        self.stats.latencies_ms.append((time.perf_counter() - started) * 1000.0)

    def health(self) -> RestHealth:
        """Requests, retries, failures, latency of recent answers and used weight."""
        return health_of(self.stats, self.base_url, self.budget.limit)

    # --- endpoints ---

    def klines(
        self, symbol: str, interval: str, start_ms: int, end_ms: int, limit: int = KLINES_LIMIT
    ) -> list[list[Any]]:
        """`GET /fapi/v1/klines` for `start_ms <= open_time <= end_ms` (raw 12-element rows)."""
        params = {
            "symbol": symbol, "interval": interval, "startTime": start_ms, "endTime": end_ms,
            "limit": limit,
        }  # fmt: skip
        return self._request(
            "klines",
            f"klines {symbol} {interval}",
            lambda: self._client.futures_klines(**params),
            params,
            _kline_rows,
        )

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
        params.update(_range(start_ms, end_ms))
        return self._request(
            "aggTrades",
            f"aggTrades {symbol}",
            lambda: self._client.futures_aggregate_trades(**params),
            params,
            lambda answer: parse_agg_trades(symbol, answer),
        )

    def depth(self, symbol: str, limit: int = 1000) -> BookSnapshot:
        """`GET /fapi/v1/depth`: the book snapshot a local book syncs from."""
        if limit not in DEPTH_LIMITS:
            raise InputError(f"depth limit must be one of {', '.join(map(str, DEPTH_LIMITS))}")
        params = {"symbol": symbol, "limit": limit}
        return self._request(
            "depth",
            f"depth {symbol}",
            lambda: self._client.futures_order_book(**params),
            params,
            lambda answer: parse_depth_snapshot(symbol, answer),
        )

    def exchange_info(self) -> dict[str, Any]:
        """`GET /fapi/v1/exchangeInfo` (raw)."""
        return self._request(
            "exchangeInfo", "exchangeInfo", self._client.futures_exchange_info, {}, _info
        )

    def tickers_24h(self) -> Parsed[Ticker24h]:
        """`GET /fapi/v1/ticker/24hr` for every symbol (weight 40); malformed rows are
        reported by symbol, not raised."""
        return self._request(
            "24hr", "24h tickers", self._client.futures_ticker, {}, parse_tickers_24h
        )

    def book_tickers(self) -> Parsed[BookTop]:
        """`GET /fapi/v1/ticker/bookTicker` for every symbol (weight 5): best bid and ask."""
        return self._request(
            "bookTicker", "book tickers", self._client.futures_orderbook_ticker, {},
            parse_book_tickers,
        )  # fmt: skip

    def premium_index(self, symbol: str) -> PremiumIndex:
        """`GET /fapi/v1/premiumIndex`: mark and index price, the last funding rate and the
        next funding time of `symbol` now (weight 1)."""
        params = {"symbol": symbol}
        return self._request(
            "premiumIndex",
            f"premiumIndex {symbol}",
            lambda: self._client.futures_mark_price(**params),
            params,
            lambda answer: parse_premium_index(answer, symbol)[0],
        )

    def funding_rates(
        self,
        symbol: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = FUNDING_LIMIT,
    ) -> list[FundingRate]:
        """`GET /fapi/v1/fundingRate`: settlements with `start_ms <= time <= end_ms`, oldest
        first, at most `limit` from the start (the latest `limit` without a range); 500
        requests per 5 minutes per IP, shared with `/fapi/v1/fundingInfo`."""
        _check_limit(limit, FUNDING_LIMIT)
        params = {"symbol": symbol, "limit": limit, **_range(start_ms, end_ms)}
        return self._request(
            "fundingRate",
            f"fundingRate {symbol}",
            lambda: self._client.futures_funding_rate(**params),
            params,
            lambda answer: parse_funding_rates(answer, symbol),
        )

    def open_interest(self, symbol: str) -> OpenInterest:
        """`GET /fapi/v1/openInterest`: open interest (contracts) of `symbol` now (weight 1)."""
        params = {"symbol": symbol}
        return self._request(
            "openInterest",
            f"openInterest {symbol}",
            lambda: self._client.futures_open_interest(**params),
            params,
            lambda answer: parse_open_interest(answer, symbol),
        )

    def open_interest_hist(
        self,
        symbol: str,
        period: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = STATS_LIMIT,
    ) -> list[OpenInterestStat]:
        """`GET /futures/data/openInterestHist`: open interest per `period` (Binance keeps
        30 days); 1,000 requests per 5 minutes per IP for all `/futures/data/*`."""
        params = _stats_params(symbol, period, start_ms, end_ms, limit)
        return self._request(
            "openInterestHist",
            f"openInterestHist {symbol} {period}",
            lambda: self._client.futures_open_interest_hist(**params),
            params,
            lambda answer: parse_open_interest_hist(answer, symbol),
        )

    def long_short_ratio(
        self,
        symbol: str,
        kind: RatioKind,
        period: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = STATS_LIMIT,
    ) -> list[LongShortRatio]:
        """The long/short ratio of every account (`global_accounts`), the top traders'
        accounts (`top_accounts`) or the top traders' positions (`top_positions`) per
        `period` (`/futures/data/…LongShort…Ratio`, shares the statistics' window)."""
        if kind not in RATIO_ENDPOINTS:
            raise InputError(
                f"long/short ratio kind must be one of {', '.join(RATIO_KINDS)}, "
                f"got {snippet(kind)}"
            )
        params = _stats_params(symbol, period, start_ms, end_ms, limit)
        name = RATIO_ENDPOINTS[kind]
        call = {
            "global_accounts": self._client.futures_global_longshort_ratio,
            "top_accounts": self._client.futures_top_longshort_account_ratio,
            "top_positions": self._client.futures_top_longshort_position_ratio,
        }[kind]
        return self._request(
            name,
            f"{name} {symbol} {period}",
            lambda: call(**params),
            params,
            lambda answer: parse_long_short_ratios(answer, kind, symbol),
        )

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.session.close()


def _kline_rows(answer: Any) -> list[list[Any]]:
    if not isinstance(answer, list):
        raise DataError(f"Binance klines response is not a list: {str(answer)[:120]}")
    return answer


def _info(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise DataError(f"Binance exchangeInfo response is not an object: {str(answer)[:120]}")
    return answer


def _range(start_ms: int | None, end_ms: int | None) -> dict[str, int]:
    times = {"startTime": start_ms, "endTime": end_ms}
    return {key: value for key, value in times.items() if value is not None}


def _check_limit(limit: int, largest: int) -> None:
    if not 1 <= limit <= largest:
        raise InputError(f"limit must be within 1..{largest}, got {snippet(limit)}")


def _stats_params(
    symbol: str, period: str, start_ms: int | None, end_ms: int | None, limit: int
) -> dict[str, Any]:
    if period not in STAT_PERIODS:
        raise InputError(
            f"statistics period must be one of {', '.join(STAT_PERIODS)}, got {snippet(period)}"
        )
    _check_limit(limit, STATS_LIMIT)
    return {"symbol": symbol, "period": period, "limit": limit, **_range(start_ms, end_ms)}


def fetch_exchange_info(client: BinanceRestClient) -> dict[str, Any]:
    """The raw `/fapi/v1/exchangeInfo` response (feed it to `RulesStore.save_exchange_info`)."""
    info = client.exchange_info()
    if not isinstance(info.get("symbols"), list):
        raise DataError("Binance exchangeInfo response has no `symbols` list")
    return info
