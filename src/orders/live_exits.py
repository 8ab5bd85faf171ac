"""A live position's exits on Binance: the stop, the take-profit or its ladder, stop moves and
the signal's own max-hold — mirroring the execution model's `managed_exits`.

ARCHITECTURE.md ("Exits beyond one stop and one target"), as Binance allows it:
- protection goes out once the entry has filled in full (a market entry fills at once; a
  limit entry filled in part and then cancelled is protected by the next reconciliation,
  for what did fill): the stop as a `STOP_MARKET` `closePosition` algo order (it covers
  whatever remains, so a leg's fill never needs it resized) and either the one
  take-profit or one reduce-only `TAKE_PROFIT_MARKET` per final ladder leg — the queue's
  `tpK` child's client id, the leg's price as trigger, the leg's quantity. When the
  position is smaller than the legs (an entry that filled in part), the farthest legs
  are trimmed, as the simulated ladder's last leg closes whatever is left;
- a leg's fill is one trade record with its leg number (`live_state`), and counts as the
  leg filled for the stop rules once its whole quantity has; the stop's fill leaves the
  position flat, which cancels the remaining legs; the last leg's fill, leaving it flat
  too, cancels the stop (never cancelled while anything is left, but to be replaced);
- at each bar close the live venue runs the model's own `close_of_bar` on the books the
  exchange's fills built: a stop rule's move is reported as `StopMoved` (the queue's stop
  order follows) and replaced on Binance — the old algo stop cancelled first, then the new
  one placed under `moved_stop_id(stop id, move)`. Never two stops: a cancel whose outcome
  is unknown, or answered "nothing to cancel", is looked up before anything is placed (a
  stop that fired is left to close the position; one still working is cancelled again
  later). A level the market has already passed (-2021) closes the position at market;
- the model's max-hold exit becomes a reduce-only market order (exit reason `max_hold`);
  the protection is cancelled once the position is flat;
- after a restart the move number of a moved stop is not known: the reconciliation finds
  the move Binance holds among its open algo orders (`adopt_stop`) before any stop goes
  out. A missing leg is placed again with what is left of it (from the trade records).

Placements run on the venue's worker thread; what changes the books goes through the
venue's `apply` (the engine's lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.adapters.binance.trading_schemas import AlgoOrder
from scalplab.errors import ScalpLabError
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.live_orders import LiveOrder, Role, moved_stop_id, protection
from scalplab.orders.live_state import Bracket, BracketLeg, LiveState, StopTarget
from scalplab.orders.live_worker import Worker
from scalplab.orders.managed_exits import close_of_bar
from scalplab.orders.models import Bar, ExitReason, Position
from scalplab.orders.queue import OrderQueue, bracket_ids, ladder_ids
from scalplab.orders.types import Order

log = logging.getLogger(__name__)

RETRY_STOP_S = 1.0
"""How long before a stop replacement whose old stop's fate is not known is tried again."""
MOVES_SEARCHED = 64
"""After a restart, moves beyond the bars held that are searched for the stop Binance holds
(a stop moves at most once per bar close)."""
GONE_STATUSES = frozenset({"CANCELED", "EXPIRED", "REJECTED"})

Apply = Callable[[Callable[[], None]], None]


class ExitVenue(Protocol):
    """What the exits need of the Binance venue."""

    model: ExecutionModel
    state: LiveState
    client: BinanceTradingClient
    worker: Worker
    apply: Apply
    clock_ms: Callable[[], int]

    def place(self, live: LiveOrder) -> None:
        """Send `live` to Binance."""
        ...

    def quantity(self, book: str, qty: float) -> Decimal:
        """`qty` on the symbol's step."""
        ...

    def exit_pending(self, book: str) -> bool:
        """Whether an exit order of the book is on its way."""
        ...

    def close_position(self, book: str, reason: ExitReason, order_id: str | None) -> bool:
        """Close the book's position at market."""
        ...


def bracket_of(queue: OrderQueue, order: Order) -> Bracket:
    """The protection an entry asks for (ids from the queue, levels from the order)."""

    def client_id(order_id: str | None) -> str | None:
        return None if order_id is None else queue.get(order_id).client_order_id

    exits = order.exits
    if exits is not None and exits.laddered:
        exits = exits.with_order_ids(ladder_ids(order))
        stop_id = order.children[0] if order.stop_loss is not None else None
        legs = tuple(
            BracketLeg(
                leg.order_id,
                queue.get(leg.order_id).client_order_id,
                leg.number,
                leg.price,
                leg.qty,
            )
            for leg in exits.take_profits
            if leg.order_id is not None
        )
        return Bracket(
            stop_id, client_id(stop_id), order.stop_loss, None, None, order.take_profit, legs, exits
        )
    stop_id, take_profit_id = bracket_ids(order)
    return Bracket(
        stop_id,
        client_id(stop_id),
        order.stop_loss,
        take_profit_id,
        client_id(take_profit_id),
        order.take_profit,
        exits=exits,
    )


