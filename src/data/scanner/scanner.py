"""`MarketScanner`: one refresh of seed 002's market scanner over Binance USDT-M REST.

A refresh reads the exchangeInfo (kept for `INFO_TTL_S`; weight 1) for the universe —
every `PERPETUAL` contract quoted in USDT whose status is `TRADING` — then the 24 h
tickers (weight 40) and book tickers (weight 5) of every symbol, one call each. The cheap
filters (24 h volume, spread, "not dead") run on those; only the symbols that pass them
get their 15m klines read (`klines.KlineCache`: fetched once, then topped up when a
candle closes), on `workers` REST clients in parallel sharing the base URL's weight
budget. Each candidate gets its ATR(14, 15m) %, the seed's score and its verdict
(`score.py`).

Bad input never crashes a scan and is never scored in silence: a symbol without a
ticker or a book, with a malformed one, whose klines fail or come back empty, malformed
or too short for ATR is left out with the reason (`ScanResult.left_out`), logged once
per symbol and reason. A scan fails as a whole (a `ScalpLabError`) only when the
exchangeInfo or a whole-market ticker call fails.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from scalplab.data.adapters.binance.http import BinanceRestClient, fetch_exchange_info
from scalplab.data.adapters.binance.ticker_schemas import UNNAMED, Parsed
from scalplab.data.adapters.binance.weight import klines_weight, request_weight
from scalplab.data.market_events import BookTop
from scalplab.data.scanner.klines import Candle, KlineCache, parse_closed
from scalplab.data.scanner.result import LeftOut, ScannerRow, ScanResult
from scalplab.data.scanner.score import ScannerParams, opportunity_score, spread_pct, wilder_atr
from scalplab.data.tickers import Ticker24h
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import ScalpLabError

log = logging.getLogger(__name__)

INFO_TTL_S = 600.0
"""How long a fetched exchangeInfo serves (listings change rarely; its weight is 1)."""
WORKERS = 8
"""REST clients reading klines in parallel."""
LOGGED_MAX = 10_000
"""(symbol, reason) pairs remembered as logged."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Measured:
    """A candidate's candles, or why it has none."""

    candles: list[Candle] | None = None
    problem: str | None = None


