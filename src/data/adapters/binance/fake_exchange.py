"""A fake Binance USDT-M futures venue: one account trading against replayed prices, for
tests, benchmarks and demos (outside checks replay our client against a fake of their
own, so this one follows Binance's documented API, not our client).

`FakeExchange` holds one futures account (API key and secret, a USDT balance, maker and
taker fees, per-symbol leverage — 20 by default — and margin type — CROSSED by default —,
one-way position mode unless `hedge_mode`), each symbol's rules (from an `exchangeInfo`
answer, given, or derived from the first price of an unlisted symbol) and the last price
of each symbol. `set_price` moves a market: resting limit orders it touches fill as
maker, conditional orders it triggers fire (see `fake_matching`, `fake_triggers`);
`settle_funding` pays funding (`ACCOUNT_UPDATE` FUNDING_FEE).

Its REST side is mounted in `fake_rest.ReplayServer` (`ReplayState.exchange`), which
hands every trading request to `handle`: the venue checks the API key (-2014/-2015,
HTTP 401), the HMAC-SHA256 signature of the query string and form body exactly as
received (-1022) and the timestamp against its clock within `recvWindow` (-1021; the
clock is injectable and `clock_offset_ms` skews it), counts order placements against
Binance's limits (300 per 10 s, 1,200 per minute: HTTP 429 -1015, with
`X-MBX-ORDER-COUNT-10S` / `-1M`), plays queued faults (`fault`, see `fake_faults`) and
answers (`fake_exchange_api`). Its user-data stream (`fake_user_stream`) is served by the
WebSocket fakes at `/private/ws?listenKey=…` (`serve_user_stream`). `fake_venue` starts
all of it together. Everything the venue did can be inspected: orders and conditional
orders ever placed, the open ones, positions, fills, the balance, and a log of the
requests (parameters without the signature; never the key or the secret).
"""

from __future__ import annotations

import copy
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from websockets.asyncio.server import ServerConnection

from scalplab.data.adapters.binance.fake_accounts import Account, Position
from scalplab.data.adapters.binance.fake_exchange_api import (
    PATHS,
    ROUTES,
    Route,
    TradingApi,
    request_weight,
)
from scalplab.data.adapters.binance.fake_faults import (
    ExchangeFault,
    FaultQueue,
    ListenKeyExpiry,
    MarginShortfall,
    OrderTimeout,
    ServerError,
    StreamDropOnFill,
)
from scalplab.data.adapters.binance.fake_matching import Matching, mandatory
from scalplab.data.adapters.binance.fake_records import (
    Counters,
    FakeAlgoOrder,
    FakeOrder,
    FakeTrade,
    StreamEvent,
)
from scalplab.data.adapters.binance.fake_rules import (
    RuleBook,
    SymbolRules,
    VenueError,
    rules_from_exchange_info,
)
from scalplab.data.adapters.binance.fake_triggers import AlgoBook
from scalplab.data.adapters.binance.fake_user_stream import StreamVisit, UserStreams
from scalplab.data.adapters.binance.signing import signature_matches

MAX_RECV_WINDOW = 60_000


@dataclass(frozen=True, slots=True)
class ExchangeRequest:
    """A trading request as the REST server received it."""

    method: str
    path: str
    query: str = ""
    body: str = ""
    api_key: str | None = None
    """The `X-MBX-APIKEY` header (None: not sent)."""


@dataclass(frozen=True, slots=True)
class ExchangeReply:
    """What the REST server answers; with `hang_s`, it holds the request that long and
    drops the connection instead of answering."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    weight: int = 0
    hang_s: float | None = None


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One trading request as the venue saw it (no signature, no key, no secret)."""

    time_ms: int
    method: str
    path: str
    params: dict[str, str]
    status: int
    code: int | None


