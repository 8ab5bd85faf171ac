"""The levels an entry trades at: a signal's levels on the tick, sizing and its checks.

Rules: tick 0.01 (and 0.5 where said), step 0.001, min qty 0.001, min notional 5;
risk 1 %, leverage 5.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.orders.entry import EntryPlan, Sizing, plan_manual, plan_signal, size_entry
from scalplab.orders.models import Bar, Position
from scalplab.orders.types import OrderRejected, OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import RULES

D = Decimal
BAR = Bar(1_750_118_400_000, 100, 100, 100, 100)


def test_a_signals_levels_are_rounded_half_away_from_zero() -> None:
    plan = plan_signal(RULES, Signal("long", 100.0, 95.005, 115.015))
    assert (plan.stop_loss_tick, plan.take_profit_tick) == (D("95.01"), D("115.02"))
    assert (plan.stop_loss, plan.take_profit, plan.entry) == (95.01, 115.02, 100.0)
    coarse = replace(RULES, tick_size=D("0.5"))
    # 97.25 is half-way between 97 and 97.5 → 97.5; 112.74 → 112.5; the entry is kept
    plan = plan_signal(coarse, Signal("long", 100.1, 97.25, 112.74))
    assert (plan.stop_loss_tick, plan.take_profit_tick, plan.entry) == (
        D("97.5"),
        D("112.5"),
        100.1,
    )
    # RR on the rounded levels: (112.5 − 100.1) / (100.1 − 97.5) = 12.4 / 2.6
    assert plan.reward_risk == pytest.approx(12.4 / 2.6)


def test_levels_valid_and_reward_risk_on_the_rounded_levels() -> None:
    short = EntryPlan("short", 100.0, D(105), D(85))
    assert short.levels_valid and short.reward_risk == 3.0
    assert not EntryPlan("short", 100.0, D(95), D(85)).levels_valid
    assert not EntryPlan("long", 100.0, D(95), D(100)).levels_valid
    # a stop that rounds onto the entry: no risk, invalid, reward/risk 0 (not infinite)
    flat = plan_signal(RULES, Signal("long", 100.0, 99.996, 120.0))
    assert flat.stop_loss == 100.0 and not flat.levels_valid and flat.reward_risk == 0.0


@pytest.mark.parametrize(
    ("equity", "stop", "free", "expected"),
    [
        # qty = min(10000 × 1 % / 5 = 20, 10000 × 5 / 100 = 500) = 20
        (10_000.0, 95.0, 10_000.0, Sizing(20.0)),
        # the leverage cap: min(100 / 0.1 = 1000, 500) = 500, margin 10000 = the free margin
        (10_000.0, 99.9, 10_000.0, Sizing(500.0)),
        # ... and 1 USDT less free margin: insufficient
        (10_000.0, 99.9, 9_999.0, Sizing(500.0, "insufficient_margin")),
        # 10 × 1 % / 5 = 0.02, notional 2 < 5
        (10.0, 95.0, 10.0, Sizing(0.02, "min_notional")),
        # 0.01 × 1 % / 5 = 0.00002 → 0 at step 0.001
        (0.01, 95.0, 0.01, Sizing(0.0, "min_qty")),
        # no equity, nothing to size
        (0.0, 95.0, 0.0, Sizing(0.0, "min_qty")),
    ],
)
def test_size_entry_and_its_checks(
    equity: float, stop: float, free: float, expected: Sizing
) -> None:
    assert size_entry(RULES, equity, 100.0, stop, 1.0, 5.0, free) == expected


def test_min_qty_comes_before_min_notional() -> None:
    rules = replace(RULES, min_qty=D("0.1"))
    assert size_entry(rules, 10.0, 100.0, 95.0, 1.0, 5.0, 10.0) == Sizing(0.02, "min_qty")


def test_a_sizing_rejection_carries_the_numbers_of_its_reason() -> None:
    assert size_entry(RULES, 10.0, 100.0, 95.0, 1.0, 5.0, 10.0).params == {
        "notional": 2.0,
        "min": 5.0,
    }
    short = size_entry(RULES, 10_000.0, 100.0, 99.9, 1.0, 5.0, 9_999.0)
    assert (short.reason, short.params) == (
        "insufficient_margin",
        {"margin": 10_000.0, "free": 9_999.0},
    )


def position(side: str = "long") -> Position:
    return Position(side, 20.0, 100.1, BAR.open_ms, 0, 95.0, 115.0, 80.48, 400.4, 1.0, 0.0, 0.1)  # type: ignore[arg-type]


def size(entry: float, stop: float) -> float:
    return round(100 / abs(entry - stop), 3)


def test_plan_manual_sizes_an_entry_by_its_stop_at_the_entry_price() -> None:
    market = OrderRequest(symbol="TESTUSDT", side="buy", stop_loss=D(95))
    assert plan_manual(market, BAR, None, size).qty == D("20.0")  # at the close 100
    limit = OrderRequest(symbol="TESTUSDT", side="buy", type="limit", price=D(98), stop_loss=D(96))
    assert plan_manual(limit, BAR, None, size).qty == D("50.0")  # at its price 98
    given = OrderRequest(symbol="TESTUSDT", side="buy", qty=D(3), stop_loss=D(95))
    assert plan_manual(given, BAR, None, size) is given
    with pytest.raises(OrderRejected, match="the risk-sized quantity is zero"):
        plan_manual(market, BAR, None, lambda entry, stop: 0.0)
    with pytest.raises(OrderRejected, match=r"qty is required \(or give a stop_loss"):
        plan_manual(OrderRequest(symbol="TESTUSDT", side="buy"), BAR, None, size)


def test_plan_manual_checks_a_reduce_only_order_against_the_position() -> None:
    close = OrderRequest(symbol="TESTUSDT", side="sell", qty=D(5), reduce_only=True)
    assert plan_manual(close, BAR, position(), size) is close
    with pytest.raises(OrderRejected, match="needs an open position"):
        plan_manual(close, BAR, None, size)
    with pytest.raises(OrderRejected, match="a reduce_only sell cannot reduce a short position"):
        plan_manual(close, BAR, position("short"), size)
    with pytest.raises(OrderRejected, match="qty is required for a reduce_only order"):
        plan_manual(replace(close, qty=None), BAR, position(), size)