class MarketScanner:
    """Refreshes the scan (thread-safe: one refresh at a time; see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        params: ScannerParams | None = None,
        *,
        workers: int = WORKERS,
        on_exchange_info: Callable[[dict[str, Any]], None] | None = None,
        client_factory: Callable[[str], BinanceRestClient] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.params = params or ScannerParams()
        self.workers = max(1, workers)
        self.on_exchange_info = on_exchange_info
        """Called with each freshly fetched exchangeInfo (the server caches its rules)."""
        self._factory = client_factory or _client
        self._clock = clock
        interval_ms = timeframe_ms(self.params.interval)
        self.cache = KlineCache(interval_ms, self.params.window)
        self._clients: queue.SimpleQueue[BinanceRestClient] = queue.SimpleQueue()
        self._all_clients: list[BinanceRestClient] = []
        self._info: tuple[float, list[str]] | None = None
        self._logged: set[tuple[str, str]] = set()
        self._weight = 0
        self._requests = 0
        self._waited = 0.0
        self._tally = threading.Lock()
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release every REST client's HTTP session."""
        for client in self._all_clients:
            client.close()

    # ----- one refresh ------------------------------------------------------------------------

    def scan(self) -> ScanResult:
        """One refresh (see the module docstring)."""
        with self._lock:
            started = time.perf_counter()
            self._weight = self._requests = 0
            self._waited = 0.0
            universe = self._universe()
            with self._client() as client:
                tickers = self._counted(client, "24hr", {}, client.tickers_24h)
                books = self._counted(client, "bookTicker", {}, client.book_tickers)
            kline_requests_before = self._requests
            rows, left_out, candidates = self._rows(universe, tickers, books)
            result = ScanResult(
                rows=tuple(sorted(rows, key=_order)),
                left_out=tuple(left_out),
                taken_at=datetime.now(UTC),
                market_time_ms=max((t.close_time for t in tickers.records.values()), default=None),
                universe=len(universe),
                candidates=candidates,
                kline_requests=self._requests - kline_requests_before,
                weight_used=self._weight,
                waited_s=self._waited,
                duration_s=time.perf_counter() - started,
                base_url=self.base_url,
                params=self.params,
            )
        for item in result.left_out:
            self._log_once(item.symbol, item.reason)
        log.info(
            "market scan: %d USDT-M perpetuals, %d candidates, %d qualified, %d left out; "
            "weight %d, %.2f s",
            result.universe,
            result.candidates,
            len(result.qualified),
            len(result.left_out),
            result.weight_used,
            result.duration_s,
        )
        return result

    def _universe(self) -> list[str]:
        """The USDT-M perpetuals trading now (exchangeInfo, fetched every `INFO_TTL_S`)."""
        now = self._clock()
        if self._info is not None and now - self._info[0] < INFO_TTL_S:
            return self._info[1]
        with self._client() as client:
            info = self._counted(client, "exchangeInfo", {}, lambda: fetch_exchange_info(client))
        symbols = sorted(
            str(entry["symbol"])
            for entry in info["symbols"]
            if isinstance(entry, dict)
            and entry.get("contractType") == "PERPETUAL"
            and entry.get("quoteAsset") == "USDT"
            and entry.get("status") == "TRADING"
            and isinstance(entry.get("symbol"), str)
        )
        self._info = (now, symbols)
        if self.on_exchange_info is not None:
            try:
                self.on_exchange_info(info)
            except ScalpLabError as exc:
                log.warning("exchangeInfo not cached: %s", exc.message)
        return symbols

    def _rows(
        self, universe: list[str], tickers: Parsed[Ticker24h], books: Parsed[BookTop]
    ) -> tuple[list[ScannerRow], list[LeftOut], int]:
        rows: list[ScannerRow] = []
        left_out: list[LeftOut] = []
        candidates: list[tuple[Ticker24h, BookTop]] = []
        p = self.params
        for symbol in universe:
            ticker, book = tickers.records.get(symbol), books.records.get(symbol)
            if ticker is None or book is None:
                why = tickers.problems.get(symbol) or books.problems.get(symbol)
                missing = "24h ticker" if ticker is None else "book ticker"
                left_out.append(LeftOut(symbol, why or f"no {missing} from Binance"))
                continue
            reasons = _cheap_reasons(ticker, book, p)
            if reasons:
                rows.append(_unscored(ticker, book, reasons))
            else:
                candidates.append((ticker, book))
        for problems in (tickers.problems, books.problems):  # rows naming no symbol
            if UNNAMED in problems:
                left_out.append(LeftOut(UNNAMED, problems[UNNAMED]))
        measured = self._measure([ticker for ticker, _ in candidates])
        for ticker, book in candidates:
            outcome = measured[ticker.symbol]
            if outcome.candles is None:
                left_out.append(LeftOut(ticker.symbol, outcome.problem or "no 15m klines"))
                continue
            candles = outcome.candles
            atr = wilder_atr(
                [c.high for c in candles],
                [c.low for c in candles],
                [c.close for c in candles],
                p.atr_period,
            )
            rows.append(_scored(ticker, book, atr / candles[-1].close * 100.0, len(candles), p))
        return rows, left_out, len(candidates)

    def _measure(self, tickers: list[Ticker24h]) -> dict[str, _Measured]:
        """Each candidate's closed candles (read in parallel), or why there are none."""
        if not tickers:
            return {}
        with ThreadPoolExecutor(max_workers=min(self.workers, len(tickers))) as pool:
            measured = pool.map(self._candles, tickers)
            return dict(zip((t.symbol for t in tickers), measured, strict=True))

    def _candles(self, ticker: Ticker24h) -> _Measured:
        symbol, interval = ticker.symbol, self.params.interval
        now_ms = ticker.close_time
        wanted = self.cache.request(symbol, now_ms)
        try:
            if wanted is not None:
                with self._client() as client:
                    params = {"symbol": symbol, "interval": interval, "limit": wanted.limit}
                    rows = self._counted(
                        client,
                        "klines",
                        params,
                        lambda: client.klines(
                            symbol, interval, wanted.start_ms, wanted.end_ms, wanted.limit
                        ),
                    )
                self.cache.store(symbol, parse_closed(rows, now_ms), wanted.top_up)
        except ScalpLabError as exc:
            self.cache.forget(symbol)
            return _Measured(problem=f"{interval} klines: {exc.message}")
        series = self.cache.series(symbol)
        needed = self.params.atr_period + 1
        if not series:
            return _Measured(problem=f"no closed {interval} klines from Binance")
        if len(series) < needed:
            return _Measured(
                problem=f"only {len(series)} closed {interval} candles: "
                f"ATR({self.params.atr_period}) needs {needed}"
            )
        return _Measured(candles=series)

    # ----- clients and weight -----------------------------------------------------------------

    @contextmanager
    def _client(self) -> Iterator[BinanceRestClient]:
        """A free REST client (a new one while fewer than `workers` exist)."""
        try:
            client = self._clients.get_nowait()
        except queue.Empty:
            client = self._factory(self.base_url)
            with self._tally:
                self._all_clients.append(client)
        try:
            yield client
        finally:
            self._clients.put(client)

    def _counted(
        self, client: BinanceRestClient, name: str, params: dict[str, Any], call: Callable[[], T]
    ) -> T:
        """`call()` on `client`, its requests (retries included) counted at the weight of
        endpoint `name` with `params`, and the time it paused for rate limits and retries."""
        weight = klines_weight(int(params["limit"])) if name == "klines" else None
        before, waited = client.stats.requests, client.stats.waited_s
        try:
            return call()
        finally:
            sent = client.stats.requests - before
            with self._tally:
                self._requests += sent if name == "klines" else 0
                self._weight += sent * (weight or request_weight(name, params))
                self._waited += client.stats.waited_s - waited

    def _log_once(self, symbol: str, reason: str) -> None:
        if (symbol, reason) not in self._logged:
            if len(self._logged) >= LOGGED_MAX:  # reasons carry numbers: keep the set bounded
                self._logged.clear()
            self._logged.add((symbol, reason))
            log.info("scanner left %s out: %s", symbol, reason, extra={"symbol": symbol})


