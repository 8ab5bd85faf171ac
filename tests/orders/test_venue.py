"""The simulated venue: the pipeline's accepted orders worked on bars by the execution model.

Market entries fill at the next open with their bracket; every other order rests until
a bar reaches it (the rules of `scalplab.orders.resting`). Settings as in
`tests.orders.harness` (slippage 0.1 %, taker 0.05 %, maker 0.02 %, MIN_RR 3).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.events import OrderCancelled, OrderFilled, PositionOpened
from scalplab.orders.models import Bar
from scalplab.orders.resting import RestingOrder
from scalplab.orders.types import OrderRejected, OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import Harness

D = Decimal
H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


def request(**fields: object) -> OrderRequest:
    return OrderRequest(symbol="TESTUSDT", **fields)  # type: ignore[arg-type]


def open_long(h: Harness) -> None:
    """20 @ 100.1 (fee 1.001): signal on bar 0, entry at bar 1's open."""
    h.step(bar(0, 100, 100, 100, 100), LONG)
    h.on_bar(bar(1, 100, 100, 100, 100))


def test_limit_entry_with_bracket_fills_maker_and_checks_only_stops_on_its_bar() -> None:
    h = Harness()
    h.on_bar(bar(0, 100, 100, 100, 100))
    # RR (107 − 98) / (98 − 95) = 3: the gate's min_rr applies to a person's order too.
    order = h.order(
        request(
            side="buy", type="limit", qty=D(2), price=D(98), stop_loss=D(95), take_profit=D(107)
        )
    )
    assert order.status == "accepted" and len(order.children) == 2
    assert [o.id for o in h.model.open_orders(h.book)] == [order.id]
    # the bar dips to 97 (fill at 98) and also reaches 107.5: the TP is not assumed on the
    # fill bar (its high may have come before the fill)
    h.on_bar(bar(1, 100, 107.5, 97, 100))
    position = h.executor.position()
    assert position is not None and position.entry_price == 98.0
    assert position.fees == pytest.approx(98 * 2 * 0.0002)  # maker, not slipped
    assert [type(e) for e in h.events] == [OrderFilled, PositionOpened]
    filled = h.events[0]
    assert isinstance(filled, OrderFilled)
    assert (filled.order_id, filled.price, filled.liquidity) == (order.id, 98.0, "maker")
    assert h.queue.get(order.id).status == "filled"
    h.on_bar(bar(2, 100, 108, 99, 101))
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("tp", 107.0)
    stop_id, take_profit_id = order.children
    assert h.queue.get(take_profit_id).status == "filled"
    assert h.queue.get(stop_id).status == "cancelled"


def test_a_manual_market_entry_fills_at_the_next_open_like_a_signal() -> None:
    h = Harness()
    h.on_bar(bar(0, 100, 100, 100, 100))
    order = h.order(request(side="sell", qty=D(3)))
    assert h.sandbox.venue.has_pending_entry(h.book)
    h.on_bar(bar(1, 101, 102, 100, 101))
    position = h.executor.position()
    assert position is not None and position.side == "short"
    assert position.entry_price == pytest.approx(101 * 0.999)  # taker, slipped down
    assert position.entry_order_id == order.id and position.stop_loss is None
    assert h.queue.get(order.id).fill_price == pytest.approx(101 * 0.999)


def test_reduce_only_partial_close_splits_costs() -> None:
    h = Harness()
    open_long(h)  # 20 @ 100.1, fee 1.001
    h.order(request(side="sell", type="limit", qty=D(5), price=D(104), reduce_only=True))
    h.on_bar(bar(2, 103, 104.5, 102, 104))
    [part] = h.trades
    assert (part.qty, part.exit_reason, part.exit_price) == (5.0, "manual", 104.0)
    # a quarter of the entry fee + maker 104 × 5 × 0.02 %
    assert part.fees == pytest.approx(1.001 / 4 + 104 * 5 * 0.0002)
    assert part.pnl == pytest.approx((104 - 100.1) * 5 - part.fees)
    position = h.executor.position()
    assert position is not None and position.qty == 15.0
    assert position.fees == pytest.approx(1.001 * 0.75)
    assert position.margin == pytest.approx(100.1 * 20 / 5 * 0.75)
    h.finish()
    assert sum(t.qty for t in h.trades) == 20.0
    assert h.model.cash == pytest.approx(10_000 + sum(t.pnl for t in h.trades))


