"""A small local Binance USDT-M trading REST server for the client's tests.

It verifies what Binance verifies — the API key header, the HMAC-SHA256 signature over
the query string followed by the body (`signing.signature_matches`), the timestamp
against its own clock and `recvWindow` — and answers in Binance's documented shapes
(`documented_trading`): -2015, -1022 and -1021 on failure, orders and algo orders by
client id, the recorded `userTrades`, listenKeys. Faults are queued per (method, path):
an answer of any status, or a delay after the request has taken effect (a timeout seen
by the client while the order was really placed). Every request is logged as received.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scalplab.data.adapters.binance.signing import API_KEY_HEADER, signature_matches
from tests.conftest import REAL
from tests.data.adapters.binance import documented_trading as shapes

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
"""Binance's documentation example credentials (the signed-endpoint example)."""
ACCOUNT_TRADES = REAL / "user_data" / "nautilus_http_futures_account_trades.json"
LISTEN_KEY_STEM = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a8"
"""The documentation's example listenKey; each issued key ends with its number."""


@dataclass
class Fault:
    """One queued answer: `status` and `body`, or, with `delay_s`, the normal answer
    sent that late (the request took effect first)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Received:
    """One request as it arrived."""

    method: str
    path: str
    query: str
    body: str
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query) + parse_qsl(self.body))


@dataclass
class Exchange:
    """The server's state (thread-safe through `lock`)."""

    api_key: str = API_KEY
    api_secret: str = API_SECRET
    offset_ms: int = 0
    """The server clock minus the real one."""
    time_lies_ms: int = 0
    """Added to `/fapi/v1/time` only (a server whose clock answer is wrong)."""
    fill_price: Decimal = Decimal("2778.35")
    received: list[Received] = field(default_factory=list)
    faults: dict[tuple[str, str], list[Fault]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    algos: dict[str, dict[str, Any]] = field(default_factory=dict)
    listen_key: str | None = None
    keys_issued: int = 0
    weight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(8886774))

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    def fail(self, method: str, path: str, *faults: Fault) -> None:
        with self.lock:
            self.faults.setdefault((method, path), []).extend(faults)

    def calls(self, method: str, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if (r.method, r.path) == (method, path)]

    def expire_listen_key(self) -> None:
        with self.lock:
            self.listen_key = None


def error(status: int, code: int, msg: str) -> tuple[int, Any]:
    return status, {"code": code, "msg": msg}


class Handler(BaseHTTPRequestHandler):
    """Routes one request of the trading API."""

    server: TradingServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        got = Received(self.command, url.path, url.query, body, dict(self.headers.items()))
        state = self.server.exchange
        with state.lock:
            state.received.append(got)
            queued = state.faults.get((got.method, got.path))
            fault = queued.pop(0) if queued else None
        if fault is not None and fault.delay_s == 0:
            self._answer(fault.status, fault.body, fault.headers)
            return
        status, answer = self.server.route(got)
        if fault is not None:
            time.sleep(fault.delay_s)
        self._answer(status, answer, {})

    def _answer(self, status: int, body: Any, headers: dict[str, str]) -> None:
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        data = text.encode()
        with self.server.exchange.lock:
            self.server.exchange.weight += 1
            used = self.server.exchange.weight
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-MBX-USED-WEIGHT-1M", str(used))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting


class TradingServer(ThreadingHTTPServer):
    """The server (see the module docstring); `base_url` once started."""

    daemon_threads = True

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.exchange = exchange

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, got: Received) -> tuple[int, Any]:
        state = self.exchange
        if got.path == "/fapi/v1/time":
            return 200, {"serverTime": state.now_ms() + state.time_lies_ms}
        if got.headers.get(API_KEY_HEADER) != state.api_key:
            return error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if got.path == "/fapi/v1/listenKey":
            return self.listen_key(got.method)
        refused = self.verify(got)
        if refused is not None:
            return refused
        return self.endpoint(got.method, got.path, got.params)

    def verify(self, got: Received) -> tuple[int, Any] | None:
        query, signature = _split_signature(got.query)
        body, body_signature = _split_signature(got.body)
        signature = signature or body_signature
        if not signature or not signature_matches(self.exchange.api_secret, query + body,
                                                  signature):  # fmt: skip
            return error(400, -1022, "Signature for this request is not valid.")
        params = got.params
        window = int(params.get("recvWindow", "5000"))
        stamp = int(params.get("timestamp", "0"))
        now = self.exchange.now_ms()
        if stamp > now + 1000 or now - stamp > window:
            return error(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        return None

    def listen_key(self, method: str) -> tuple[int, Any]:
        state = self.exchange
        with state.lock:
            if method == "POST":
                if state.listen_key is None:
                    state.keys_issued += 1
                    state.listen_key = f"{LISTEN_KEY_STEM}{state.keys_issued:04d}"
                return 200, {"listenKey": state.listen_key}
            if state.listen_key is None:
                return error(400, -1125, "This listenKey does not exist.")
            if method == "DELETE":
                state.listen_key = None
            return 200, {}

    def endpoint(self, method: str, path: str, p: dict[str, str]) -> tuple[int, Any]:
        state = self.exchange
        with state.lock:
            if (method, path) == ("POST", "/fapi/v1/order"):
                order = shapes.order_answer(p, next(state.ids), state.now_ms(), state.fill_price)
                state.orders[p["newClientOrderId"]] = order
                return 200, order
            if path == "/fapi/v1/order":
                order = state.orders.get(p["origClientOrderId"])
                if method == "GET":
                    return (200, order) if order else error(400, -2013, "Order does not exist.")
                if order is None or order["status"] != "NEW":
                    return error(400, -2011, "Unknown order sent.")
                order["status"] = "CANCELED"
                return 200, order
            if (method, path) == ("POST", "/fapi/v1/algoOrder"):
                algo = shapes.algo_answer(p, next(state.ids), state.now_ms())
                state.algos[p["clientAlgoId"]] = algo
                return 200, algo
            if path == "/fapi/v1/algoOrder":
                algo = state.algos.get(p["clientAlgoId"])
                if algo is None:
                    return error(400, -2013, "Order does not exist.")
                if method == "DELETE":
                    if algo["algoStatus"] != "NEW":
                        return error(400, -2011, "Unknown order sent.")
                    algo["algoStatus"] = "CANCELED"
                    return 200, shapes.algo_cancel_answer(algo)
                return 200, {**algo, "actualOrderId": "", "actualPrice": "0.00"}
            if path == "/fapi/v1/openOrders":
                return 200, [o for o in state.orders.values() if o["status"] == "NEW"]
            if path == "/fapi/v1/openAlgoOrders":
                return 200, [a for a in state.algos.values() if a["algoStatus"] == "NEW"]
            if path == "/fapi/v1/userTrades":
                return 200, json.loads(ACCOUNT_TRADES.read_text())
            if path == "/fapi/v3/positionRisk":
                return 200, shapes.POSITION_RISK
            if path == "/fapi/v3/balance":
                return 200, shapes.BALANCES
            if path == "/fapi/v1/positionSide/dual":
                return 200, {"dualSidePosition": False}
            if path == "/fapi/v1/marginType":
                return error(400, -4046, "No need to change margin type.")
            if path == "/fapi/v1/leverage":
                return 200, {"leverage": int(p["leverage"]), "maxNotionalValue": "1000000",
                             "symbol": p["symbol"]}  # fmt: skip
        return error(404, -1000, "unknown path")


def _split_signature(text: str) -> tuple[str, str]:
    """`text` without its trailing `&signature=…`, and the signature."""
    head, sep, signature = text.rpartition("signature=")
    if not sep:
        return text, ""
    return head.removesuffix("&"), signature


@contextmanager
def serving(exchange: Exchange | None = None) -> Iterator[TradingServer]:
    """A started server on an ephemeral port, shut down on exit."""
    server = TradingServer(exchange or Exchange())
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