class FakeExchange:
    """One Binance USDT-M futures account and its venue (thread-safe)."""

    def __init__(
        self,
        api_key: str = "fake-api-key",
        api_secret: str = "fake-api-secret",
        *,
        balance: Decimal | str = "10000",
        exchange_info: Mapping[str, Any] | None = None,
        rules: Mapping[str, SymbolRules] | None = None,
        derive_rules: bool = True,
        maker_fee: Decimal | str = "0.0002",
        taker_fee: Decimal | str = "0.0005",
        leverage: int = 20,
        hedge_mode: bool = False,
        clock: Callable[[], int] | None = None,
        orders_per_10s: int = 300,
        orders_per_minute: int = 1200,
        fill_chunks: int = 1,
    ) -> None:
        self.api_key = api_key
        self._secret = api_secret
        self.clock_offset_ms = 0
        """Added to the venue's clock (a venue clock ahead of or behind the client's)."""
        self._clock = clock
        self._price_time: int | None = None
        self.orders_per_10s = orders_per_10s
        self.orders_per_minute = orders_per_minute
        self.lock = threading.RLock()
        book = dict(rules_from_exchange_info(exchange_info or {}))
        book.update(rules or {})
        self.account = Account(Decimal(balance), Decimal(maker_fee), Decimal(taker_fee), leverage)
        self.account.hedge_mode = hedge_mode
        self.streams = UserStreams(self.now_ms)
        self.matching = Matching(
            self.account, RuleBook(book, derive_rules), Counters(), self._event_ms,
            self._publish, fill_chunks,
        )  # fmt: skip
        self.algos = AlgoBook(self.matching)
        self.api = TradingApi(self.account, self.matching, self.algos, self.streams, self.now_ms)
        self.faults = FaultQueue()
        self.log: list[RequestRecord] = []
        self._order_times: deque[int] = deque()

    def __repr__(self) -> str:
        return f"FakeExchange(api_key={self.api_key[:4]}…, symbols={len(self.matching.prices)})"

    # ----- clock ------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The venue's clock (ms)."""
        base = self._clock() if self._clock is not None else int(time.time() * 1000)
        return base + self.clock_offset_ms

    def _event_ms(self) -> int:
        return self._price_time if self._price_time is not None else self.now_ms()

    def _publish(self, event: StreamEvent) -> None:
        self.streams.publish(event)

    # ----- the market -------------------------------------------------------------------

    def set_price(
        self, symbol: str, price: Decimal | str | float, time_ms: int | None = None
    ) -> None:
        """The market of `symbol` trades at `price` (last and mark price): resting limit
        orders and conditional orders react; what it causes is stamped `time_ms` (default:
        the venue's clock)."""
        value = Decimal(str(price))
        with self.lock, self._stamped(time_ms):
            self.streams.expire_stale()
            self.matching.set_price(symbol, value)
            self.algos.on_price(symbol, value)

    def settle_funding(
        self, symbol: str, rate: Decimal | str | float, time_ms: int | None = None
    ) -> Decimal:
        """Settle funding at `rate` on `symbol`'s positions (at the last price): the
        amount paid into the wallet (negative: paid out), reported as `ACCOUNT_UPDATE`
        FUNDING_FEE (with the isolated positions it touched, if any)."""
        with self.lock, self._stamped(time_ms):
            now = self._event_ms()
            paid, isolated = self.account.settle_funding(symbol, Decimal(str(rate)), now)
            if paid or isolated:
                self._publish(self.account.account_update("FUNDING_FEE", isolated, paid, now, now))
            return paid

    @contextmanager
    def _stamped(self, time_ms: int | None) -> Iterator[None]:
        self._price_time = time_ms
        try:
            yield
        finally:
            self._price_time = None

    def add_rules(self, rules: SymbolRules) -> None:
        """Trade `rules.symbol` under these rules."""
        with self.lock:
            self.matching.rules.rules[rules.symbol] = rules

    def fault(self, fault: ExchangeFault, times: int = 1) -> None:
        """Play `fault` (once, or `times` times); `ListenKeyExpiry` acts at once."""
        with self.lock:
            if isinstance(fault, ListenKeyExpiry):
                self.streams.expire()
            elif isinstance(fault, StreamDropOnFill):
                self.streams.drop_on_next_fill = True
            else:
                self.faults.add(fault, times)

    # ----- REST -------------------------------------------------------------------------

    @staticmethod
    def serves(path: str) -> bool:
        """Whether `path` is one of the venue's (trading) endpoints."""
        return path in PATHS

    def handle(self, request: ExchangeRequest) -> ExchangeReply:
        """Verify and answer one trading request."""
        route = ROUTES.get((request.method, request.path))
        if route is None:
            return ExchangeReply(404, json.dumps({"code": -1000, "msg": "not found"}))
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        params.update(parse_qsl(request.body, keep_blank_values=True))
        headers: dict[str, str] = {}
        hang: float | None = None
        with self.lock:
            self.streams.expire_stale()
            try:
                self._authorize(route, request, params)
                fault = None
                if route.places_order:
                    headers = self._count_order()
                    fault = self.faults.take_order_fault(request.path)
                elif request.method == "DELETE":
                    fault = self.faults.take_order_fault(request.path, "DELETE")
                if isinstance(fault, MarginShortfall):
                    raise VenueError(-2019, "Margin is insufficient.")
                if isinstance(fault, ServerError) and not fault.placed:
                    raise VenueError(fault.body_code(), fault.body_msg(), fault.status)
                answer = self.api.dispatch(request.method, request.path, params)
                status, body = 200, json.dumps(answer)
                if isinstance(fault, ServerError):
                    status, body = (
                        fault.status,
                        VenueError(fault.body_code(), fault.body_msg()).body(),
                    )
                elif isinstance(fault, OrderTimeout):
                    hang = fault.delay_s
            except VenueError as error:
                status, body = error.status, error.body()
                if isinstance(error, OrderLimitError):
                    headers = error.headers
            code = json.loads(body).get("code") if status != 200 else None
            shown = {k: v for k, v in params.items() if k != "signature"}
            self.log.append(RequestRecord(self.now_ms(), request.method, request.path, shown,
                                          status, code))  # fmt: skip
        weight = request_weight(request.method, request.path, params)
        return ExchangeReply(status, body, headers, weight, hang)

    def _authorize(self, route: Route, request: ExchangeRequest, params: Mapping[str, str]) -> None:
        if route.security == "NONE":
            return
        if not request.api_key:
            raise VenueError(-2014, "API-key format invalid.", 401)
        if not hmac.compare_digest(request.api_key.encode(), self.api_key.encode()):
            raise VenueError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if route.security != "SIGNED":
            return
        stamp, window = params.get("timestamp", ""), params.get("recvWindow", "5000")
        if not stamp.isdigit():
            raise mandatory("timestamp")
        if not window.isdigit():
            raise mandatory("recvWindow")
        signature = params.get("signature")
        if not signature:
            raise mandatory("signature")
        payload = _unsigned(request.query) + _unsigned(request.body)
        if not signature_matches(self._secret, payload, signature):
            raise VenueError(-1022, "Signature for this request is not valid.")
        if int(window) > MAX_RECV_WINDOW:
            raise VenueError(-1131, "recvWindow must be less than 60000")
        now = self.now_ms()
        if int(stamp) >= now + 1000:
            raise VenueError(
                -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if self.faults.take_clock_skew() or now - int(stamp) > int(window):
            raise VenueError(-1021, "Timestamp for this request is outside of the recvWindow.")

    def _count_order(self) -> dict[str, str]:
        """Count an order placement in Binance's windows: the order-count headers, or
        429 -1015 over a limit (with the counts and `Retry-After`)."""
        now = self.now_ms()
        sent = self._order_times
        while sent and sent[0] <= now - 60_000:
            sent.popleft()
        recent = [t for t in sent if t > now - 10_000]
        if len(recent) >= self.orders_per_10s or len(sent) >= self.orders_per_minute:
            ten_s = len(recent) >= self.orders_per_10s
            limit, per = (self.orders_per_10s, "TEN_SECONDS") if ten_s else (
                self.orders_per_minute, "MINUTE")  # fmt: skip
            free_at = recent[0] + 10_000 if ten_s else sent[0] + 60_000
            raise OrderLimitError(
                f"Too many new orders; current limit is {limit} orders per {per}.",
                {
                    **_counts(len(recent), len(sent)),
                    "Retry-After": str(-(-(free_at - now) // 1000)),
                },
            )
        sent.append(now)
        return _counts(len(recent) + 1, len(sent))

    # ----- the user stream ----------------------------------------------------------------

    async def serve_user_stream(self, socket: ServerConnection) -> None:
        """Serve a `/private` WebSocket connection (the fakes' route hands it over)."""
        await self.streams.serve(socket)

    @property
    def listen_key(self) -> str | None:
        """The active listenKey, if any."""
        return self.streams.key

    @property
    def stream_visits(self) -> list[StreamVisit]:
        return list(self.streams.visits)

    # ----- inspection -------------------------------------------------------------------

    def price(self, symbol: str) -> Decimal | None:
        with self.lock:
            return self.matching.prices.get(symbol)

    def orders(self, symbol: str | None = None) -> list[FakeOrder]:
        """Every order ever placed (copies), oldest first."""
        with self.lock:
            return [
                copy.copy(o) for o in self.matching.orders.values() if symbol in (None, o.symbol)
            ]

    def open_orders(self, symbol: str | None = None) -> list[FakeOrder]:
        return [o for o in self.orders(symbol) if o.is_open]

    def algo_orders(self, symbol: str | None = None) -> list[FakeAlgoOrder]:
        """Every conditional order ever placed (copies), oldest first."""
        with self.lock:
            return [copy.copy(a) for a in self.algos.algos.values() if symbol in (None, a.symbol)]

    def open_algo_orders(self, symbol: str | None = None) -> list[FakeAlgoOrder]:
        return [a for a in self.algo_orders(symbol) if a.is_open]

    def positions(self) -> list[Position]:
        """The open positions (copies)."""
        with self.lock:
            return [copy.copy(p) for p in self.account.positions.values() if p.amount != 0]

    def position(self, symbol: str, side: str = "BOTH") -> Position:
        with self.lock:
            return copy.copy(self.account.positions.get((symbol, side)) or Position(symbol, side))

    def trades(self, symbol: str | None = None) -> list[FakeTrade]:
        with self.lock:
            return [copy.copy(t) for t in self.matching.trades if symbol in (None, t.symbol)]

    @property
    def wallet_balance(self) -> Decimal:
        with self.lock:
            return self.account.wallet

    def available_balance(self) -> Decimal:
        with self.lock:
            return self.account.available(self.matching.order_margin())

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """The trading requests received (of `path`), oldest first."""
        with self.lock:
            return [r for r in self.log if path in (None, r.path)]


class OrderLimitError(VenueError):
    """-1015: an order limit is full (HTTP 429, with the order counts)."""

    def __init__(self, msg: str, headers: dict[str, str]) -> None:
        super().__init__(-1015, msg, 429)
        self.headers = headers


def _counts(last_10s: int, last_minute: int) -> dict[str, str]:
    return {"X-MBX-ORDER-COUNT-10S": str(last_10s), "X-MBX-ORDER-COUNT-1M": str(last_minute)}


def _unsigned(text: str) -> str:
    """A query string or body without its `signature` parameter, otherwise as received."""
    if "signature=" not in text:
        return text
    return "&".join(part for part in text.split("&") if not part.startswith("signature="))