def test_orders_that_cannot_apply_any_more_are_cancelled_with_a_reason() -> None:
    h = Harness()
    open_long(h)
    late = h.order(request(side="sell", type="limit", qty=D(20), price=D(120), reduce_only=True))
    h.on_bar(bar(2, 100, 100, 94, 95))  # the stop closes the position first
    assert h.trades[0].exit_reason == "sl"
    cancelled = [e for e in h.events if isinstance(e, OrderCancelled)]
    assert [(e.order_id, e.reason) for e in cancelled] == [
        (late.id, "reduce-only order with no position")
    ]
    assert h.queue.get(late.id).status == "cancelled"
    # A resting entry counts as the book's entry: a second one is refused.
    first = h.order(request(side="buy", type="limit", qty=D(1), price=D(94)))
    with pytest.raises(OrderRejected, match="already has a position or a pending entry"):
        h.order(request(side="buy", type="limit", qty=D(1), price=D(50)))
    # One placed on the model directly is dropped once the first one opens the position.
    h.model.place_order(h.book, RestingOrder("direct", "buy", "limit", 1.0, price=50.0))
    h.on_bar(bar(3, 95, 95, 93.5, 94))
    assert h.queue.get(first.id).status == "filled"
    assert [(e.order_id, e.reason) for e in h.events if isinstance(e, OrderCancelled)][-1] == (
        "direct",
        "position_open",
    )
    assert h.model.open_orders(h.book) == []


def test_cancel_margin_and_the_queries_of_the_port() -> None:
    h = Harness()
    venue = h.sandbox.venue
    assert venue.has_book(h.book) and not venue.has_book("TESTUSDT/other")
    assert venue.last_bar(h.book) is None and venue.busy_books() == set()
    h.step(bar(0, 100, 100, 100, 100), LONG)
    # the waiting entry holds margin at the last close: 20 × 100 / 5 = 400
    assert venue.margin_in_use() == pytest.approx(400.0)
    assert venue.has_pending_entry(h.book) and venue.busy_books() == {h.book}
    h.on_bar(bar(1, 100, 100, 100, 100))
    # the position's initial margin at its fill: 20 × 100.1 / 5 = 400.4
    assert venue.margin_in_use() == pytest.approx(400.4)
    assert not venue.has_pending_entry(h.book) and venue.bars_held(h.book) == 1
    resting = h.order(request(side="sell", type="limit", qty=D(5), price=D(110), reduce_only=True))
    assert venue.cancel(h.book, resting.id, "changed my mind")
    assert not venue.cancel(h.book, resting.id, "again")
    assert (h.queue.get(resting.id).status, h.queue.get(resting.id).reason) == (
        "cancelled",
        "changed my mind",
    )
    assert venue.close_position(h.book, "manual", None) and venue.exit_pending(h.book)
    last = bar(2, 99, 99, 99, 99)
    h.on_bar(last)
    assert venue.last_bar(h.book) == last and venue.position(h.book) is None
    assert h.trades[0].exit_reason == "manual"
    assert not venue.close_position(h.book, "manual", None)
    assert venue.is_last_bar(h.book, last) is False
    h.model.set_last_open(h.book, last.open_ms)
    assert venue.is_last_bar(h.book, last)


def test_a_trailing_stop_placed_on_the_model_trails_from_the_last_close() -> None:
    h = Harness()
    open_long(h)  # last close 100
    h.model.place_order(
        h.book,
        RestingOrder("T", "sell", "trailing_stop", 20.0, callback_rate_pct=2.0, reduce_only=True),
    )
    with pytest.raises(ConflictError, match="already working"):
        h.model.place_order(h.book, RestingOrder("T", "sell", "market", 1.0, reduce_only=True))
    [trail] = h.model.open_orders(h.book)
    assert trail.trail_extreme == 100.0  # trailing from 100: trigger 98
    h.on_bar(bar(2, 101, 106, 100, 105))  # no fill at 98; the extreme rises to 106
    h.on_bar(bar(3, 104, 104, 103, 103.5))  # 106 × 0.98 = 103.88: reached
    [trade] = h.trades
    assert trade.exit_reason == "manual"
    assert trade.exit_price == pytest.approx(106 * 0.98 * 0.999)
