"""Resting orders: each type's fill rule on hand-made bars (open first, then the range)."""

from __future__ import annotations

import pytest

from scalplab.data.bars import Bar
from scalplab.orders.costs import CostModel
from scalplab.orders.resting import RestingOrder, match, trail_level

COSTS = CostModel(taker_fee_pct=0.05, maker_fee_pct=0.02, slippage_pct=0.1)


def bar(o: float, h: float, low: float, c: float) -> Bar:
    return Bar(0, o, h, low, c)


def order(side: str, type_: str, **kw: float) -> RestingOrder:
    return RestingOrder("o1", side, type_, 1.0, **kw)  # type: ignore[arg-type]


def test_market_fills_at_the_open_slipped() -> None:
    fill = match(order("buy", "market"), bar(100, 101, 99, 100), COSTS)
    assert fill is not None and (fill.price, fill.liquidity) == (pytest.approx(100.1), "taker")


def test_limit_fills_at_a_better_open_or_at_its_price_unslipped() -> None:
    buy = order("buy", "limit", price=99.0)
    assert match(buy, bar(100, 101, 99.5, 100), COSTS) is None
    at_price = match(buy, bar(100, 101, 98, 100), COSTS)
    assert at_price is not None and (at_price.price, at_price.liquidity) == (99.0, "maker")
    gap = match(buy, bar(97, 98, 96, 97), COSTS)
    assert gap is not None and gap.price == 97.0
    sell = order("sell", "limit", price=101.0)
    assert match(sell, bar(100, 102, 99, 100), COSTS).price == 101.0  # type: ignore[union-attr]
    assert match(sell, bar(103, 104, 102, 103), COSTS).price == 103.0  # type: ignore[union-attr]


def test_stop_market_triggers_and_slips() -> None:
    sell_stop = order("sell", "stop_market", stop_price=95.0)
    assert match(sell_stop, bar(100, 101, 96, 100), COSTS) is None
    hit = match(sell_stop, bar(100, 101, 94, 95), COSTS)
    assert hit is not None and hit.price == pytest.approx(95 * 0.999) and hit.reference == 95.0
    gap = match(sell_stop, bar(90, 91, 89, 90), COSTS)
    assert gap is not None and gap.price == pytest.approx(90 * 0.999)
    buy_stop = order("buy", "stop_market", stop_price=105.0)
    assert match(buy_stop, bar(100, 106, 99, 104), COSTS).price == pytest.approx(105 * 1.001)  # type: ignore[union-attr]


def test_stop_limit_fills_when_marketable_else_rests_as_limit() -> None:
    marketable = order("buy", "stop_limit", stop_price=105.0, price=106.0)
    fill = match(marketable, bar(100, 107, 99, 106), COSTS)
    assert fill is not None and (fill.price, fill.liquidity) == (105.0, "taker")
    resting = order("buy", "stop_limit", stop_price=105.0, price=104.0)
    assert match(resting, bar(100, 107, 103, 106), COSTS) is None  # triggered, limit not marketable
    assert resting.triggered
    later = match(resting, bar(106, 106, 103.5, 104), COSTS)
    assert later is not None and (later.price, later.liquidity) == (104.0, "maker")


def test_trailing_stop_checks_the_old_trail_before_raising_it() -> None:
    trail = order("sell", "trailing_stop", callback_rate_pct=1.0, trail_extreme=100.0)
    assert trail_level(trail) == pytest.approx(99.0)
    # high 105 then low 99.5: the trail was 99 when the bar started → no fill; trail → 103.95
    assert match(trail, bar(100, 105, 99.5, 104), COSTS) is None
    assert trail_level(trail) == pytest.approx(103.95)
    fill = match(trail, bar(104, 104.5, 103, 103.5), COSTS)
    assert fill is not None and fill.reference == pytest.approx(103.95)
    assert fill.price == pytest.approx(103.95 * 0.999)
    fresh = order("buy", "trailing_stop", callback_rate_pct=2.0)
    assert match(fresh, bar(100, 101, 98, 99), COSTS) is None and fresh.trail_extreme == 98.0
    assert trail_level(fresh) == pytest.approx(99.96)
    assert RestingOrder.from_dict(fresh.to_dict()) == fresh
