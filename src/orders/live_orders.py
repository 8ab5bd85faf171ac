"""The live venue's order book-keeping: what was sent to Binance, under which ids.

Every queue order the Binance venue works becomes a `LiveOrder`: its queue id, the
client id Binance knows it by (the queue's client order id: ≤ 36 characters, the same
on every retry), its role for the book (entry, stop-loss, take-profit, exit), how it is
placed (`Placement`: `/fapi/v1/order` or a conditional algo order) and how far it got —
`sending`, `unknown` (sent, no answer: looked up by its client id before anything is
resent), `working`, `done`. `LiveOrders` finds one by client id, by Binance order id (a
regular order's, or the order an algo order placed when it triggered) or by book.

A stop a stop rule moved is placed again under a new client id, `moved_stop_id`: the
stop child's client id and the move's number, the same on every retry of that move.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from scalplab.data.adapters.binance.trading_schemas import ExchangeSide
from scalplab.orders.models import ExitReason
from scalplab.orders.types import Order

Role = Literal["entry", "stop", "take_profit", "exit"]
Progress = Literal["sending", "unknown", "working", "done"]
PlacementKind = Literal["order", "algo"]

LIQUIDATION_PREFIXES = ("autoclose-", "adl_autoclose", "settlement_autoclose-")
"""Client ids Binance gives the orders of a liquidation, an ADL or a delivery."""
MAX_CLIENT_ID = 36
"""Binance's limit on a client (algo) id."""


@dataclass(frozen=True, slots=True)
class Placement:
    """How an order goes to Binance."""

    kind: PlacementKind
    symbol: str
    side: ExchangeSide
    type: str
    """MARKET LIMIT (orders); STOP_MARKET TAKE_PROFIT_MARKET STOP TAKE_PROFIT
    TRAILING_STOP_MARKET (algo orders)."""
    quantity: Decimal | None
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool = False
    close_position: bool = False
    callback_rate: Decimal | None = None
    activate_price: Decimal | None = None
    """Where a trailing stop starts following the price (at once when None)."""


@dataclass(slots=True)
class LiveOrder:
    """One queue order as the live venue works it."""

    order_id: str
    client_id: str
    book: str
    role: Role
    placement: Placement
    qty: float
    exit_reason: ExitReason = "manual"
    progress: Progress = "sending"
    exchange_id: int | None = None
    """Binance's orderId (a regular order) or algoId (an algo order)."""
    actual_order_id: int | None = None
    """The order an algo order placed when it triggered."""
    filled: float = 0.0
    sent_ms: int = 0
    attempts: int = 0
    leg: int | None = None
    """The take-profit ladder leg (the signal's number) a take-profit order works."""
    superseded: bool = False
    """A stop replaced by a moved one: its cancellation is not its queue order's (the
    queue's stop order lives on in the new stop)."""

    @property
    def done(self) -> bool:
        """Settled: filled, cancelled or refused."""
        return self.progress == "done"

    @property
    def fully_filled(self) -> bool:
        """Its whole quantity has filled."""
        return self.filled >= self.qty * (1 - 1e-9)


@dataclass
class LiveOrders:
    """The live orders of one account, indexed three ways (thread-safe)."""

    _by_client: dict[str, LiveOrder] = field(default_factory=dict)
    _by_exchange: dict[tuple[str, int], LiveOrder] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, order: LiveOrder) -> LiveOrder:
        """Track `order` (an order already tracked under its client id is returned)."""
        with self._lock:
            known = self._by_client.get(order.client_id)
            if known is not None:
                return known
            self._by_client[order.client_id] = order
            return order

    def replace(self, order: LiveOrder) -> None:
        """Track `order` under its client id in place of a settled one (a protection
        order placed again under the same id)."""
        with self._lock:
            self._by_client[order.client_id] = order

    def link(self, order: LiveOrder, symbol: str, exchange_order_id: int) -> None:
        """Binance order `exchange_order_id` belongs to `order`."""
        with self._lock:
            self._by_exchange[(symbol, exchange_order_id)] = order

    def by_client(self, client_id: str) -> LiveOrder | None:
        """The order Binance knows by `client_id`."""
        with self._lock:
            return self._by_client.get(client_id)

    def by_exchange(self, symbol: str, exchange_order_id: int) -> LiveOrder | None:
        """The order behind Binance's order id on `symbol`."""
        with self._lock:
            return self._by_exchange.get((symbol, exchange_order_id))

    def of_book(self, book: str) -> list[LiveOrder]:
        """The book's orders not settled yet."""
        with self._lock:
            return [o for o in self._by_client.values() if o.book == book and not o.done]

    def unsettled(self) -> list[LiveOrder]:
        """Every order not settled yet, in the order they were tracked."""
        with self._lock:
            return [o for o in self._by_client.values() if not o.done]

    def count(self, progress: Progress) -> int:
        """How many orders are at `progress`."""
        with self._lock:
            return sum(1 for o in self._by_client.values() if o.progress == progress)


