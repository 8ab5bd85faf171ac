"""A local server speaking the external providers' documented answers, with faults on demand.

Nothing outside is reachable from the test machines, so every provider client is tested over
real HTTP against this server: alternative.me's `/fng/`, Whale Alert's `/v1/transactions`
(key checked, `min_value`/`start` filtered, pages of `limit` continued by `cursor`) and
Stooq's `/q/l/` CSV quotes (`N/D` for an unknown ticker; an `apikey` checked when one is
set). The Binance derivatives provider is tested against the fake Binance REST server
(`adapters.binance.fake_rest`), which serves premiumIndex, openInterest and the ratios.

Faults, queued per endpoint (`fng`, `transactions`, `quote`) and played once each: any
status and body (`Fault(503, "busy")`, `Fault(429, …, {"Retry-After": "7"})`, `GARBAGE`),
or a `delay_s` longer than the client's timeout. Every request is logged (path and params)
so tests can check what a client asked. Run `python -m scalplab.data.providers.fakes --port P`
to serve the documented examples from a process of its own (for a demo: point
`FEAR_GREED_URL`, `WHALE_ALERT_URL` and `MACRO_URL` at it).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Row = dict[str, Any]

FEAR_GREED_EXAMPLE: Row = {
    "value": "40",
    "value_classification": "Fear",
    "timestamp": "1551157200",
    "time_until_update": "68499",
}
"""The entry of alternative.me's documented `/fng/` example."""
STOOQ_HEADER = "Symbol,Date,Time,Open,High,Low,Close,Volume"
GARBAGE = "<html><body>502 Bad Gateway</body></html>"
ENDPOINTS = {"/fng/": "fng", "/v1/transactions": "transactions", "/q/l/": "quote"}


@dataclass(frozen=True, slots=True)
class Fault:
    """One queued answer instead of the real one: `status` and `body`, or a silence of
    `delay_s` seconds before the real answer (a timeout for a client waiting less)."""

    status: int = 200
    body: str = GARBAGE
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str = "text/html"


def whale_transaction(
    amount_usd: float,
    *,
    timestamp: int,
    from_type: str = "unknown",
    to_type: str = "unknown",
    symbol: str = "btc",
    blockchain: str = "bitcoin",
    number: int = 1,
) -> Row:
    """A transaction in Whale Alert's documented shape (owner named for exchanges)."""

    def end(owner_type: str, tag: str) -> Row:
        entry: Row = {"address": f"{tag}{number:038d}", "owner_type": owner_type}
        entry["owner"] = "binance" if owner_type == "exchange" else ""
        return entry

    return {
        "blockchain": blockchain,
        "symbol": symbol,
        "id": str(194_993_000 + number),
        "transaction_type": "transfer",
        "hash": f"{number:064x}",
        "from": end(from_type, "f"),
        "to": end(to_type, "t"),
        "timestamp": timestamp,
        "amount": round(amount_usd / 60_000.0, 8),
        "amount_usd": amount_usd,
        "transaction_count": 1,
    }


