"""A local Binance USDT-M REST server replaying REAL recorded data, with faults on demand.

For tests, benchmarks and demos (the WebSocket side is `fake`). It speaks Binance's
paths and answer shapes: `/fapi/v1/klines` (12-element rows, `startTime`/`endTime`/
`limit` honoured), `exchangeInfo`, `aggTrades` (`fromId` or a time range), `depth`,
`premiumIndex`, `fundingRate`, `openInterest`, the 24 h and book tickers (built from real
candles by `fake_market`), and the `/futures/data/` statistics
`openInterestHist`, `globalLongShortAccountRatio`, `topLongShortAccountRatio`,
`topLongShortPositionRatio`. What it serves comes from a data directory of real
recordings (`ReplayState.from_data_dir`, see `fake_rest_data` for which file feeds which
endpoint), or from a test: candles (`serve_candles`, e.g. exactly the ones a test
streams), and open interest and statistics, which have no real recording and are given
in Binance's documented shape. Live values (`premiumIndex`, `openInterest`) are served
one recorded answer per call, the last one repeating, or the latest at `now_ms` when set.

It charges each request its documented weight (`weight.ENDPOINTS`, the table the client
uses) in `X-MBX-USED-WEIGHT-1m`, answers 429 when an endpoint's request window
(funding, `/futures/data`) is full, and plays queued faults per endpoint (429 with
`Retry-After`, 418, 5xx, malformed bodies). Every request is logged, so tests can assert
what a client actually did. With `ReplayState.exchange` set, the trading endpoints (GET,
POST, PUT, DELETE: orders, conditional orders, account, listenKey) are that
`fake_exchange.FakeExchange`'s, the queued faults above applying to them too. Run
`python -m scalplab.data.adapters.binance.fake_rest --port P --data-dir DIR
[--symbols SYM ...]` to serve a data directory from its own process.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from scalplab.data.adapters.binance.fake_exchange import ExchangeRequest, FakeExchange
from scalplab.data.adapters.binance.fake_rest_data import (
    INTERVAL_MS,
    Row,
    candle_rows,
    load_kline_rows,
    load_real_data,
)
from scalplab.data.adapters.binance.signing import API_KEY_HEADER
from scalplab.data.adapters.binance.weight import (
    ENDPOINTS,
    REQUEST_WINDOWS,
    RequestWindow,
    request_weight,
)

STATISTICS = (
    "openInterestHist",
    "globalLongShortAccountRatio",
    "topLongShortAccountRatio",
    "topLongShortPositionRatio",
)
"""The `/futures/data/` endpoints."""
PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
INVALID_SYMBOL = json.dumps({"code": -1121, "msg": "Invalid symbol."})
INVALID_LIMIT = json.dumps({"code": -1130, "msg": "Invalid limit."})
INVALID_PERIOD = json.dumps({"code": -1102, "msg": "Parameter 'period' is invalid."})


@dataclass
class Fault:
    """One queued error response."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ReplayState:
    """What the server serves, which faults it injects, and what it was asked."""

    klines: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)
    exchange_info: dict[str, Any] = field(default_factory=dict)
    agg_trades: dict[str, list[Row]] = field(default_factory=dict)
    """Per symbol, REST aggTrades rows (`a, p, q, f, l, T, m`) in id order."""
    depth: dict[str, Row] = field(default_factory=dict)
    """Per symbol, the `/fapi/v1/depth?limit=1000` answer."""
    depth_answer: Callable[[str], Row | None] | None = None
    """When set, `/fapi/v1/depth` answers what it returns for the symbol at request time
    (e.g. `fake_depth.DepthAtPosition`: the book as far as a fake stream got)."""
    funding: dict[str, list[Row]] = field(default_factory=dict)
    """Per symbol, `/fapi/v1/fundingRate` rows in time order."""
    premium: dict[str, list[Row]] = field(default_factory=dict)
    """Per symbol, `/fapi/v1/premiumIndex` answers in time order."""
    open_interest: dict[str, list[Row]] = field(default_factory=dict)
    """Per symbol, `/fapi/v1/openInterest` answers in time order (given by a test)."""
    statistics: dict[tuple[str, str, str], list[Row]] = field(default_factory=dict)
    """(endpoint, symbol, period) → `/futures/data/` rows in time order (given by a test)."""
    tickers: dict[str, dict[str, Row]] = field(default_factory=dict)
    """`24hr` / `bookTicker` → per symbol, its `/fapi/v1/ticker/…` answer (`fake_market`)."""
    now_ms: int | None = None
    """When set, live values are the latest at or before it instead of one per call."""
    served: dict[tuple[str, str], int] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    fault_at: dict[str, dict[int, Fault]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    used_weight: int = 0
    """Weight used in the current UTC minute (Binance's `X-MBX-USED-WEIGHT-1m` window)."""
    weight_minute: int = -1
    weight_header: int | None = None
    """When set, reported as `X-MBX-USED-WEIGHT-1m` instead of the running total."""
    request_windows: dict[str, RequestWindow] = field(default_factory=lambda: dict(REQUEST_WINDOWS))
    """The request-count limits the server enforces (Binance's by default)."""
    windows: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    exchange: FakeExchange | None = None
    """When set, the trading endpoints (orders, account, listenKey) are this venue's."""

    @classmethod
    def from_data_dir(cls, data_dir: Path, symbols: Sequence[str] | None = None) -> ReplayState:
        """A state serving the real recordings of `symbols` (all when None) under
        `data_dir` (laid out as `shared/data/real`)."""
        data = load_real_data(Path(data_dir), symbols)
        return cls(
            klines=data.klines,
            exchange_info=data.exchange_info,
            agg_trades=data.agg_trades,
            depth=data.depth,
            funding=data.funding,
            premium=data.premium,
        )

    def charge(self, weight: int) -> None:
        """Count a request's weight in the current minute (the count starts over each minute,
        as Binance's does)."""
        minute = int(time.time() // 60)
        if minute != self.weight_minute:
            self.weight_minute, self.used_weight = minute, 0
        self.used_weight += weight

    def add_klines(self, symbol: str, interval: str, path: Path) -> list[list[Any]]:
        """Serve a recorded kline CSV as `symbol`'s `interval` klines."""
        rows = load_kline_rows(path, INTERVAL_MS[interval])
        self.klines[(symbol, interval)] = rows
        return rows

    def serve_candles(
        self, symbol: str, interval: str, candles: pd.DataFrame | Sequence[Sequence[Any]]
    ) -> list[list[Any]]:
        """Serve exactly these candles (a candle-store frame or rows, see `candle_rows`)."""
        rows = candle_rows(candles, interval)
        self.klines[(symbol, interval)] = rows
        return rows

    def add_statistics(self, endpoint: str, symbol: str, period: str, rows: list[Row]) -> None:
        """Serve `rows` (Binance's documented shape) from `/futures/data/{endpoint}`."""
        if endpoint not in STATISTICS:
            raise ValueError(f"not a /futures/data endpoint: {endpoint}")
        self.statistics[(endpoint, symbol, period)] = sorted(rows, key=_stat_time)

    def fail_next(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """Queue `fault` for the next `times` calls of `endpoint` (`klines`, `exchangeInfo`)."""
        self.faults.setdefault(endpoint, deque()).extend([fault] * times)

    def fail_call(self, endpoint: str, number: int, fault: Fault) -> None:
        """Answer the `number`-th call (1-based) of `endpoint` with `fault`."""
        self.fault_at.setdefault(endpoint, {})[number] = fault

    def requests_to(self, endpoint: str) -> list[dict[str, str]]:
        return [params for name, params in self.log if name == endpoint]

    def live(self, endpoint: str, rows: list[Row], symbol: str) -> Row:
        """The answer a live endpoint gives now (see `now_ms`); call under `lock`."""
        if self.now_ms is not None:
            times = [int(row["time"]) for row in rows]
            return rows[max(0, bisect.bisect_right(times, self.now_ms) - 1)]
        index = self.served.get((endpoint, symbol), 0)
        self.served[(endpoint, symbol)] = index + 1
        return rows[min(index, len(rows) - 1)]

    def window_full(self, endpoint: str) -> float | None:
        """Count a request of `endpoint` in its request window: None while there is room,
        else the seconds until there is (call under `lock`)."""
        name = ENDPOINTS[endpoint].window
        if name is None:
            return None
        limit, now = self.request_windows[name], time.monotonic()
        sent = self.windows.setdefault(name, deque())
        while sent and sent[0] <= now - limit.seconds:
            sent.popleft()
        if len(sent) >= limit.requests:
            return sent[0] + limit.seconds - now
        sent.append(now)
        return None


def _stat_time(row: Row) -> int:
    return int(row["timestamp"])


def _window(rows: list[Any], times: list[int], params: dict[str, str], limit: int) -> list[Any]:
    """Binance's paging: from `startTime` the first `limit`, else the last `limit` up to
    `endTime` (or up to now)."""
    end = int(params["endTime"]) if "endTime" in params else None
    hi = bisect.bisect_right(times, end) if end is not None else len(rows)
    if "startTime" in params:
        lo = bisect.bisect_left(times, int(params["startTime"]))
        return rows[lo:hi][:limit]
    return rows[max(0, hi - limit) : hi]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state: ReplayState

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        weight = self.state.weight_header
        self.send_header(
            "X-MBX-USED-WEIGHT-1m", str(weight if weight is not None else self.state.used_weight)
        )
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, endpoint: str, params: dict[str, str], answer: object) -> None:
        self.state.charge(request_weight(endpoint, params))
        self._send(200, json.dumps(answer))

    def _fault(self, endpoint: str, params: dict[str, str]) -> Fault | None:
        """Log the request; the fault queued for it, if any."""
        state = self.state
        with state.lock:
            state.log.append((endpoint, params))
            state.calls[endpoint] = state.calls.get(endpoint, 0) + 1
            fault = state.fault_at.get(endpoint, {}).pop(state.calls[endpoint], None)
            queued = state.faults.get(endpoint)
            return queued.popleft() if fault is None and queued else fault

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        endpoint = url.path.rsplit("/", 1)[-1]
        state = self.state
        fault = self._fault(endpoint, params)
        with state.lock:
            full = state.window_full(endpoint) if endpoint in ENDPOINTS else None
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        if state.exchange is not None and state.exchange.serves(url.path):
            self._trade(state.exchange, "GET", url.query, "")
            return
        if full is not None:
            body = json.dumps({"code": -1003, "msg": "Too many requests."})
            self._send(429, body, {"Retry-After": str(math.ceil(full))})
            return
        route = {
            "/fapi/v1/exchangeInfo": lambda: self._json(endpoint, params, state.exchange_info),
            "/fapi/v1/klines": lambda: self._klines(params),
            "/fapi/v1/aggTrades": lambda: self._agg_trades(params),
            "/fapi/v1/depth": lambda: self._depth(params),
            "/fapi/v1/premiumIndex": lambda: self._premium_index(params),
            "/fapi/v1/fundingRate": lambda: self._funding_rate(params),
            "/fapi/v1/openInterest": lambda: self._open_interest(params),
            "/fapi/v1/ticker/24hr": lambda: self._ticker(endpoint, params),
            "/fapi/v1/ticker/bookTicker": lambda: self._ticker(endpoint, params),
        }.get(url.path)
        if route is not None:
            route()
        elif url.path.startswith("/futures/data/") and endpoint in STATISTICS:
            self._statistics(endpoint, params)
        else:
            self._send(404, json.dumps({"code": -1000, "msg": "not found"}))

    def do_POST(self) -> None:
        self._write_request("POST")

    def do_PUT(self) -> None:
        self._write_request("PUT")

    def do_DELETE(self) -> None:
        self._write_request("DELETE")

    def _write_request(self, method: str) -> None:
        """POST/PUT/DELETE: the venue's (`ReplayState.exchange`) trading endpoints."""
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        params = {k: v[-1] for k, v in parse_qs(f"{url.query}&{body}").items()}
        fault = self._fault(url.path.rsplit("/", 1)[-1], params)
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
        elif self.state.exchange is None or not self.state.exchange.serves(url.path):
            self._send(404, json.dumps({"code": -1000, "msg": "not found"}))
        else:
            self._trade(self.state.exchange, method, url.query, body)

    def _trade(self, exchange: FakeExchange, method: str, query: str, body: str) -> None:
        """Hand a trading request to the venue and send (or withhold) its answer."""
        path, key = urlsplit(self.path).path, self.headers.get(API_KEY_HEADER)
        reply = exchange.handle(ExchangeRequest(method, path, query, body, key))
        if reply.hang_s is not None:  # placed, never answered: the connection drops
            time.sleep(reply.hang_s)
            self.close_connection = True
            return
        with self.state.lock:
            self.state.charge(reply.weight)
        self._send(reply.status, reply.body, reply.headers)

    def _limit(self, params: dict[str, str], default: int, largest: int) -> int | None:
        try:
            limit = int(params.get("limit", str(default)))
        except ValueError:
            limit = 0
        if not 1 <= limit <= largest:
            self._send(400, INVALID_LIMIT)
            return None
        return limit

    def _klines(self, params: dict[str, str]) -> None:
        key = (params.get("symbol", ""), params.get("interval", ""))
        if key not in self.state.klines:
            self._send(400, INVALID_SYMBOL)
            return
        limit = self._limit(params, 500, 1500)
        if limit is None:
            return
        rows = self.state.klines[key]
        self._json("klines", params, _window(rows, [row[0] for row in rows], params, limit))

    def _agg_trades(self, params: dict[str, str]) -> None:
        rows = self.state.agg_trades.get(params.get("symbol", ""))
        if rows is None:
            self._send(400, INVALID_SYMBOL)
            return
        limit = int(params.get("limit", "500"))
        if "fromId" in params:
            ids = [row["a"] for row in rows]
            chosen = rows[bisect.bisect_left(ids, int(params["fromId"])) :]
        else:
            start = int(params.get("startTime", 0))
            end = int(params.get("endTime", 2**62))
            chosen = [row for row in rows if start <= row["T"] <= end]
        self._json("aggTrades", params, chosen[:limit])

    def _depth(self, params: dict[str, str]) -> None:
        symbol, answer_now = params.get("symbol", ""), self.state.depth_answer
        book = answer_now(symbol) if answer_now is not None else self.state.depth.get(symbol)
        if book is None:
            self._send(400, INVALID_SYMBOL)
            return
        limit = int(params.get("limit", "500"))
        answer = {**book, "bids": book["bids"][:limit], "asks": book["asks"][:limit]}
        self._json("depth", params, answer)

    def _premium_index(self, params: dict[str, str]) -> None:
        state, symbol = self.state, params.get("symbol")
        if symbol is None:
            with state.lock:
                answers = [state.live("premiumIndex", r, s) for s, r in state.premium.items()]
            self._json("premiumIndex", params, answers)
            return
        if not state.premium.get(symbol):
            self._send(400, INVALID_SYMBOL)
            return
        with state.lock:
            answer = state.live("premiumIndex", state.premium[symbol], symbol)
        self._json("premiumIndex", params, answer)

    def _funding_rate(self, params: dict[str, str]) -> None:
        symbol = params.get("symbol")
        if symbol is not None and symbol not in self.state.funding:
            self._send(400, INVALID_SYMBOL)
            return
        limit = self._limit(params, 100, 1000)
        if limit is None:
            return
        symbols = [symbol] if symbol is not None else list(self.state.funding)
        rows = sorted(
            (row for s in symbols for row in self.state.funding[s]),
            key=lambda row: int(row["fundingTime"]),
        )
        times = [int(row["fundingTime"]) for row in rows]
        self._json("fundingRate", params, _window(rows, times, params, limit))

    def _open_interest(self, params: dict[str, str]) -> None:
        state, symbol = self.state, params.get("symbol", "")
        if not state.open_interest.get(symbol):
            self._send(400, INVALID_SYMBOL)
            return
        with state.lock:
            answer = state.live("openInterest", state.open_interest[symbol], symbol)
        self._json("openInterest", params, answer)

    def _ticker(self, endpoint: str, params: dict[str, str]) -> None:
        """A ticker of one symbol, or of every symbol when none is named."""
        rows, symbol = self.state.tickers.get(endpoint, {}), params.get("symbol")
        if symbol is not None and symbol not in rows:
            self._send(400, INVALID_SYMBOL)
            return
        self._json(endpoint, params, list(rows.values()) if symbol is None else rows[symbol])

    def _statistics(self, endpoint: str, params: dict[str, str]) -> None:
        symbol, period = params.get("symbol", ""), params.get("period", "")
        if period not in PERIODS:
            self._send(400, INVALID_PERIOD)
            return
        if not any(key[0] == endpoint and key[1] == symbol for key in self.state.statistics):
            self._send(400, INVALID_SYMBOL)
            return
        limit = self._limit(params, 30, 500)
        if limit is None:
            return
        rows = self.state.statistics.get((endpoint, symbol, period), [])
        times = [_stat_time(row) for row in rows]
        self._json(endpoint, params, _window(rows, times, params, limit))


class ReplayServer:
    """`ThreadingHTTPServer` on `host` (a free port unless given) in a daemon thread."""

    def __init__(self, state: ReplayState, port: int = 0, host: str = "127.0.0.1") -> None:
        handler = type("Handler", (_Handler,), {"state": state})
        self.state = state
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a data directory of real recordings until interrupted."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="recordings laid out as shared/data/real"
    )
    parser.add_argument(
        "--symbols", nargs="*", default=None, help="symbols to serve (default: every one found)"
    )
    args = parser.parse_args(argv)
    symbols = None
    if args.symbols:
        symbols = [s.strip() for text in args.symbols for s in text.split(",") if s.strip()]
    if not args.data_dir.is_dir():
        parser.error(f"--data-dir {args.data_dir} is not a directory")
    state = ReplayState.from_data_dir(args.data_dir, symbols)
    served = sorted({symbol for symbol, _ in state.klines} | set(state.funding))
    with ReplayServer(state, args.port, args.host) as server:
        print(f"fake Binance REST at {server.base_url}: {', '.join(served) or 'no symbols'}")
        try:
            while server.thread.is_alive():
                server.thread.join(timeout=1.0)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
