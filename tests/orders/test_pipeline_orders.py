"""The order pipeline for a person's orders (`OrderPipeline.submit_order`).

The same account rules as a signal's: leverage and free margin, sizing by risk when a
stop is given without a quantity, the risk gate (a breaker is a `ConflictError` and an
`OrderBlocked` outcome), the symbol rules, and idempotency on the client order id.
Settings as in `tests.orders.harness` (capital 10 000, risk 1 %, leverage 5, MIN_RR 3).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.models import Bar
from scalplab.orders.outcomes import OrderAccepted, OrderBlocked
from scalplab.orders.queue import IdempotencyConflict
from scalplab.orders.risk import RiskEvent
from scalplab.orders.types import OrderRejected, OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import NO_BREAKERS, RULES, Harness

D = Decimal
H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
FLAT = Bar(T0, 100, 100, 100, 100)
LONG = Signal("long", 100.0, 95.0, 115.0)


def request(**fields: object) -> OrderRequest:
    return OrderRequest(symbol="TESTUSDT", **fields)  # type: ignore[arg-type]


def ready(**kwargs: object) -> Harness:
    h = Harness(**kwargs)  # type: ignore[arg-type]
    h.on_bar(FLAT)
    return h


def busy_other(h: Harness) -> str:
    """Another book of the account whose entry waits (margin 20 × 100 / 5 = 400)."""
    other = h.add_book("other")
    h.on_bar(FLAT, other)
    h.on_signal(FLAT, LONG, other)
    return other


def test_an_order_needs_a_price_first() -> None:
    h = Harness()
    with pytest.raises(ConflictError, match="TESTUSDT has no price yet"):
        h.order(request(side="buy", qty=D(1)))


def test_notional_over_equity_times_leverage_is_rejected() -> None:
    h = ready()
    # 600 × 100 = 60000 > 10000 × 5
    with pytest.raises(
        OrderRejected,
        match=r"notional 60000\.00 USDT is over equity 10000\.00 × max leverage 5 = "
        r"50000\.00 USDT",
    ):
        h.order(request(side="buy", qty=D(600)))
    # at a limit price the order is valued there: 600 × 80 = 48000 fits
    assert h.order(request(side="buy", type="limit", qty=D(600), price=D(80))).qty == D(600)


def test_margin_over_the_free_margin_is_rejected() -> None:
    h = ready()
    busy_other(h)
    # 490 × 100 = 49000 ≤ 50000, but its margin 9800 > 10000 − 400
    with pytest.raises(
        OrderRejected,
        match=r"initial margin 9800\.00 USDT is over the free margin 9600\.00 USDT",
    ):
        h.order(request(side="buy", qty=D(490)))
    assert h.order(request(side="buy", qty=D(480))).qty == D(480)  # 9600: exactly fits


def test_an_order_without_qty_is_sized_by_risk_from_its_stop() -> None:
    h = ready()
    # market: entry at the last close 100, qty = 10000 × 1 % / (100 − 95) = 20
    order = h.order(request(side="buy", stop_loss=D(95), take_profit=D(115)))
    assert order.qty == D(20) and order.status == "accepted"
    assert [o.order for o in h.of_type(OrderAccepted)] == [order]
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100))
    position = h.executor.position()
    assert position is not None and (position.qty, position.stop_loss) == (20.0, 95.0)
    limit = ready()
    # a limit is sized at its price: 100 / (98 − 95) = 33.333.. → 33.333
    sized = limit.order(
        request(side="buy", type="limit", price=D(98), stop_loss=D(95), take_profit=D(107))
    )
    assert sized.qty == D("33.333")
    # neither a quantity nor a stop to size it by: a rejection with the reason
    with pytest.raises(OrderRejected, match=r"qty is required \(or give a stop_loss"):
        limit.order(request(side="sell", type="limit", price=D(120)))


def test_a_risk_sized_entry_is_capped_at_the_largest_closable_position() -> None:
    rules = replace(RULES, max_qty=D(25), market_max_qty=D(30))
    # market: risk size 20 is under both maxima → 20
    market = ready(rules=rules)
    order = market.order(request(side="buy", stop_loss=D(95), take_profit=D(115)))
    assert order.qty == D(20) and order.status == "accepted"
    # limit at 98: risk size 33.333 is over LOT_SIZE's maximum 25 → 25
    limit = ready(rules=rules)
    sized = limit.order(
        request(side="buy", type="limit", price=D(98), stop_loss=D(95), take_profit=D(107))
    )
    assert sized.qty == D(25)
    # a market maximum of 10 caps the limit entry too: its stop (a market order) must
    # be able to close the position
    rules = replace(RULES, max_qty=D(25), market_max_qty=D(10))
    capped = ready(rules=rules).order(
        request(side="buy", type="limit", price=D(98), stop_loss=D(95), take_profit=D(107))
    )
    assert capped.qty == D(10)
    # an explicit quantity over the maximum is refused, not capped
    with pytest.raises(OrderRejected, match=r"^qty 10\.001 is over the maximum quantity 10 "):
        ready(rules=rules).order(request(side="buy", qty=D("10.001"), stop_loss=D(95)))


def test_reduce_only_orders_need_a_position_on_the_other_side() -> None:
    h = ready()
    with pytest.raises(OrderRejected, match="needs an open position"):
        h.order(request(side="sell", qty=D(1), reduce_only=True))
    h.on_signal(FLAT, LONG)
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100))
    with pytest.raises(OrderRejected, match="a reduce_only buy cannot reduce a long position"):
        h.order(request(side="buy", qty=D(1), reduce_only=True))
    with pytest.raises(OrderRejected, match="qty is required for a reduce_only order"):
        h.order(request(side="sell", type="limit", price=D(110), reduce_only=True))
    with pytest.raises(OrderRejected, match="already has a position or a pending entry"):
        h.order(request(side="buy", qty=D(1)))
    reduce = h.order(request(side="sell", qty=D(5), reduce_only=True))
    assert reduce.children == []  # a closing order carries no bracket


def test_a_breaker_blocks_a_persons_entry_but_never_a_closing_order() -> None:
    risk = NO_BREAKERS.updated({"max_open_positions_enabled": True, "max_open_positions": 1})
    h = ready(risk=risk)
    h.on_signal(FLAT, LONG)
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100))  # this book holds a position
    other = h.add_book("other")
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100), other)
    reason = "1 open positions reach the limit of 1"
    with pytest.raises(ConflictError, match=f"blocked by the max_open_positions breaker: {reason}"):
        h.order(request(side="buy", qty=D(1)), other)
    [blocked] = h.of_type(OrderBlocked)
    assert blocked.risk_event == RiskEvent(
        T0 + H, "TESTUSDT", "other", "max_open_positions", reason
    )
    assert [o for o in h.queue.list() if o.strategy == "other"] == []
    # the gate never blocks an order that only reduces
    assert h.order(request(side="sell", qty=D(20), reduce_only=True)).status == "accepted"


def test_min_rr_applies_to_a_persons_bracket() -> None:
    h = ready()
    # a rejection, as for a signal (not a circuit breaker: no risk event)
    with pytest.raises(OrderRejected, match=r"reward/risk 2\.00 is below the minimum 3"):
        h.order(request(side="buy", qty=D(1), stop_loss=D(95), take_profit=D(110)))
    assert h.order(request(side="buy", qty=D(1), stop_loss=D(95))).status == "accepted"


def test_a_resubmitted_client_order_id_returns_the_first_order() -> None:
    h = ready()
    first = h.order(request(side="buy", qty=D(2), client_order_id="m-key-1"))
    again = h.order(request(side="buy", qty=D(2), client_order_id="m-key-1"))
    assert again == first and len(h.queue.list()) == 1
    with pytest.raises(IdempotencyConflict, match=r"side buy vs sell.*qty 2 vs 9|qty"):
        h.order(request(side="sell", qty=D(9), client_order_id="m-key-1"))
    assert len(h.queue.list()) == 1
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100))
    # still the first order after it filled (no "already has a position" for a retry)
    assert h.order(request(side="buy", qty=D(2), client_order_id="m-key-1")).id == first.id
    assert h.queue.get(first.id).status == "filled"
    assert h.sandbox.gate.entries_last_hour(T0) == 1  # one entry, at the bar it was sent on


def test_an_off_tick_price_breaks_the_symbol_rules() -> None:
    h = ready()
    with pytest.raises(OrderRejected, match=r"price 98\.005 is not a multiple of the tick size"):
        h.order(request(side="buy", type="limit", qty=D(1), price=D("98.005")))
    with pytest.raises(OrderRejected, match=r"qty 1\.0005 is not a multiple of the step size"):
        h.order(request(side="buy", qty=D("1.0005")))
    assert h.queue.list() == []