def _client(base_url: str) -> BinanceRestClient:
    return BinanceRestClient(base_url, max_attempts=3, backoff_s=0.5)


def _cheap_reasons(ticker: Ticker24h, book: BookTop, p: ScannerParams) -> tuple[str, ...]:
    """Why a symbol fails the filters that need no klines (empty: it is a candidate)."""
    reasons = []
    if not ticker.quote_volume > p.min_volume_usdt:
        reasons.append(
            f"24h volume {ticker.quote_volume:,.0f} USDT not over {p.min_volume_usdt:,.0f}"
        )
    spread = spread_pct(book.bid, book.ask)
    if not spread < p.max_spread_pct:
        reasons.append(f"spread {spread:.4f} % not under {p.max_spread_pct:g} %")
    if not abs(ticker.price_change_pct) > p.min_change_pct:
        reasons.append(
            f"24h change {ticker.price_change_pct:+.2f} % not beyond ±{p.min_change_pct:g} % (dead)"
        )
    return tuple(reasons)


def _unscored(ticker: Ticker24h, book: BookTop, reasons: tuple[str, ...]) -> ScannerRow:
    """A symbol that failed the cheap filters: no klines read, so no ATR and no score."""
    spread = spread_pct(book.bid, book.ask)
    return ScannerRow(
        ticker.symbol, ticker.last_price, ticker.quote_volume, spread, ticker.price_change_pct,
        None, None, None, False, reasons,
    )  # fmt: skip


def _scored(
    ticker: Ticker24h, book: BookTop, atr_pct: float, candles: int, p: ScannerParams
) -> ScannerRow:
    """A candidate's score and verdict: qualified when it has the candles, the volatility
    and the score the params ask for."""
    spread = spread_pct(book.bid, book.ask)
    score = opportunity_score(ticker.quote_volume, spread, atr_pct, ticker.price_change_pct)
    reasons = []
    if candles < p.min_candles:
        reasons.append(f"only {candles} closed {p.interval} candles (needs {p.min_candles})")
    if not atr_pct >= p.min_atr_pct:
        reasons.append(
            f"ATR({p.atr_period}, {p.interval}) {atr_pct:.3f} % under {p.min_atr_pct:g} %"
        )
    if not score.total > p.min_score:
        reasons.append(f"score {score.total:.1f} not over {p.min_score:g}")
    return ScannerRow(
        ticker.symbol, ticker.last_price, ticker.quote_volume, spread, ticker.price_change_pct,
        atr_pct, candles, score, not reasons, tuple(reasons),
    )  # fmt: skip


def _order(row: ScannerRow) -> tuple[int, float, str]:
    """Scored rows first, best score first; then the rest by volume."""
    if row.score is None:
        return (1, -row.volume_24h, row.symbol)
    return (0, -row.score.total, row.symbol)
