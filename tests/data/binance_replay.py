"""A local HTTP server replaying REAL Binance USDT-M REST data for the data-layer tests.

It serves `/fapi/v1/klines` from the recorded kline CSVs (shared/data/real) in
Binance's exact response shape — 12-element arrays, prices and volumes as the
recorded decimal strings, `startTime`/`endTime`/`limit` honoured — and
`/fapi/v1/exchangeInfo` from the recorded 2021 response, `/fapi/v1/aggTrades` from
the recorded aggregate trades of the 2021 WebSocket capture (their REST fields) and
`/fapi/v1/depth` from the recorded 2021 REST snapshots. Faults (429 with
`Retry-After`, 418, 5xx, malformed bodies) can be queued per endpoint, and
every request is logged, so tests can assert what the client actually did.
"""

from __future__ import annotations

import bisect
import csv
import functools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scalplab.data.adapters.binance.http import DEPTH_WEIGHTS, klines_weight

INTERVAL_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000}


@functools.cache
def load_kline_rows(path: Path, interval_ms: int) -> list[list[Any]]:
    """A kline CSV (6 or 12 columns, with header) → Binance `/klines` rows.

    12-column archive files are served exactly; the 6-column files lack the
    archive's extra fields, which are served as zeros (tests compare only OHLCV
    for those).
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = []
        for cells in reader:
            open_time = int(cells[0])
            if len(cells) >= 12:
                rows.append(
                    [open_time, *cells[1:6], int(cells[6]), cells[7], int(cells[8]), *cells[9:12]]
                )
            else:
                rows.append(
                    [open_time, *cells[1:6], open_time + interval_ms - 1, "0", 0, "0", "0", "0"]
                )
    return rows


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
    agg_trades: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per symbol, REST aggTrades rows (`a, p, q, f, l, T, m`) in id order."""
    depth: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per symbol, the `/fapi/v1/depth?limit=1000` answer."""
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    fault_at: dict[str, dict[int, Fault]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    used_weight: int = 0
    weight_header: int | None = None
    """When set, reported as `X-MBX-USED-WEIGHT-1m` instead of the running total."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_klines(self, symbol: str, interval: str, path: Path) -> list[list[Any]]:
        rows = load_kline_rows(path, INTERVAL_MS[interval])
        self.klines[(symbol, interval)] = rows
        return rows

    def fail_next(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """Queue `fault` for the next `times` calls of `endpoint` (`klines`, `exchangeInfo`)."""
        self.faults.setdefault(endpoint, deque()).extend([fault] * times)

    def fail_call(self, endpoint: str, number: int, fault: Fault) -> None:
        """Answer the `number`-th call (1-based) of `endpoint` with `fault`."""
        self.fault_at.setdefault(endpoint, {})[number] = fault

    def requests_to(self, endpoint: str) -> list[dict[str, str]]:
        return [params for name, params in self.log if name == endpoint]


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

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        endpoint = url.path.rsplit("/", 1)[-1]
        state = self.state
        with state.lock:
            state.log.append((endpoint, params))
            state.calls[endpoint] = state.calls.get(endpoint, 0) + 1
            number = state.calls[endpoint]
            fault = state.fault_at.get(endpoint, {}).pop(number, None)
            queued = state.faults.get(endpoint)
            if fault is None and queued:
                fault = queued.popleft()
        if fault is not None:
            self._send(fault.status, fault.body, fault.headers)
            return
        if url.path == "/fapi/v1/exchangeInfo":
            state.used_weight += 1
            self._send(200, json.dumps(state.exchange_info))
        elif url.path == "/fapi/v1/klines":
            self._klines(params)
        elif url.path == "/fapi/v1/aggTrades":
            self._agg_trades(params)
        elif url.path == "/fapi/v1/depth":
            self._depth(params)
        else:
            self._send(404, json.dumps({"code": -1000, "msg": "not found"}))

    def _klines(self, params: dict[str, str]) -> None:
        state = self.state
        key = (params.get("symbol", ""), params.get("interval", ""))
        if key not in state.klines:
            self._send(400, json.dumps({"code": -1121, "msg": "Invalid symbol."}))
            return
        limit = int(params.get("limit", "500"))
        if not 1 <= limit <= 1500:
            self._send(400, json.dumps({"code": -1130, "msg": "Invalid limit."}))
            return
        state.used_weight += klines_weight(limit)
        rows = state.klines[key]
        times = [row[0] for row in rows]
        start = int(params["startTime"]) if "startTime" in params else None
        end = int(params["endTime"]) if "endTime" in params else None
        hi = bisect.bisect_right(times, end) if end is not None else len(rows)
        if start is not None:
            lo = bisect.bisect_left(times, start)
            chosen = rows[lo:hi][:limit]
        else:
            chosen = rows[max(0, hi - limit) : hi]
        self._send(200, json.dumps(chosen))

    def _agg_trades(self, params: dict[str, str]) -> None:
        state = self.state
        rows = state.agg_trades.get(params.get("symbol", ""))
        if rows is None:
            self._send(400, json.dumps({"code": -1121, "msg": "Invalid symbol."}))
            return
        limit = int(params.get("limit", "500"))
        state.used_weight += 20
        if "fromId" in params:
            ids = [row["a"] for row in rows]
            chosen = rows[bisect.bisect_left(ids, int(params["fromId"])) :]
        else:
            start = int(params.get("startTime", 0))
            end = int(params.get("endTime", 2**62))
            chosen = [row for row in rows if start <= row["T"] <= end]
        self._send(200, json.dumps(chosen[:limit]))

    def _depth(self, params: dict[str, str]) -> None:
        state = self.state
        book = state.depth.get(params.get("symbol", ""))
        if book is None:
            self._send(400, json.dumps({"code": -1121, "msg": "Invalid symbol."}))
            return
        limit = int(params.get("limit", "500"))
        state.used_weight += DEPTH_WEIGHTS.get(limit, 20)
        answer = {**book, "bids": book["bids"][:limit], "asks": book["asks"][:limit]}
        self._send(200, json.dumps(answer))


class ReplayServer:
    """`ThreadingHTTPServer` on 127.0.0.1 (free port) in a daemon thread."""

    def __init__(self, state: ReplayState) -> None:
        handler = type("Handler", (_Handler,), {"state": state})
        self.state = state
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
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
