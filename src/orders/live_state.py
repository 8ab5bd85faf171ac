"""What Binance reported, booked: the live venue's state and its handlers.

`LiveState` keeps what the Binance venue knows — its live orders, the entries' brackets
(a stop and a take-profit, or a stop and a take-profit ladder's legs), the stop each
position wants on Binance (`StopTarget`, moved by the stop rules), the trades already
booked (each Binance trade id once, whichever path brought it: the user-data stream, a
lookup, the reconciliation) — and turns Binance's answers and
reports into the typed venue events and bookings of `live_book.LiveBooks`. Its
handlers run under the engine's lock; what must go back to Binance (protection after an
entry filled, cancelling protection of a flat position, fetching fills the stream did not
bring) is asked of the venue through `VenueActions`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from scalplab.data.adapters.binance.trading_schemas import (
    AccountTrade,
    AlgoOrder,
    ExchangeOrder,
)
from scalplab.orders.decimals import round_to_tick
from scalplab.orders.events import (
    OrderCancelled,
    OrderOutcomeUnknown,
    OrderRefused,
    OrderWorking,
    VenueEvent,
)
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.exits import ExitRules
from scalplab.orders.live_book import ExchangeFill, LiveBooks
from scalplab.orders.live_orders import LiveOrder, LiveOrders, moved_stop_id
from scalplab.orders.models import ExitReason

log = logging.getLogger(__name__)

CLOSE_ROLES = {"stop": "sl", "take_profit": "tp"}
"""Exit reasons of the protection roles."""


@dataclass(frozen=True, slots=True)
class BracketLeg:
    """One leg of an entry's take-profit ladder: its queue order, the client id Binance
    knows it by, the signal's leg number, its price and planned quantity."""

    order_id: str
    client_id: str
    number: int
    price: Decimal
    qty: Decimal


@dataclass(frozen=True, slots=True)
class Bracket:
    """An entry's protection: the queue ids, client ids and levels of its stop and target
    — or, for a ladder (`legs`), of its stop and each leg (no single target is placed).
    `exits` are the entry's exit rules (legs with their queue ids), None without any."""

    stop_id: str | None
    stop_client_id: str | None
    stop_loss: Decimal | None
    take_profit_id: str | None
    take_profit_client_id: str | None
    take_profit: Decimal | None
    legs: tuple[BracketLeg, ...] = ()
    exits: ExitRules | None = None

    def order_ids(self, entry_id: str) -> tuple[str, str | None, str | None]:
        """The position's order ids: the entry, the stop, the take-profit (a ladder's last
        leg, as the simulated venue names it)."""
        take_profit = self.legs[-1].order_id if self.legs else self.take_profit_id
        return entry_id, self.stop_id, take_profit


@dataclass(frozen=True, slots=True)
class StopTarget:
    """The stop a position wants on Binance: the queue's stop order, the client id it was
    first placed under, how many times a stop rule moved it and the level it is at.
    `known=False` after a restart with a moved stop: which move Binance holds is found by
    the next reconciliation before any stop is placed."""

    order_id: str
    base_client_id: str
    move: int
    level: Decimal
    known: bool = True

    @property
    def client_id(self) -> str:
        """The client algo id of the stop at this move."""
        return moved_stop_id(self.base_client_id, self.move)


@dataclass(slots=True)
class VenueCounters:
    """What the live venue counts for `/status/health`."""

    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    unknown_outcomes: int = 0
    lookups: int = 0
    resent_after_lookup: int = 0
    fills: int = 0
    fills_from_rest: int = 0
    protection_placed: int = 0
    protection_replaced: int = 0
    stops_moved: int = 0
    emergency_closes: int = 0
    orphans_cancelled: int = 0
    reconciliations: int = 0
    position_mismatches: int = 0
    last_reason: str = ""


class VenueActions(Protocol):
    """What the state asks the venue to do on Binance (each runs on the venue's worker)."""

    def protect(self, book: str, entry_order_id: str) -> None:
        """Place the stop-loss and take-profit of a filled entry."""
        ...

    def withdraw(self, live: LiveOrder, reason: str) -> None:
        """Cancel `live` on Binance."""
        ...

    def fetch_fills_later(self, live: LiveOrder) -> None:
        """Fetch the fills of `live` over REST unless the stream brought them meanwhile."""
        ...

    def close_position(self, book: str, reason: ExitReason, order_id: str | None) -> bool:
        """Close the book's position at market."""
        ...


