"""The venue port: where accepted orders go, and the simulated venue every mode uses today.

A venue works the queue's accepted orders and reports back typed events
(`scalplab.orders.events`). `SimulatedVenue` wraps the execution model — as
nautilus_trader's sandbox wraps its matching engine — so backtests, replays and paper
trading fill orders by the same rules; a Binance venue adapter plugs into the same
port (`scalplab.orders.binance_venue`), reporting fills from the exchange instead of
from bars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from scalplab.data.symbols import SymbolRules
from scalplab.orders.book import EntryOrder
from scalplab.orders.events import VenueEvent
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.models import Bar, ExitReason, Position, Trade
from scalplab.orders.queue import OrderQueue, bracket_ids, ladder_ids
from scalplab.orders.resting import RestingOrder
from scalplab.orders.types import Order


def _float(value: object) -> float | None:
    return None if value is None else float(str(value))


class Venue(Protocol):
    """What the order pipeline needs from a venue."""

    def has_book(self, book: str) -> bool:
        """Whether orders of `book` can be worked here."""
        ...

    def on_bar(self, book: str, bar: Bar) -> None:
        """A bar of `book` closed (a simulated venue fills orders on it)."""
        ...

    def finish(self, book: str) -> None:
        """The book's data ended (a simulated venue closes its position at the last close)."""
        ...

    def bars_held(self, book: str) -> int:
        """Bars the open position has been held, its entry bar included (0 when flat)."""
        ...

    def busy_books(self) -> set[str]:
        """Books holding a position or an entry that has not filled yet."""
        ...

    def exit_pending(self, book: str) -> bool:
        """Whether an exit of the book's position was sent and has not filled yet."""
        ...

    def rules(self, book: str) -> SymbolRules:
        """The symbol rules orders of `book` must satisfy."""
        ...

    def position(self, book: str) -> Position | None:
        """The open position of `book`, if any."""
        ...

    def closed_trades(self, book: str) -> Sequence[Trade]:
        """The closed trades of `book`, in exit order."""
        ...

    def has_pending_entry(self, book: str) -> bool:
        """Whether an entry of `book` was sent and has not filled yet."""
        ...

    def last_bar(self, book: str) -> Bar | None:
        """The last closed bar of `book` (its price reference)."""
        ...

    def is_last_bar(self, book: str, bar: Bar) -> bool:
        """Whether `bar` is the last of the data (no bar is left to fill on)."""
        ...

    def data_bars(self, book: str) -> int | None:
        """How many bars the book's data holds at most (None: open-ended, a live feed)."""
        ...

    def equity(self) -> float:
        """Cash plus unrealised P&L of the account."""
        ...

    def margin_in_use(self) -> float:
        """Initial margin held by open positions and unfilled entries."""
        ...

    def submit(self, book: str, order: Order) -> None:
        """Work an accepted order."""
        ...

    def cancel(self, book: str, order_id: str, reason: str) -> bool:
        """Stop working an order; False when it is not working."""
        ...

    def close_position(self, book: str, reason: ExitReason, order_id: str | None) -> bool:
        """Close the whole position at market; False when flat."""
        ...


class ListeningVenue(Venue, Protocol):
    """A venue that reports what happens to a listener (the pipeline)."""

    def listen(self, listener: Callable[[VenueEvent], None]) -> None:
        """Report every event to `listener`."""
        ...


VenueFactory = Callable[[ExecutionModel, OrderQueue], ListeningVenue]
"""Builds an account's venue over its execution model (its books) and its order queue."""


