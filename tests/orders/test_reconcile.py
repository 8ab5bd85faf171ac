"""Reconciliation: the queue's orders follow what the venue reports, event by event.

Driven through a sandbox (the simulated venue's events reach the pipeline's
reconciler), then with hand-made events on a bare queue and gate.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.orders.events import (
    OrderCancelled,
    OrderFilled,
    PositionClosed,
    PositionOpened,
    VenueEvent,
)
from scalplab.orders.models import Bar, Trade
from scalplab.orders.outcomes import OrderUpdated, Outcome, TradeClosed
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.reconcile import Reconciler
from scalplab.orders.risk import RiskGate
from scalplab.orders.types import Order, OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)  # 20 @ 100.1 once filled


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


def opened() -> tuple[Harness, Order, Order, Order]:
    """A long filled at bar 1's open; its entry, stop-loss and take-profit orders."""
    h = Harness()
    h.step(bar(0, 100, 100, 100, 100), LONG)
    h.on_bar(bar(1, 100, 100, 100, 100))
    [entry] = [o for o in h.queue.list() if o.parent_id is None]
    stop, take_profit = (h.queue.get(child) for child in entry.children)
    return h, entry, stop, take_profit


def assert_fills_name_their_orders(h: Harness) -> None:
    fills = [e for e in h.events if isinstance(e, OrderFilled)]
    assert fills
    for fill in fills:
        order = h.queue.get(fill.order_id)
        assert (order.status, order.fill_price) == ("filled", fill.price)
        assert order.filled_ms == fill.time_ms


def test_the_entry_fill_fills_the_entry_order_and_leaves_its_bracket_working() -> None:
    h, entry, stop, take_profit = opened()
    assert (entry.status, entry.fill_price, entry.filled_ms) == (
        "filled",
        pytest.approx(100.1),
        T0 + H,
    )
    assert (stop.type, stop.stop_price, stop.status) == ("stop_market", Decimal(95), "accepted")
    assert (take_profit.type, take_profit.price, take_profit.status) == (
        "limit",
        Decimal(115),
        "accepted",
    )
    [position] = [e for e in h.events if isinstance(e, PositionOpened)]
    assert (position.position.stop_order_id, position.position.take_profit_order_id) == (
        stop.id,
        take_profit.id,
    )
    assert_fills_name_their_orders(h)


def test_a_stop_loss_fill_cancels_the_take_profit() -> None:
    h, _, stop, take_profit = opened()
    h.on_bar(bar(2, 99, 99, 94, 95))
    [fill] = [e for e in h.events if isinstance(e, OrderFilled) and e.order_id == stop.id]
    assert (fill.price, fill.qty, fill.liquidity) == (pytest.approx(95 * 0.999), 20.0, "taker")
    assert h.queue.get(stop.id).status == "filled"
    sibling = h.queue.get(take_profit.id)
    assert (sibling.status, sibling.reason) == ("cancelled", f"OCO: {stop.id} filled")
    updated = [o.order.id for o in h.of_type(OrderUpdated)]
    assert updated[-2:] == [stop.id, take_profit.id]  # the fill, then the cascade
    assert_fills_name_their_orders(h)


def test_a_take_profit_fill_cancels_the_stop_loss() -> None:
    h, _, stop, take_profit = opened()
    h.on_bar(bar(2, 110, 116, 109, 112))
    assert h.queue.get(take_profit.id).fill_price == 115.0
    assert h.queue.get(stop.id).status == "cancelled"
    assert_fills_name_their_orders(h)


@pytest.mark.parametrize(
    ("last", "reason"),
    [
        (bar(2, 90, 91, 65, 70), "liquidation"),  # reaches 100.1 × 0.804 = 80.48 first
        (bar(2, 101, 102, 100, 101), "end"),  # still open when the data ends
    ],
)
def test_a_position_closed_without_its_orders_cancels_both_legs(last: Bar, reason: str) -> None:
    h = Harness()
    # stop 70 beyond the liquidation price 80.48: the liquidation fills first
    h.step(bar(0, 100, 100, 100, 100), Signal("long", 100.0, 70.0, 190.0))
    h.on_bar(bar(1, 100, 100, 100, 100))
    [entry] = [o for o in h.queue.list() if o.parent_id is None]
    h.on_bar(last)
    h.finish()
    [trade] = h.trades
    assert trade.exit_reason == reason
    [closed] = [e for e in h.events if isinstance(e, PositionClosed)]
    assert (closed.order_id, closed.entry_order_id, closed.flat) == (None, entry.id, True)
    for child in entry.children:
        order = h.queue.get(child)
        assert (order.status, order.reason) == ("cancelled", f"position closed ({reason})")
    assert h.queue.get(entry.id).status == "filled"
    assert [o.trade for o in h.of_type(TradeClosed)] == [trade]


