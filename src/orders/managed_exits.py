"""The execution model's side of a position's exit rules: ladder fills booked, stops moved.

`fill_ladder` books what a bar fills of a laddered position (`levels.ladder_exits`): each
leg a maker fill at its price, or at the open it gapped through, never slipped — the
last leg closing whatever is left — or the stop or the liquidation for everything still
open (taker, slipped in full). Each fill is one trade record (`Ledger.close`), a leg's
carrying its number. At a bar's close, `close_of_bar` applies the stop rules
(`stop_rules.next_stop`) and reports a move as `StopMoved`, so the queue's stop order
shows the level that is live from the next bar; and the signal's own `max_hold_bars` B:
a position still open after the close of bar B (the entry bar is bar 1) is closed by a
market exit at the next bar's open (taker, slipped, before any level of that bar), exit
reason `max_hold` — or, when that bar was the last of the data, at its close as `end`.
Like the end-of-data close, that exit is the model's own (no queue order); the
strategy's `max_hold_bars` param yields to it (`OrderPipeline.close_position`).
"""

from __future__ import annotations

from collections.abc import Callable

from scalplab.orders.book import BookState, ExitRequest
from scalplab.orders.events import StopMoved, VenueEvent
from scalplab.orders.ledger import Ledger
from scalplab.orders.levels import ladder_exits
from scalplab.orders.models import Bar, Position
from scalplab.orders.stop_rules import next_stop


def fill_ladder(ledger: Ledger, state: BookState, bar: Bar) -> None:
    """Book what `bar` fills of the book's laddered position."""
    position = state.position
    assert position is not None and position.exits is not None
    legs = len(position.exits.take_profits)
    for fill in ladder_exits(position, bar):
        leg = fill.leg
        if leg is None:
            order_id = position.stop_order_id if fill.reason == "sl" else None
            price = ledger.costs.slipped(fill.price, buying=position.side == "short")
            ledger.close(state, bar, price, fill.price, "taker", fill.reason, order_id)
            return
        position.legs_filled += 1
        qty = None if position.legs_filled == legs else float(leg.qty)
        ledger.close(
            state, bar, fill.price, fill.price, "maker", "tp", leg.order_id, qty, leg=leg.number
        )


def close_of_bar(
    state: BookState, bar: Bar, position: Position, emit: Callable[[VenueEvent], None]
) -> None:
    """At the close of `bar`: the stop rules move the stop (live from the next bar), the
    signal's own max-hold queues the exit at the next open."""
    exits = position.exits
    assert exits is not None
    if exits.moves_stop:
        move = next_stop(position, bar, state.ranges, state.rules.tick_size)
        if move is not None:
            position.stop_loss = move.price
            book, order_id = state.key.id, position.stop_order_id
            emit(StopMoved(book, order_id, bar.open_ms, move.price, move.reason))
    hold = exits.max_hold_bars
    if hold is not None and state.exit is None and state.index - position.entry_index + 1 >= hold:
        state.exit = ExitRequest("max_hold")
