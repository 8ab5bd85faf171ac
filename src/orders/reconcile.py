"""Reconciliation: the order queue follows what the venue reports, event by event.

The queue's orders are the single record of what was asked and what happened to it.
A fill moves its order to `filled` (a filled bracket leg cancels its open sibling, one
cancels the other — except a leg of a take-profit ladder); a stop rule's move updates
the stop order's trigger; a venue cancellation moves it to `cancelled`, an exchange's refusal
to `rejected` (with the reason in words), an order sent without an answer to `submitted`
until a lookup finds it working (`accepted`) or settled; a position that
closes flat by any other way (liquidation, the end of the data, a max-hold or manual
exit, a reduce-only order) cancels the bracket legs still open. Closed trades also
reach the risk gate (the loss-streak breaker). Every order that changed is reported as
`OrderUpdated`, every trade as `TradeClosed`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from scalplab.orders.events import (
    FundingSettled,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRefused,
    OrderWorking,
    PositionClosed,
    PositionOpened,
    StopMoved,
    VenueEvent,
)
from scalplab.orders.outcomes import OrderUpdated, Outcome, TradeClosed
from scalplab.orders.queue import OrderQueue, cancels_siblings
from scalplab.orders.risk import RiskGate
from scalplab.orders.types import Order, OrderStatus


class Reconciler:
    """Applies venue events to the queue and the gate; reports outcomes to `emit`."""

    def __init__(
        self,
        queue: OrderQueue,
        gate: RiskGate,
        clock_ms: Callable[[], int],
        emit: Callable[[Outcome], None],
    ) -> None:
        self.queue = queue
        self.gate = gate
        self.clock_ms = clock_ms
        self.emit = emit

    def apply(self, event: VenueEvent) -> None:
        """Bring the queue and the gate in line with one venue event."""
        if isinstance(event, OrderFilled):
            self._filled(event)
        elif isinstance(event, OrderCancelled):
            self._cancel(event.order_id, event.reason or "cancelled")
        elif isinstance(event, OrderRefused):
            self._refuse(event.order_id, event.reason)
        elif isinstance(event, OrderOutcomeUnknown):
            self._move(event.order_id, "accepted", "submitted", event.reason)
        elif isinstance(event, OrderWorking):
            self._move(event.order_id, "submitted", "accepted", "the exchange holds it")
        elif isinstance(event, PositionClosed):
            trade = event.trade
            self.gate.record_trade(trade.exit_ms, trade.pnl)
            self.gate.record_close(
                trade.exit_ms,
                trade.symbol,
                trade.strategy,
                trade.pnl,
                trade.exit_reason,
                event.flat,
            )
            self.emit(TradeClosed(trade))
            if event.flat and event.entry_order_id is not None:
                self._close_bracket(event.entry_order_id, trade.exit_reason)
        elif isinstance(event, StopMoved):
            self._move_stop(event)
        elif isinstance(event, PositionOpened | FundingSettled):
            self.emit(event)

    def _open_order(self, order_id: str) -> Order | None:
        order = self.queue.repository.get(order_id)
        return order if order is not None and order.is_open else None

    def _filled(self, event: OrderFilled) -> None:
        order = self._open_order(event.order_id)
        if order is None:
            return
        parent = None if order.parent_id is None else self.queue.repository.get(order.parent_id)
        cascade = parent is not None and cancels_siblings(parent, order)
        siblings = self._open_ids(parent.children, order.id) if parent and cascade else []
        self.emit(OrderUpdated(self.queue.fill(order.id, event.price, self.clock_ms())))
        self._report(siblings)  # one cancels the other

    def _cancel(self, order_id: str, reason: str) -> None:
        order = self._open_order(order_id)
        if order is None:
            return
        children = self._open_ids(order.children)
        self.emit(OrderUpdated(self.queue.cancel(order.id, self.clock_ms(), reason)))
        self._report(children)

    def _refuse(self, order_id: str, reason: str) -> None:
        order = self._open_order(order_id)
        if order is None:
            return
        children = self._open_ids(order.children)
        self.emit(OrderUpdated(self.queue.reject(order.id, self.clock_ms(), reason)))
        self._report(children)

    def _move_stop(self, event: StopMoved) -> None:
        order = None if event.order_id is None else self._open_order(event.order_id)
        if order is None:
            return
        price, now = Decimal(repr(event.price)), self.clock_ms()
        self.emit(OrderUpdated(self.queue.move_stop(order.id, price, now, event.reason)))

    def _move(self, order_id: str, before: str, after: OrderStatus, reason: str) -> None:
        order = self._open_order(order_id)
        if order is None or order.status != before:
            return
        self.emit(OrderUpdated(self.queue.transition(order.id, after, self.clock_ms(), reason)))

    def _close_bracket(self, entry_order_id: str, exit_reason: str) -> None:
        parent = self.queue.repository.get(entry_order_id)
        if parent is None:
            return
        for child_id in parent.children:
            self._cancel(child_id, f"position closed ({exit_reason})")

    def _open_ids(self, order_ids: list[str], besides: str = "") -> list[str]:
        return [i for i in order_ids if i != besides and self._open_order(i) is not None]

    def _report(self, order_ids: list[str]) -> None:
        """Report the orders a cascade moved (an OCO sibling, an entry's children)."""
        for order_id in order_ids:
            order = self.queue.repository.get(order_id)
            if order is not None:
                self.emit(OrderUpdated(order))