def exchange_side(order: Order) -> ExchangeSide:
    """BUY or SELL."""
    return "BUY" if order.side == "buy" else "SELL"


def placement_of(order: Order) -> Placement:
    """How a queue order is placed: market and limit orders through `/fapi/v1/order`
    (a post-only limit as `GTX`), stop, stop-limit and trailing-stop orders as
    conditional algo orders."""
    side = exchange_side(order)
    reduce = order.reduce_only
    if order.type == "market":
        return Placement("order", order.symbol, side, "MARKET", order.qty, reduce_only=reduce)
    if order.type == "limit":
        return Placement(
            "order",
            order.symbol,
            side,
            "LIMIT",
            order.qty,
            price=order.price,
            time_in_force="GTX" if order.post_only else "GTC",
            reduce_only=reduce,
        )
    if order.type == "stop_market":
        return Placement(
            "algo",
            order.symbol,
            side,
            "STOP_MARKET",
            order.qty,
            trigger_price=order.stop_price,
            reduce_only=reduce,
        )
    if order.type == "stop_limit":
        return Placement(
            "algo",
            order.symbol,
            side,
            "STOP",
            order.qty,
            price=order.price,
            trigger_price=order.stop_price,
            time_in_force="GTC",
            reduce_only=reduce,
        )
    return Placement(
        "algo",
        order.symbol,
        side,
        "TRAILING_STOP_MARKET",
        order.qty,
        callback_rate=order.callback_rate_pct,
        activate_price=order.stop_price,
        reduce_only=reduce,
    )


def protection(symbol: str, long: bool, role: Role, level: Decimal, qty: Decimal) -> Placement:
    """The conditional algo order protecting a position: the stop-loss closes the whole
    position (`closePosition`), the take-profit is reduce-only for the filled quantity."""
    side: ExchangeSide = "SELL" if long else "BUY"
    if role == "stop":
        return Placement(
            "algo", symbol, side, "STOP_MARKET", None, trigger_price=level, close_position=True
        )
    return Placement(
        "algo", symbol, side, "TAKE_PROFIT_MARKET", qty, trigger_price=level, reduce_only=True
    )


def moved_stop_id(stop_client_id: str, move: int) -> str:
    """The client algo id of a stop after its `move`-th move (move 0: the stop child's own
    id): `<stop id>.<move>` when that fits in 36 characters, else `mv<move>-` and a hash
    of both. Deterministic: every retry of one move sends the same id."""
    if move == 0:
        return stop_client_id
    candidate = f"{stop_client_id}.{move}"
    if len(candidate) <= MAX_CLIENT_ID:
        return candidate
    prefix = f"mv{move}-"
    digest = hashlib.sha256(f"{stop_client_id}|{move}".encode()).hexdigest()
    return prefix + digest[: MAX_CLIENT_ID - len(prefix)]


def market_close(symbol: str, long: bool, qty: Decimal) -> Placement:
    """A reduce-only market order closing `qty` of a position."""
    side: ExchangeSide = "SELL" if long else "BUY"
    return Placement("order", symbol, side, "MARKET", qty, reduce_only=True)


def is_liquidation(client_id: str) -> bool:
    """Whether Binance placed the order for a liquidation, an ADL or a delivery."""
    return client_id.startswith(LIQUIDATION_PREFIXES)