class SimulatedVenue:
    """The execution model as a venue: orders fill on the bars the model is fed."""

    def __init__(self, model: ExecutionModel) -> None:
        self.model = model

    def listen(self, listener: Callable[[VenueEvent], None]) -> None:
        """Report every fill, cancellation, position change and funding to `listener`."""
        self.model.on_event = listener

    def has_book(self, book: str) -> bool:
        """Whether the model trades `book`."""
        return self.model.has_book(book)

    def on_bar(self, book: str, bar: Bar) -> None:
        """Match the book's orders and levels on the bar (the execution semantics)."""
        self.model.on_bar(book, bar)

    def finish(self, book: str) -> None:
        """Close what is open at the last close and drop what waits."""
        self.model.finish(book)

    def bars_held(self, book: str) -> int:
        """Bars since the entry bar, that bar included."""
        return self.model.bars_held(book)

    def busy_books(self) -> set[str]:
        """Books with a position or a waiting entry."""
        return self.model.busy_books()

    def exit_pending(self, book: str) -> bool:
        """Whether a market exit waits for the next bar's open."""
        return self.model.book(book).exit is not None

    def rules(self, book: str) -> SymbolRules:
        """The symbol rules of the book's symbol."""
        return self.model.book(book).rules

    def position(self, book: str) -> Position | None:
        """The open position of `book`, if any."""
        return self.model.position(book)

    def closed_trades(self, book: str) -> Sequence[Trade]:
        """The closed trades of `book`, in exit order."""
        return self.model.book(book).trades

    def has_pending_entry(self, book: str) -> bool:
        """Whether an entry waits to fill (at the next open, or resting)."""
        return self.model.entry_waiting(book)

    def last_bar(self, book: str) -> Bar | None:
        """The last bar the model processed for `book`."""
        return self.model.last_bar(book)

    def is_last_bar(self, book: str, bar: Bar) -> bool:
        """Whether `bar` is at or after the book's final bar."""
        last = self.model.book(book).last_open_ms
        return last is not None and bar.open_ms >= last

    def data_bars(self, book: str) -> int | None:
        """The bars seen plus those up to the book's last bar (None when it is unknown)."""
        return self.model.data_bars(book)

    def equity(self) -> float:
        """Cash plus unrealised P&L at each book's last close."""
        return self.model.equity

    def margin_in_use(self) -> float:
        """Initial margin of the open positions and the waiting entries."""
        return self.model.margin_in_use()

    def submit(self, book: str, order: Order) -> None:
        """A market entry fills at the next bar's open with its bracket live from that bar
        (as a signal's does, a take-profit ladder leg by leg); any other order rests until
        a bar reaches it."""
        assert order.qty is not None
        stop_id, take_profit_id = bracket_ids(order)
        exits = order.exits
        if exits is not None and exits.laddered:
            exits = exits.with_order_ids(ladder_ids(order))
            take_profit_id = exits.take_profits[-1].order_id
        if order.type == "market" and not order.reduce_only:
            self.model.submit_entry(
                book,
                EntryOrder(
                    order_id=order.id,
                    side="long" if order.side == "buy" else "short",
                    qty=float(order.qty),
                    stop_loss=_float(order.stop_loss),
                    take_profit=_float(order.take_profit),
                    stop_order_id=stop_id,
                    take_profit_order_id=take_profit_id,
                    exits=exits,
                ),
            )
            return
        bar = self.model.last_bar(book)
        self.model.place_order(
            book,
            RestingOrder(
                id=order.id,
                side=order.side,
                type=order.type,
                qty=float(order.qty),
                price=_float(order.price),
                stop_price=_float(order.stop_price),
                callback_rate_pct=_float(order.callback_rate_pct),
                reduce_only=order.reduce_only,
                stop_loss=_float(order.stop_loss),
                take_profit=_float(order.take_profit),
                stop_order_id=stop_id,
                take_profit_order_id=take_profit_id,
                placed_ms=0 if bar is None else bar.open_ms,
            ),
        )

    def cancel(self, book: str, order_id: str, reason: str) -> bool:
        """Cancel a resting order or the waiting entry."""
        return self.model.cancel_order(book, order_id, reason)

    def close_position(self, book: str, reason: ExitReason, order_id: str | None) -> bool:
        """Close the position at the next bar's open (taker, slipped)."""
        return self.model.request_exit(book, reason, order_id)