@dataclass
class FakeProviders:
    """What the server serves, the faults it plays, and what it was asked."""

    fear_greed: list[Row] = field(default_factory=lambda: [dict(FEAR_GREED_EXAMPLE)])
    fear_greed_error: str | None = None
    """When set, `/fng/` answers `metadata.error` with it (and no data)."""
    whale_key: str = "whale-test-key-0001"
    transactions: list[Row] = field(default_factory=list)
    quotes: dict[str, tuple[str, str, float, float, float, float, float]] = field(
        default_factory=dict
    )
    """Ticker (lower case) → (date, time in Stooq's zone, open, high, low, close, volume)."""
    stooq_key: str | None = None
    """When set, `/q/l/` wants `apikey` to match it."""
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """Play `fault` on the next `times` requests of `endpoint` (fng|transactions|quote)."""
        if endpoint not in ENDPOINTS.values():
            raise ValueError(f"unknown endpoint {endpoint}")
        with self.lock:
            self.faults.setdefault(endpoint, deque()).extend([fault] * times)

    def requests_to(self, endpoint: str) -> list[dict[str, str]]:
        """The params of every request to `endpoint`, in order."""
        with self.lock:
            return [params for name, params in self.log if name == endpoint]

    def take(self, endpoint: str, params: dict[str, str]) -> Fault | None:
        with self.lock:
            self.log.append((endpoint, params))
            queued = self.faults.get(endpoint)
            return queued.popleft() if queued else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms ACK stall)
    state: FakeProviders

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: str, content_type: str, headers: dict[str, str]) -> None:
        payload = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting

    def _json(self, status: int, answer: object) -> None:
        self._send(status, json.dumps(answer), "application/json", {})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query, True).items()}
        endpoint = ENDPOINTS.get(url.path)
        if endpoint is None:
            self._json(404, {"error": "not found"})
            return
        fault = self.state.take(endpoint, params)
        if fault is not None and fault.delay_s > 0:
            time.sleep(fault.delay_s)
            fault = None  # then the real answer, to a client that may have left
        if fault is not None:
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
        elif endpoint == "fng":
            self._fear_greed(params)
        elif endpoint == "transactions":
            self._transactions(params)
        else:
            self._quote(params)

    def _fear_greed(self, params: dict[str, str]) -> None:
        state = self.state
        if state.fear_greed_error is not None:
            self._json(200, {"name": "Fear and Greed Index", "data": [],
                             "metadata": {"error": state.fear_greed_error}})  # fmt: skip
            return
        limit = int(params.get("limit") or 1)
        entries = state.fear_greed if limit == 0 else state.fear_greed[:limit]
        data = [
            entry if index == 0 else {k: v for k, v in entry.items() if k != "time_until_update"}
            for index, entry in enumerate(entries)
        ]
        self._json(200, {"name": "Fear and Greed Index", "data": data,
                         "metadata": {"error": None}})  # fmt: skip

    def _transactions(self, params: dict[str, str]) -> None:
        state = self.state
        key = params.get("api_key") or self.headers.get("X-WA-API-KEY")
        if key != state.whale_key:
            self._json(401, {"result": "error", "message": "invalid api_key"})
            return
        try:
            start = int(params["start"])
            minimum = float(params.get("min_value", "500000"))
            limit = int(params.get("limit", "100"))
            offset = int(params.get("cursor", "c-0").removeprefix("c-"))
        except (KeyError, ValueError):
            self._json(400, {"result": "error", "message": "invalid parameters"})
            return
        if minimum < 500_000:
            self._json(400, {"result": "error", "message": "min_value below 500000 (free plan)"})
            return
        chosen = [
            t for t in state.transactions
            if int(t["timestamp"]) >= start and float(t["amount_usd"]) >= minimum
        ]  # fmt: skip
        page = chosen[offset : offset + limit]
        answer: Row = {"result": "success", "cursor": f"c-{offset + len(page)}",
                       "count": len(page)}  # fmt: skip
        if page:
            answer["transactions"] = page
        self._json(200, answer)

    def _quote(self, params: dict[str, str]) -> None:
        state = self.state
        if state.stooq_key is not None and params.get("apikey") != state.stooq_key:
            self._send(200, "Get your apikey: https://stooq.com/q/d/?s=^spx&get_apikey",
                       "text/plain", {})  # fmt: skip
            return
        ticker = params.get("s", "")
        quote = state.quotes.get(ticker.lower())
        header = f"{STOOQ_HEADER}\r\n" if "h" in params else ""
        if quote is None:
            row = ",".join([ticker.upper()] + ["N/D"] * 7)
        else:
            day, at, *values = quote
            row = ",".join([ticker.upper(), day, at, *(f"{value:g}" for value in values)])
        self._send(200, f"{header}{row}\r\n", "text/csv", {})


class FakeProviderServer:
    """`ThreadingHTTPServer` on 127.0.0.1 (a free port unless given) in a daemon thread."""

    def __init__(self, state: FakeProviders | None = None, port: int = 0) -> None:
        self.state = state or FakeProviders()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def documented_state(now_s: int | None = None) -> FakeProviders:
    """The documented examples: Fear & Greed 40 (Fear), three whale transfers of the last
    minutes (an inflow, an outflow, an exchange-internal one), S&P 500 and DXY quotes."""
    now = int(time.time()) if now_s is None else now_s
    return FakeProviders(
        transactions=[
            whale_transaction(2_500_000.0, timestamp=now - 300, to_type="exchange", number=1),
            whale_transaction(
                800_000.0,
                timestamp=now - 200,
                from_type="exchange",
                number=2,
                symbol="usdt",
                blockchain="tron",
            ),
            whale_transaction(
                1_794_742.9,
                timestamp=now - 100,
                from_type="exchange",
                to_type="exchange",
                symbol="eth",
                blockchain="ethereum",
                number=3,
            ),
        ],
        quotes={
            "^spx": ("2025-06-20", "22:04:08", 5987.93, 6018.2, 5952.56, 5967.84, 2887489280),
            "dx.f": ("2025-06-20", "22:59:57", 98.62, 98.97, 98.4, 98.72, 0),
        },
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the documented examples until interrupted."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with FakeProviderServer(documented_state(), args.port) as server:
        print(f"fake providers at {server.base_url} (whale key {server.state.whale_key})")
        try:
            while server.thread.is_alive():
                server.thread.join(timeout=1.0)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
