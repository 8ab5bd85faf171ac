"""The one execution model of ScalpLab, bar by bar (backtest = replay = paper).

It implements the execution semantics of ARCHITECTURE.md for any number of books
(one strategy on one symbol each) sharing one account: a queued market entry fills
at the open of the next bar (slipped), its stop-loss, take-profit and liquidation
levels are live from that bar on, each bar checks the open before the range, funding
is settled at 00/08/16 UTC, and whatever is still open at the end closes at the last
close. A position with exit rules (`scalplab.orders.exits`) fills its take-profit
ladder leg by leg, and has its stop rules and its own max-hold applied at bar closes
(`scalplab.orders.managed_exits`). It holds no opinion on whether a signal should
trade: the order pipeline (`scalplab.orders.pipeline`) gates, sizes and queues, and
hands accepted orders to the simulated venue that wraps this model. What happens is
reported as typed venue events (`scalplab.orders.events`) that name the queue's order
ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalplab.config import Settings
from scalplab.data.symbols import SymbolRules
from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders import book as book_state
from scalplab.orders.book import BookState, EntryOrder, ExitRequest
from scalplab.orders.costs import CostModel
from scalplab.orders.events import (
    OrderCancelled,
    VenueEvent,
)
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.ledger import Ledger
from scalplab.orders.levels import bracket_exit
from scalplab.orders.managed_exits import close_of_bar, fill_ladder
from scalplab.orders.models import Bar, BookKey, ExitReason, Position, Trade
from scalplab.orders.resting import RestingOrder, match
from scalplab.strategies.signal import Side


@dataclass(frozen=True, slots=True)
class ExecutionConfig:
    """Economics of a run, from the settings."""

    initial_capital: float
    risk_per_trade_pct: float
    max_leverage: float
    maint_margin_pct: float
    costs: CostModel

    @classmethod
    def from_settings(
        cls, settings: Settings, initial_capital: float | None = None
    ) -> ExecutionConfig:
        """The economics the environment configures (`initial_capital` overrides)."""
        return cls(
            initial_capital=settings.initial_capital
            if initial_capital is None
            else initial_capital,
            risk_per_trade_pct=settings.risk_per_trade_pct,
            max_leverage=settings.max_leverage,
            maint_margin_pct=settings.maint_margin_pct,
            costs=CostModel(
                taker_fee_pct=settings.taker_fee_pct,
                maker_fee_pct=settings.maker_fee_pct,
                slippage_pct=settings.slippage_pct,
            ),
        )


class ExecutionModel:
    """Cash, positions, fills and costs of one account over one or more books."""

    def __init__(
        self,
        config: ExecutionConfig,
        on_event: Callable[[VenueEvent], None] | None = None,
        keep_equity: bool = True,
    ) -> None:
        self.config = config
        self.on_event = on_event
        self.keep_equity = keep_equity
        self.ledger = Ledger(
            config.initial_capital,
            config.max_leverage,
            config.maint_margin_pct,
            config.costs,
            self._emit,
            lambda: self.on_event is not None,
        )
        self.equity_curve: list[tuple[int, float]] = []
        self.bars_seen = 0
        self._books: dict[str, BookState] = {}
        self.touched: set[str] = set()
        """Books changed since the owner last cleared this (for incremental persistence)."""

    # ----- set-up and queries -------------------------------------------------

    def add_book(
        self,
        key: BookKey,
        rules: SymbolRules,
        funding: FundingSchedule,
        last_open_ms: int | None = None,
    ) -> str:
        """Register a book; `last_open_ms` marks its final bar. Returns the book id."""
        self._books[key.id] = BookState(key, rules, funding, last_open_ms)
        self.touched.add(key.id)
        return key.id

    def has_book(self, book: str) -> bool:
        """Whether `book` is registered."""
        return book in self._books

    def book(self, book: str) -> BookState:
        """A book's state (`NotFoundError` when unknown)."""
        try:
            return self._books[book]
        except KeyError:
            raise NotFoundError(f"no book {book}") from None

    def books(self) -> list[str]:
        """Registered book ids, in registration order."""
        return list(self._books)

    def set_last_open(self, book: str, last_open_ms: int | None) -> None:
        """Mark the final bar of a book's data (signals there are dropped)."""
        self.book(book).last_open_ms = last_open_ms

    def position(self, book: str) -> Position | None:
        """The open position of a book, if any."""
        return self._books[book].position

    def pending_entry(self, book: str) -> EntryOrder | None:
        """The market entry waiting for the next bar's open, if any."""
        return self._books[book].entry

    def entry_waiting(self, book: str) -> bool:
        """Whether an entry of the book waits to fill: a market entry for the next open or
        a resting (limit, stop, trailing) order that is not reduce-only."""
        state = self._books[book]
        return state.entry is not None or any(not order.reduce_only for order in state.orders)

    def bars_held(self, book: str) -> int:
        """Bars since the open position's entry bar, that bar included (0 when flat)."""
        state = self._books[book]
        if state.position is None:
            return 0
        return state.index - state.position.entry_index + 1

    def last_bar(self, book: str) -> Bar | None:
        """The last bar processed on a book."""
        return self._books[book].last_bar

    def data_bars(self, book: str) -> int | None:
        """How many bars the book's data holds at most: those seen plus, at the smallest
        spacing seen, those up to its last bar (None while that is unknown)."""
        state = self._books[book]
        last, bar, gap = state.last_open_ms, state.last_bar, state.ranges.spacing_ms()
        if last is None or bar is None or (gap is None and bar.open_ms < last):
            return None
        return state.index + 1 + (0 if gap is None else max(0, (last - bar.open_ms) // gap))

    def open_orders(self, book: str) -> list[RestingOrder]:
        """Orders still working on a book."""
        return list(self._books[book].orders)

    @property
    def trades(self) -> list[Trade]:
        """Every closed trade, in exit order per book, books in registration order."""
        return [trade for state in self._books.values() for trade in state.trades]

    @property
    def cash(self) -> float:
        """Cash of the account (fees, funding and realised P&L booked)."""
        return self.ledger.cash

    @cash.setter
    def cash(self, value: float) -> None:
        self.ledger.cash = value

    @property
    def fees_paid(self) -> float:
        """Fees paid so far."""
        return self.ledger.fees_paid

    @fees_paid.setter
    def fees_paid(self, value: float) -> None:
        self.ledger.fees_paid = value

    @property
    def equity(self) -> float:
        """Cash plus the unrealised P&L of every open position at its last close."""
        unrealised = 0.0
        for state in self._books.values():
            position, bar = state.position, state.last_bar
            if position is not None and bar is not None:
                unrealised += (bar.close - position.entry_price) * position.qty * position.direction
        return self.cash + unrealised

    def busy_books(self) -> set[str]:
        """Books holding a position or an entry waiting to fill."""
        return {
            name
            for name, state in self._books.items()
            if state.position is not None or self.entry_waiting(name)
        }

    def margin_in_use(self) -> float:
        """Initial margin of the open positions and of the entries waiting to fill (a market
        entry valued at the last close, a resting one at its limit or trigger price)."""
        leverage = self.config.max_leverage
        used = 0.0
        for state in self._books.values():
            if state.position is not None:
                used += state.position.margin
            close = state.last_bar.close if state.last_bar is not None else 0.0
            if state.entry is not None:
                used += state.entry.qty * close / leverage
            for order in state.orders:
                if not order.reduce_only:
                    price = order.price or order.stop_price or close
                    used += order.qty * price / leverage
        return used

    def totals(self) -> dict[str, float | int]:
        """Run-wide totals of costs and exposure."""
        states = list(self._books.values())
        return {
            "fees": self.fees_paid,
            "slippage": sum(s.slippage for s in states),
            "funding": sum(s.funding_paid for s in states),
            "bars": sum(s.index + 1 for s in states),
            "bars_in_market": sum(s.bars_in_market for s in states),
            "funding_default_instants": sum(s.funding_default_instants for s in states),
        }

    # ----- the bar loop ---------------------------------------------------------

    def on_bar(self, book: str, bar: Bar) -> None:
        """Process one closed bar: funding, a queued exit and entry at the open, the
        bracket levels, then the working orders."""
        state = self._books[book]
        self.touched.add(book)
        state.index += 1
        held_before = state.position is not None
        if held_before and state.prev_open_ms is not None:
            self.ledger.settle_funding(state, bar)
        exit_request = state.exit
        state.exit = None
        if exit_request is not None and state.position is not None:
            price = self._slip_exit(state.position, bar.open)
            self.ledger.close(
                state, bar, price, bar.open, "taker", exit_request.reason, exit_request.order_id
            )
        opened = False
        if state.entry is not None:
            self._open_entry(state, bar)
            opened = True
        position = state.position
        if position is not None:
            if position.exits is not None and position.exits.laddered:
                fill_ladder(self.ledger, state, bar)
            else:
                self._check_levels(state, bar)
        if state.orders:
            opened = self._work_orders(state, bar) or opened
        if held_before or opened:
            state.bars_in_market += 1
        state.ranges.add(bar)
        position = state.position
        if position is not None and position.exits is not None:
            close_of_bar(state, bar, position, self._emit)
        state.prev_open_ms = bar.open_ms
        state.last_bar = bar
        self.bars_seen += 1
        if self.keep_equity:
            self.equity_curve.append((bar.open_ms, self.equity))

    def submit_entry(self, book: str, entry: EntryOrder) -> None:
        """Queue a market entry with its bracket, filling at the next bar's open."""
        state = self._books[book]
        if state.position is not None or state.entry is not None:
            raise ConflictError(f"{book} already has a position or a pending entry")
        self.touched.add(book)
        state.entry = entry

    def place_order(self, book: str, order: RestingOrder) -> None:
        """Add a working order; a trailing stop starts trailing from the last close."""
        state = self._books[book]
        if any(existing.id == order.id for existing in state.orders):
            raise ConflictError(f"order {order.id} is already working on {book}")
        if order.type == "trailing_stop" and order.trail_extreme is None and state.last_bar:
            order.trail_extreme = state.last_bar.close
        state.orders.append(order)
        self.touched.add(book)

    def cancel_order(self, book: str, order_id: str, reason: str = "cancelled") -> bool:
        """Cancel a working order or the pending entry; False when it is not working."""
        state = self._books[book]
        time_ms = state.last_bar.open_ms if state.last_bar else 0
        if state.entry is not None and state.entry.order_id == order_id:
            state.entry = None
            self.touched.add(book)
            self._emit(OrderCancelled(book, order_id, time_ms, reason))
            return True
        for order in state.orders:
            if order.id == order_id:
                state.orders.remove(order)
                self.touched.add(book)
                self._emit(OrderCancelled(book, order_id, time_ms, reason))
                return True
        return False

    def request_exit(self, book: str, reason: ExitReason, order_id: str | None = None) -> bool:
        """Queue a market exit at the next bar's open (max-hold, manual); False when flat."""
        state = self._books[book]
        if state.position is None:
            return False
        self.touched.add(book)
        state.exit = ExitRequest(reason, order_id)
        return True

    def finish(self, book: str) -> None:
        """End of data: close at the last close (taker, slipped); drop what waits."""
        state = self._books[book]
        if state.closed:
            return
        self.touched.add(book)
        state.closed = True
        time_ms = state.last_bar.open_ms if state.last_bar else 0
        reason = "the data ended before it could fill"
        if state.entry is not None:
            entry, state.entry = state.entry, None
            self._emit(OrderCancelled(book, entry.order_id, time_ms, reason))
        if state.exit is not None:
            exit_request, state.exit = state.exit, None
            if exit_request.order_id is not None:
                self._emit(OrderCancelled(book, exit_request.order_id, time_ms, reason))
        bar = state.last_bar
        if state.position is None or bar is None:
            return
        price = self._slip_exit(state.position, bar.close)
        self.ledger.close(state, bar, price, bar.close, "taker", "end", None)
        if self.equity_curve and self.equity_curve[-1][0] == bar.open_ms:
            self.equity_curve[-1] = (bar.open_ms, self.equity)

    # ----- persistence ----------------------------------------------------------

    def state(self, trades: bool = True, books: bool = True) -> dict[str, Any]:
        """Everything needed to continue exactly after a restart (JSON-ready).

        The equity curve is not included (its owner keeps it). `trades=False` leaves
        out the closed trades (for a caller that stores them as rows and hands them
        back to `restore`); `books=False` leaves out the books (an empty map: for a
        caller that stores each with `book_state`).
        """
        return {
            "cash": self.cash,
            "fees_paid": self.fees_paid,
            "bars_seen": self.bars_seen,
            "books": (
                {name: book_state.dump(state, trades) for name, state in self._books.items()}
                if books
                else {}
            ),
        }

    def book_state(self, book: str, trades: bool = True) -> dict[str, Any]:
        """One book's part of `state()`."""
        return book_state.dump(self._books[book], trades)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Load `state()` output into this model, whose books are already registered."""
        self.cash = float(snapshot["cash"])
        self.fees_paid = float(snapshot["fees_paid"])
        self.bars_seen = int(snapshot["bars_seen"])
        for name, data in snapshot["books"].items():
            if name not in self._books:
                raise NotFoundError(f"saved state has book {name} that is not registered")
            book_state.load(self._books[name], data)
        self.touched.update(self._books)

    # ----- internals --------------------------------------------------------------

    def _emit(self, event: VenueEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _open_entry(self, state: BookState, bar: Bar) -> None:
        entry = state.entry
        assert entry is not None
        state.entry = None
        price = self.config.costs.slipped(bar.open, buying=entry.side == "long")
        self.ledger.open(
            state,
            bar,
            entry.side,
            entry.qty,
            price,
            bar.open,
            "taker",
            order_ids=(entry.order_id, entry.stop_order_id, entry.take_profit_order_id),
            levels=(entry.stop_loss, entry.take_profit),
            exits=entry.exits,
        )

    def _check_levels(self, state: BookState, bar: Bar, stops_only: bool = False) -> None:
        position = state.position
        assert position is not None
        hit = bracket_exit(position, bar, stops_only)
        if hit is None:
            return
        if hit.reason == "tp":
            order_id = position.take_profit_order_id
            self.ledger.close(state, bar, hit.price, hit.price, "maker", "tp", order_id)
            return
        order_id = position.stop_order_id if hit.reason == "sl" else None
        price = self._slip_exit(position, hit.price)
        self.ledger.close(state, bar, price, hit.price, "taker", hit.reason, order_id)

    def _work_orders(self, state: BookState, bar: Bar) -> bool:
        """Match the working orders against the bar; True when one opened a position."""
        opened = False
        book = state.key.id
        for order in list(state.orders):
            if order not in state.orders:
                continue  # cancelled by an earlier fill in this bar
            position = state.position
            if order.reduce_only and position is None:
                self.cancel_order(book, order.id, "reduce-only order with no position")
                continue
            if (
                order.reduce_only
                and position is not None
                and (position.side == "long") == order.buying
            ):
                self.cancel_order(
                    book, order.id, "a reduce-only order must be opposite the position"
                )
                continue
            if not order.reduce_only and position is not None:
                self.cancel_order(book, order.id, "position_open")
                continue
            fill = match(order, bar, self.config.costs)
            if fill is None:
                continue
            state.orders.remove(order)
            if order.reduce_only:
                assert position is not None
                qty = min(order.qty, position.qty)
                self.ledger.close(
                    state, bar, fill.price, fill.reference, fill.liquidity, "manual", order.id, qty
                )
                continue
            side: Side = "long" if order.buying else "short"
            self.ledger.open(
                state,
                bar,
                side,
                order.qty,
                fill.price,
                fill.reference,
                fill.liquidity,
                order_ids=(order.id, order.stop_order_id, order.take_profit_order_id),
                levels=(order.stop_loss, order.take_profit),
            )
            opened = True
            # The bracket is live at once; within the fill bar only the stops are
            # checked (the bar's high may have come before the fill).
            self._check_levels(state, bar, stops_only=True)
        return opened

    def _slip_exit(self, position: Position, price: float) -> float:
        return self.config.costs.slipped(price, buying=position.side == "short")