class LiveState:
    """The Binance venue's orders, brackets and booked trades (see the module docstring)."""

    def __init__(
        self, model: ExecutionModel, clock_ms: Callable[[], int], actions: VenueActions
    ) -> None:
        self.model = model
        self.clock_ms = clock_ms
        self.actions = actions
        self.books = LiveBooks(model)
        self.orders = LiveOrders()
        self.brackets: dict[str, Bracket] = {}
        self.stops: dict[str, StopTarget] = {}
        """Book → the stop its position wants on Binance."""
        self.counters = VenueCounters()
        self.last_trade_id: dict[str, int] = {}
        self.seen_trades: set[tuple[str, int]] = set()
        self.unmatched: dict[tuple[str, int], list[ExchangeFill]] = {}
        self.acknowledged_at: dict[str, float] = {}
        """When Binance first acknowledged each order (queue id → `time.perf_counter()`),
        for latency figures."""

    def emit(self, event: VenueEvent) -> None:
        """Report an event to the pipeline (through the model's listener)."""
        if self.model.on_event is not None:
            self.model.on_event(event)

    def acknowledged(self, live: LiveOrder, answer: ExchangeOrder | AlgoOrder) -> None:
        """Binance holds (or settled) the order."""
        self.acknowledged_at.setdefault(live.order_id, time.perf_counter())
        if live.done:
            return  # the user-data stream settled it first
        self.counters.acknowledged += 1
        if isinstance(answer, ExchangeOrder):
            live.exchange_id = answer.order_id
            self.orders.link(live, answer.symbol, answer.order_id)
            status = answer.status
            if status in ("CANCELED", "EXPIRED", "EXPIRED_IN_MATCH") and live.filled == 0:
                self.settle(live, f"Binance {status.lower()} the order")
                return
            if status == "REJECTED":
                self.refused(live, "Binance rejected the order")
                return
            if status == "FILLED" and not live.fully_filled:
                self.actions.fetch_fills_later(live)
        else:
            live.exchange_id = answer.algo_id
            if answer.actual_order_id:
                self.triggered(live, int(answer.actual_order_id))
            if answer.algo_status in ("CANCELED", "EXPIRED", "REJECTED"):
                self.settle(live, f"Binance {answer.algo_status.lower()} the order")
                return
        self.working(live)

    def working(self, live: LiveOrder) -> None:
        """Binance holds the order (an order whose outcome was unknown is `accepted` again)."""
        if live.progress in ("sending", "unknown"):
            was_unknown = live.progress == "unknown"
            live.progress = "working"
            if was_unknown:
                self.emit(OrderWorking(live.book, live.order_id, self.clock_ms()))

    def refused(self, live: LiveOrder, reason: str) -> None:
        if live.done:
            return
        live.progress = "done"
        self.counters.refused += 1
        self.counters.last_reason = reason
        log.warning("Binance refused %s %s: %s", live.role, live.client_id, reason)
        if live.role == "entry":
            self.brackets.pop(live.order_id, None)
        self.emit(OrderRefused(live.book, live.order_id, self.clock_ms(), reason))
        if live.role == "stop" and self.model.position(live.book) is not None:
            self.counters.emergency_closes += 1
            log.error("%s has no stop-loss on Binance: closing it at market", live.book)
            self.actions.close_position(live.book, "sl", None)

    def unknown(self, live: LiveOrder, reason: str) -> None:
        """No answer came back: unless the stream already told, the order is `submitted`."""
        self.counters.unknown_outcomes += 1
        if live.progress != "sending":
            return  # the user-data stream reported it meanwhile
        live.progress = "unknown"
        self.emit(
            OrderOutcomeUnknown(
                live.book,
                live.order_id,
                self.clock_ms(),
                f"no answer from Binance ({reason}): looking it up by its client id",
            )
        )

    def settle(self, live: LiveOrder, reason: str) -> None:
        """The order will not fill (further): cancelled on the exchange or gone (quietly
        for a stop replaced by a moved one: its queue order lives on)."""
        if live.done:
            return
        live.progress = "done"
        if live.filled > 0 or live.superseded:
            return
        self.emit(OrderCancelled(live.book, live.order_id, self.clock_ms(), reason))

    def triggered(self, live: LiveOrder, actual_order_id: int) -> None:
        """An algo order placed its order: that order's fills are this one's."""
        live.actual_order_id = actual_order_id
        self.orders.link(live, live.placement.symbol, actual_order_id)
        waiting = self.unmatched.pop((live.placement.symbol, actual_order_id), [])
        if waiting:
            self.book_fills(live, waiting)

    def book_fills(
        self, live: LiveOrder, fills: list[ExchangeFill], from_rest: bool = False
    ) -> None:
        """Book fills of `live` (each trade once, whichever path brought it)."""
        for fill in fills:
            key = (fill.symbol, fill.trade_id)
            if key in self.seen_trades:
                continue
            self.seen_trades.add(key)
            last = self.last_trade_id.get(fill.symbol, 0)
            self.last_trade_id[fill.symbol] = max(last, fill.trade_id)
            self.counters.fills += 1
            self.counters.fills_from_rest += int(from_rest)
            self._book(live, fill)

    def _book(self, live: LiveOrder, fill: ExchangeFill) -> None:
        book = live.book
        live.filled += fill.qty
        if live.role == "entry":
            bracket = self.brackets.get(live.order_id)
            if bracket is None:
                self.books.entry_fill(book, fill, (live.order_id, None, None), (None, None))
            else:
                levels = (_level(bracket.stop_loss), _level(bracket.take_profit))
                ids = bracket.order_ids(live.order_id)
                self.books.entry_fill(book, fill, ids, levels, bracket.exits)
            if live.fully_filled:
                live.progress = "done"
                self.books.entry_filled(book, live.order_id, fill.time_ms, fill.liquidity)
                self.stop_target(book)
                self.actions.protect(book, live.order_id)
            return
        reason: ExitReason = CLOSE_ROLES.get(live.role, live.exit_reason)  # type: ignore[assignment]
        final = live.fully_filled
        order_id = live.order_id if final else None
        flat = self.books.exit_fill(book, fill, reason, order_id, live.leg)
        if final or flat:
            live.progress = "done"
        position = self.model.position(book)
        if final and live.leg is not None and position is not None:
            position.legs_filled += 1  # legs fill nearest first, as the price reaches them
        if flat:
            self.stops.pop(book, None)
            for other in self.orders.of_book(book):
                if other.role in CLOSE_ROLES:
                    self.actions.withdraw(other, f"position closed ({reason})")

    def stop_target(self, book: str) -> StopTarget | None:
        """The stop the book's position wants on Binance (made from its bracket the first
        time it is asked); None without a position or a stop."""
        position = self.model.position(book)
        if position is None or position.stop_loss is None or position.stop_order_id is None:
            return None
        target = self.stops.get(book)
        if target is not None and target.order_id == position.stop_order_id:
            return target
        bracket = self.brackets.get(position.entry_order_id or "")
        if bracket is None or bracket.stop_client_id is None:
            return None
        tick = self.model.book(book).rules.tick_size
        level = round_to_tick(position.stop_loss, tick)
        target = StopTarget(position.stop_order_id, bracket.stop_client_id, 0, level)
        self.stops[book] = target
        return target

    def move_stop(self, book: str, price: float) -> bool:
        """A stop rule moved the position's stop to `price`: the next move of its target
        (False when it has none)."""
        target = self.stop_target(book)
        if target is None:
            return False
        level = round_to_tick(price, self.model.book(book).rules.tick_size)
        self.stops[book] = replace(target, move=target.move + 1, level=level)
        self.counters.stops_moved += 1
        return True

    def book_unmatched(self, symbol: str, order_id: int, fill: ExchangeFill) -> None:
        """A fill of an order not known yet (an algo order's trigger not reported yet):
        kept until the order it belongs to is known."""
        self.unmatched.setdefault((symbol, order_id), []).append(fill)

    def liquidation(self, book: str, fill: ExchangeFill) -> None:
        """A fill of Binance's own liquidation/ADL order on the book's position."""
        key = (fill.symbol, fill.trade_id)
        if key in self.seen_trades:
            return
        self.seen_trades.add(key)
        if self.books.exit_fill(book, fill, "liquidation", None):
            self.stops.pop(book, None)


def _level(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def fill_of_trade(trade: AccountTrade) -> ExchangeFill:
    """A `/fapi/v1/userTrades` row as a fill (no client id: matched by order id)."""
    return ExchangeFill(
        symbol=trade.symbol,
        trade_id=trade.trade_id,
        exchange_order_id=trade.order_id,
        client_order_id="",
        buying=trade.side == "BUY",
        price=float(trade.price),
        qty=float(trade.qty),
        fee=float(trade.commission) if trade.commission_asset == "USDT" else 0.0,
        maker=trade.maker,
        time_ms=trade.time_ms,
    )