def test_an_entry_the_data_ended_before_is_cancelled_with_its_bracket() -> None:
    h = Harness()
    h.step(bar(0, 100, 100, 100, 100), LONG)
    h.finish()
    [cancelled] = [e for e in h.events if isinstance(e, OrderCancelled)]
    assert cancelled.reason == "the data ended before it could fill"
    statuses = {o.id: (o.status, o.reason) for o in h.queue.list()}
    assert statuses[cancelled.order_id] == ("cancelled", "the data ended before it could fill")
    assert (
        sorted(statuses.values())[:2]
        == [
            ("cancelled", f"parent {cancelled.order_id} cancelled"),
        ]
        * 2
    )


def test_a_partial_close_keeps_the_bracket_and_trades_reach_the_gate() -> None:
    h, entry, stop, take_profit = opened()
    part = h.order(
        OrderRequest(
            symbol="TESTUSDT", side="sell", type="limit", qty=5, price=104, reduce_only=True
        )
    )
    h.on_bar(bar(2, 103, 104.5, 102, 104))
    closed = [e for e in h.events if isinstance(e, PositionClosed)]
    assert [(e.order_id, e.flat) for e in closed] == [(part.id, False)]
    assert {h.queue.get(stop.id).status, h.queue.get(take_profit.id).status} == {"accepted"}
    h.on_bar(bar(3, 99, 99, 94, 95))  # the stop closes the other 15
    assert h.queue.get(stop.id).status == "filled"
    trades = [(t.exit_ms, t.pnl) for t in h.trades]
    assert [tuple(t) for t in h.sandbox.gate.state()["recent_trades"]] == trades
    assert_fills_name_their_orders(h)
    assert h.queue.get(entry.id).status == "filled"


# ----- the reconciler on its own -----------------------------------------------------------


def trade(exit_ms: int, pnl: float) -> Trade:
    return Trade("TESTUSDT", "test", "long", T0, exit_ms, 100, 99, 1, "sl", 0, 0, 0, pnl, 2)


def test_events_about_unknown_or_closed_orders_change_nothing() -> None:
    queue = OrderQueue(MemoryOrderRepository())
    gate = RiskGate()
    seen: list[Outcome] = []
    reconciler = Reconciler(queue, gate, lambda: T0, seen.append)
    order, _ = queue.submit(OrderRequest(symbol="TESTUSDT", side="buy", qty=1), T0)
    events: list[VenueEvent] = [
        OrderFilled("TESTUSDT/test", "ord-unknown", T0, 100.0, 1.0, "taker"),
        OrderCancelled("TESTUSDT/test", "ord-unknown", T0, "gone"),
        OrderFilled("TESTUSDT/test", order.id, T0, 100.0, 1.0, "taker"),
        OrderCancelled("TESTUSDT/test", order.id, T0, "too late"),  # already filled
        OrderFilled("TESTUSDT/test", order.id, T0, 101.0, 1.0, "taker"),  # a repeat
    ]
    for event in events:
        reconciler.apply(event)
    assert [type(o) for o in seen] == [OrderUpdated]
    assert (queue.get(order.id).status, queue.get(order.id).fill_price) == ("filled", 100.0)
    # a closed trade reaches the gate's loss streak, flat or not, with or without orders
    reconciler.apply(PositionClosed("TESTUSDT/test", trade(T0 + H, -5.0), None, None, True))
    reconciler.apply(PositionClosed("TESTUSDT/test", trade(T0 + 2 * H, 3.0), None, "x", False))
    assert gate.state()["recent_trades"] == [[T0 + H, -5.0], [T0 + 2 * H, 3.0]]
    assert [type(o) for o in seen[1:]] == [TradeClosed, TradeClosed]