def legs_done(model: ExecutionModel, book: str, position: Position) -> dict[int, float]:
    """What each ladder leg of `position` has closed so far (leg number → quantity), from
    the book's trade records."""
    done: dict[int, float] = {}
    trades = model.book(book).trades
    for index in range(len(trades) - 1, -1, -1):
        trade = trades[index]
        if trade.entry_ms != position.entry_ms:
            break
        if trade.leg is not None:
            done[trade.leg] = done.get(trade.leg, 0.0) + trade.qty
    return done


def leg_quantities(
    legs: tuple[BracketLeg, ...], closed: Mapping[int, Decimal], position_qty: Decimal
) -> list[tuple[BracketLeg, Decimal]]:
    """Each leg with what is left of it (its planned quantity less what it `closed`),
    nearest first, the farthest trimmed so that together they never exceed the position;
    legs with nothing left are left out."""
    left = position_qty
    quantities = []
    for leg in legs:
        qty = min(leg.qty - closed.get(leg.number, Decimal(0)), left)
        if qty > 0:
            quantities.append((leg, qty))
            left -= qty
    return quantities


class LiveExits:
    """The exits of the Binance venue's positions (see the module docstring)."""

    def __init__(self, venue: ExitVenue) -> None:
        self.venue = venue

    # ----- at a bar close (under the engine's lock) ---------------------------------------

    def close_of_bar(self, book: str, bar: Bar) -> None:
        """The model's stop rules and max-hold at the close of `bar`, acted on Binance."""
        venue = self.venue
        position = venue.model.position(book)
        if position is None or position.exits is None:
            return
        state = venue.model.book(book)
        before = position.stop_loss
        close_of_bar(state, bar, position, venue.state.emit)
        moved = position.stop_loss
        if moved is not None and moved != before and venue.state.move_stop(book, moved):
            venue.worker.put(lambda: self.sync_stop(book))
        request, state.exit = state.exit, None
        if request is not None and not venue.exit_pending(book):
            venue.close_position(book, request.reason, request.order_id)

    # ----- placing protection (worker thread) ---------------------------------------------

    def place_protection(self, book: str, entry_order_id: str) -> None:
        """Place what is missing of a filled entry's protection: the stop the position
        wants now, then the take-profit or each leg with what is left of it."""
        venue = self.venue
        bracket = venue.state.brackets.get(entry_order_id)
        position = venue.model.position(book)
        if bracket is None or position is None:
            return
        self.sync_stop(book)
        if bracket.legs:
            for leg, qty in self.leg_quantities(book, bracket, position):
                self._protect(
                    book, leg.order_id, leg.client_id, "take_profit", leg.price, qty, leg.number
                )
        elif bracket.take_profit_id and bracket.take_profit_client_id and bracket.take_profit:
            qty = venue.quantity(book, position.qty)
            self._protect(
                book,
                bracket.take_profit_id,
                bracket.take_profit_client_id,
                "take_profit",
                bracket.take_profit,
                qty,
            )

    def leg_quantities(
        self, book: str, bracket: Bracket, position: Position
    ) -> list[tuple[BracketLeg, Decimal]]:
        """Each leg of the position with what is left of it (`leg_quantities`)."""
        venue = self.venue
        done = legs_done(venue.model, book, position)
        closed = {number: venue.quantity(book, qty) for number, qty in done.items()}
        return leg_quantities(bracket.legs, closed, venue.quantity(book, position.qty))

    def _protect(
        self,
        book: str,
        order_id: str,
        client_id: str,
        role: Role,
        level: Decimal,
        qty: Decimal,
        leg: int | None = None,
    ) -> None:
        """Place one protection order unless Binance holds it (a settled one under the same
        client id is placed again)."""
        venue = self.venue
        known = venue.state.orders.by_client(client_id)
        if known is not None and not known.done:
            return
        position = venue.model.position(book)
        if position is None:
            return
        symbol = venue.model.book(book).key.symbol
        placement = protection(symbol, position.side == "long", role, level, qty)
        live = LiveOrder(order_id, client_id, book, role, placement, float(qty), leg=leg)
        live.sent_ms = venue.clock_ms()
        if known is not None:  # replacing one that is gone: same id, fresh record
            venue.state.counters.protection_replaced += 1
        venue.state.orders.replace(live)
        venue.state.counters.protection_placed += 1
        venue.place(live)

    # ----- the stop (worker thread) -------------------------------------------------------

    def sync_stop(self, book: str) -> None:
        """Make Binance hold exactly the stop the book's position wants: any other stop of
        the book is cancelled first (and known gone), then the wanted one placed."""
        venue = self.venue
        target = self._target(book)
        if target is None or not target.known:
            return
        stops = [o for o in venue.state.orders.of_book(book) if o.role == "stop"]
        if any(o.placement.kind == "order" for o in stops):
            return  # a stop already closing the position at market
        wanted = target.client_id
        for old in stops:
            if old.client_id != wanted and not self._retire(old, book):
                return
        if any(o.client_id == wanted for o in stops):
            return
        position = venue.model.position(book)
        if position is None:
            return
        qty = venue.quantity(book, position.qty)
        self._protect(book, target.order_id, wanted, "stop", target.level, qty)

    def _target(self, book: str) -> StopTarget | None:
        target = self.venue.state.stops.get(book)
        if target is not None or self.venue.model.position(book) is None:
            return target
        made: list[StopTarget | None] = []  # made from the bracket, under the lock
        self.venue.apply(lambda: made.append(self.venue.state.stop_target(book)))
        return made[0] if made else None

    def _retire(self, old: LiveOrder, book: str) -> bool:
        """Cancel a stop the position no longer wants: True once Binance surely does not
        hold it (a new one may go out); False when it fired (its fills close the position)
        or its fate is not known yet (the replacement is tried again later)."""
        venue = self.venue
        old.superseded = True
        try:
            cancelled = venue.client.cancel_algo_order(old.client_id)
        except ScalpLabError as exc:  # refused, or no answer: look it up
            log.warning("cancel of stop %s failed (%s): looking it up", old.client_id, exc.message)
            cancelled = None
        if cancelled is not None and cancelled.algo_status == "CANCELED":
            venue.apply(lambda: venue.state.settle(old, "replaced by the moved stop"))
            return True
        try:
            found = venue.client.algo_order(old.client_id)
        except ScalpLabError as exc:
            log.warning("lookup of stop %s failed (%s); trying again", old.client_id, exc.message)
            venue.worker.later(RETRY_STOP_S, lambda: self.sync_stop(book))
            return False
        if found is None or found.algo_status in GONE_STATUSES:
            venue.apply(lambda: venue.state.settle(old, "replaced by the moved stop"))
            return True
        if found.is_open:  # still working: cancel it again in a moment
            venue.worker.later(RETRY_STOP_S, lambda: self.sync_stop(book))
            return False
        old.superseded = False  # it fired: its fills are the stop order's
        venue.apply(lambda: venue.state.acknowledged(old, found))
        return False

    def adopt_stop(self, book: str, open_algos: Mapping[str, AlgoOrder]) -> None:
        """After a restart with a moved stop: find which move Binance holds among the
        open algo orders and follow it (the stop moved further meanwhile is replaced);
        with none, the next stop goes out under a move number not used before."""
        venue = self.venue
        target = venue.state.stops.get(book)
        position = venue.model.position(book)
        if target is None or target.known or position is None:
            return
        bound = venue.model.bars_held(book) + MOVES_SEARCHED
        for move in range(bound + 1, -1, -1):
            client_id = moved_stop_id(target.base_client_id, move)
            algo = open_algos.get(client_id)
            if algo is None or algo.order_type != "STOP_MARKET":
                continue
            symbol = venue.model.book(book).key.symbol
            qty = venue.quantity(book, position.qty)
            placement = protection(symbol, position.side == "long", "stop", algo.trigger_price, qty)
            live = LiveOrder(target.order_id, client_id, book, "stop", placement, float(qty))
            venue.state.orders.replace(live)
            self._acknowledge(live, algo)
            held = replace(target, move=move, level=algo.trigger_price, known=True)
            if algo.trigger_price != target.level:  # a move not placed before the restart
                held = replace(held, move=move + 1, level=target.level)
            self._set_target(book, held)
            return
        self._set_target(book, replace(target, move=bound + 1, known=True))

    def _acknowledge(self, live: LiveOrder, algo: AlgoOrder) -> None:
        self.venue.apply(lambda: self.venue.state.acknowledged(live, algo))

    def _set_target(self, book: str, target: StopTarget) -> None:
        self.venue.apply(lambda: self.venue.state.stops.__setitem__(book, target))
