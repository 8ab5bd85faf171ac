"""Hand-computed scenarios for every line of the execution semantics.

Settings used throughout: capital 10 000, risk 1 %, leverage 5, maintenance
margin 0.4 %, slippage 0.1 %, taker 0.05 %, maker 0.02 %, MIN_RR 3, BTC-like
rules (step 0.001, min notional 5). Each expected number is worked out in the
comments from the rules, not read back from the code.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.data.symbols import SymbolRules
from scalplab.orders.costs import CostModel
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar
from scalplab.strategies.signal import Signal

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)  # an 8-hour boundary (a settlement)
RULES = SymbolRules(
    "TESTUSDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("5"), 2, 3
)


def model(
    capital: float = 10_000.0,
    funding: FundingSchedule | None = None,
    last_open_ms: int | None = None,
    rules: SymbolRules = RULES,
) -> ExecutionModel:
    m = ExecutionModel(
        ExecutionConfig(
            initial_capital=capital,
            risk_per_trade_pct=1.0,
            max_leverage=5.0,
            min_rr=3.0,
            maint_margin_pct=0.4,
            costs=CostModel(taker_fee_pct=0.05, maker_fee_pct=0.02, slippage_pct=0.1),
        )
    )
    m.add_feed("F", rules, funding or FundingSchedule([], 0.0), last_open_ms)
    return m


def bar(i: int, o: float, h: float, low: float, c: float, step: int = H) -> Bar:
    return Bar(T0 + i * step, o, h, low, c)


LONG = Signal("long", 100.0, 95.0, 115.0)  # risk 5, reward 15: RR 3
SHORT = Signal("short", 100.0, 105.0, 85.0)


def open_long(m: ExecutionModel, signal: Signal = LONG, entry_open: float = 100.0) -> None:
    """Signal on bar 0's close, entry at bar 1's open (flat bar 1 range)."""
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    record = m.on_signal("F", b0, signal)
    assert record.status == "accepted"
    m.on_bar("F", bar(1, entry_open, entry_open, entry_open, entry_open))


def test_sizing_entry_slippage_and_taker_fee() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    record = m.on_signal("F", b0, LONG)
    # qty = min(10000 × 1 % / |100 − 95| = 20, 10000 × 5 / 100 = 500) = 20
    assert record.qty == 20.0
    m.on_bar("F", bar(1, 101, 101, 101, 101))
    position = m.position("F")
    assert position is not None
    # market entry at the open 101 slipped up 0.1 % = 101.101; fee 0.05 % of 2022.02
    assert position.entry_price == pytest.approx(101.101)
    assert position.fees == pytest.approx(1.01101)
    assert position.entry_ms == T0 + H
    # liquidation 101.101 × (1 − 1/5 + 0.004) = 81.285204
    assert position.liquidation_price == pytest.approx(81.285204)
    assert m.cash == pytest.approx(10_000 - 1.01101)


def test_gap_through_stop_fills_at_the_open_slipped() -> None:
    m = model()
    open_long(m)  # entry 100.1, fee 1.001
    m.on_bar("F", bar(2, 90, 92, 89, 91))  # opens below the stop 95
    [trade] = m.trades
    assert trade.exit_reason == "sl"
    # 90 slipped down 0.1 % = 89.91, not the stop price 95
    assert trade.exit_price == pytest.approx(89.91)
    # gross (89.91 − 100.1) × 20 = −203.8; fees 1.001 + 0.8991
    assert trade.pnl == pytest.approx(-203.8 - 1.001 - 0.8991)
    assert trade.exit_ms == T0 + 2 * H
    assert m.cash == pytest.approx(10_000 + trade.pnl)


def test_bar_reaching_both_levels_fills_the_stop() -> None:
    m = model()
    open_long(m)
    m.on_bar("F", bar(2, 100, 116, 94, 110))  # range covers 95 and 115
    [trade] = m.trades
    assert trade.exit_reason == "sl"
    assert trade.exit_price == pytest.approx(95 * 0.999)  # stop slipped in full


def test_gap_through_take_profit_fills_at_the_open_unslipped_even_if_stop_reached() -> None:
    m = model()
    open_long(m)
    m.on_bar("F", bar(2, 120, 121, 94, 100))  # opens above 115, range also reaches 95
    [trade] = m.trades
    assert trade.exit_reason == "tp"
    assert trade.exit_price == 120.0  # limit fills at the better open, never slipped
    # maker fee on the exit: 120 × 20 × 0.02 % = 0.48
    assert trade.fees == pytest.approx(1.001 + 0.48)


def test_take_profit_in_range_fills_at_the_level_with_maker_fee() -> None:
    m = model()
    open_long(m)
    m.on_bar("F", bar(2, 110, 116, 109, 112))
    [trade] = m.trades
    assert (trade.exit_reason, trade.exit_price) == ("tp", 115.0)
    assert trade.pnl == pytest.approx((115 - 100.1) * 20 - 1.001 - 115 * 20 * 0.0002)


def test_short_mirror_of_gap_and_both_levels() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    m.on_signal("F", b0, SHORT)
    m.on_bar("F", bar(1, 100, 100, 100, 100))
    position = m.position("F")
    assert position is not None
    assert position.entry_price == pytest.approx(99.9)  # selling: slipped down
    assert position.liquidation_price == pytest.approx(99.9 * (1 + 0.2 - 0.004))
    m.on_bar("F", bar(2, 100, 106, 84, 90))  # range covers 105 and 85 → stop
    [trade] = m.trades
    assert trade.exit_reason == "sl"
    assert trade.exit_price == pytest.approx(105 * 1.001)
    assert trade.pnl == pytest.approx(
        (99.9 - 105.105) * 20 - 99.9 * 20 * 0.0005 - 105.105 * 20 * 0.0005
    )


def test_entry_bar_opening_past_the_stop_exits_at_once() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    m.on_signal("F", b0, LONG)
    m.on_bar("F", bar(1, 94, 96, 93, 95))  # entry at 94 → stop 95 already passed
    [trade] = m.trades
    assert trade.entry_ms == trade.exit_ms == T0 + H
    assert trade.entry_price == pytest.approx(94 * 1.001)
    assert trade.exit_price == pytest.approx(94 * 0.999)


def test_liquidation_before_a_far_stop() -> None:
    m = model()
    wide = Signal("long", 100.0, 70.0, 190.0)  # RR 3, stop beyond the liquidation price
    open_long(m, wide)
    position = m.position("F")
    assert position is not None
    # qty = min(100 / 30 = 3.3333.., 500) → 3.333 (step 0.001)
    assert position.qty == pytest.approx(3.333)
    liq = 100.1 * 0.804
    m.on_bar("F", bar(2, 90, 91, 65, 70))  # reaches both 80.48 and 70: nearer the entry wins
    [trade] = m.trades
    assert trade.exit_reason == "liquidation"
    assert trade.exit_price == pytest.approx(liq * 0.999)
    assert trade.fees == pytest.approx(100.1 * 3.333 * 0.0005 + liq * 0.999 * 3.333 * 0.0005)


def test_liquidation_gap_at_open() -> None:
    m = model()
    open_long(m, Signal("long", 100.0, 70.0, 190.0))
    m.on_bar("F", bar(2, 75, 76, 74, 75))  # opens below 80.48 but above the stop 70
    [trade] = m.trades
    assert (trade.exit_reason, trade.exit_price) == ("liquidation", pytest.approx(75 * 0.999))


def test_funding_across_0800_uses_the_recorded_rate_and_the_next_open() -> None:
    # Bars of 1 h starting 06:00; a rate recorded at 08:00:00.003 belongs to 08:00.
    start = T0 + 22 * H  # 06:00 UTC (T0 is a settlement instant, 00/08/16 h)
    settle = start + 2 * H
    schedule = FundingSchedule([(settle + 3, 0.0003)], default_rate=0.0001)
    m = model(funding=schedule)
    b0 = Bar(start, 100, 100, 100, 100)
    m.on_bar("F", b0)
    m.on_signal("F", b0, LONG)
    m.on_bar("F", Bar(start + H, 100, 100, 100, 100))  # entry at 07:00 open: 100.1
    m.on_bar("F", Bar(settle, 102, 103, 101, 102))  # first bar at/after 08:00
    position = m.position("F")
    assert position is not None
    # held at the 07:00 bar's close → pays qty × open(08:00) × rate = 20 × 102 × 0.0003
    assert position.funding == pytest.approx(0.612)
    m.finish("F")
    [trade] = m.trades
    assert trade.funding == pytest.approx(0.612)
    assert m.totals()["funding"] == pytest.approx(0.612)


def test_entry_at_the_settlement_bar_open_does_not_pay_and_default_rate_applies() -> None:
    schedule = FundingSchedule([], default_rate=0.0001)
    m = model(funding=schedule)
    b0 = Bar(T0 - H, 100, 100, 100, 100)
    m.on_bar("F", b0)
    m.on_signal("F", b0, LONG)
    m.on_bar("F", Bar(T0, 100, 100, 100, 100))  # entry at the instant's own bar: no funding
    position = m.position("F")
    assert position is not None and position.funding == 0.0
    # a hole: next bar 9 h later crosses the next instant (T0 + 8 h) → default rate
    m.on_bar("F", Bar(T0 + 9 * H, 101, 101, 101, 101))
    assert position.funding == pytest.approx(20 * 101 * 0.0001)
    assert m.totals()["funding_default_instants"] == 1


def test_short_receives_positive_funding() -> None:
    m = model(funding=FundingSchedule([], default_rate=0.0001))
    b0 = Bar(T0 - 2 * H, 100, 100, 100, 100)
    m.on_bar("F", b0)
    m.on_signal("F", b0, SHORT)
    m.on_bar("F", Bar(T0 - H, 100, 100, 100, 100))
    m.on_bar("F", Bar(T0, 100, 100, 100, 100))
    position = m.position("F")
    assert position is not None and position.funding == pytest.approx(-20 * 100 * 0.0001)


def test_rr_rejection_is_recorded_with_its_reason() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    record = m.on_signal("F", b0, Signal("long", 100.0, 95.0, 114.0))  # RR 2.8
    assert (record.status, record.reason) == ("rejected", "min_rr")
    exact = m.on_signal("F", b0, Signal("long", 100.3, 100.2, 100.6))  # RR 3 in float noise
    assert exact.status == "accepted"


def test_min_notional_rejection() -> None:
    m = model(capital=10.0)
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    # qty = min(10 × 1 % / 5 = 0.02, 10 × 5 / 100 = 0.5) = 0.02 → notional 2 < 5
    record = m.on_signal("F", b0, LONG)
    assert (record.status, record.reason, record.qty) == ("rejected", "min_notional", 0.02)


def test_step_rounding_is_down_with_float_tolerance() -> None:
    rules = SymbolRules("X", Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), Decimal("5"), 2, 1)
    m = model(rules=rules)
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    # 10000 × 1 % / 3 = 33.333.. → 33.3 at step 0.1
    assert m.on_signal("F", b0, Signal("long", 100.0, 97.0, 109.0)).qty == 33.3
    m2 = model(rules=rules)
    m2.on_bar("F", b0)
    # 100 / (100 − 99.7) = 333.33.. but the leverage cap 500 does not bind → 333.3
    assert m2.on_signal("F", b0, Signal("long", 100.0, 99.7, 101.0)).qty == 333.3


def test_one_position_per_feed_and_a_closed_position_frees_the_slot() -> None:
    m = model()
    open_long(m)
    b2 = bar(2, 101, 102, 100, 101)
    m.on_bar("F", b2)
    assert m.on_signal("F", b2, LONG).reason == "position_open"
    b3 = bar(3, 110, 116, 109, 112)  # take-profit during bar 3
    m.on_bar("F", b3)
    assert m.on_signal("F", b3, LONG).status == "accepted"


def test_signal_on_the_last_bar_is_dropped_not_rejected() -> None:
    m = model(last_open_ms=T0)
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    record = m.on_signal("F", b0, LONG)
    assert (record.status, record.reason) == ("dropped", "last_bar")
    m.finish("F")
    assert m.trades == []


def test_position_open_at_the_end_closes_at_the_last_close_slipped() -> None:
    m = model()
    open_long(m)
    last = bar(2, 104, 106, 103, 105)
    m.on_bar("F", last)
    m.finish("F")
    m.finish("F")  # idempotent
    [trade] = m.trades
    assert trade.exit_reason == "end"
    assert trade.exit_ms == last.open_ms  # labelled by the last bar's open time
    assert trade.exit_price == pytest.approx(105 * 0.999)
    assert m.equity_curve[-1] == (last.open_ms, pytest.approx(m.cash))


def test_queued_exit_fills_at_next_open_before_the_levels() -> None:
    m = model()
    open_long(m)
    assert m.bars_held("F") == 1
    assert m.request_exit("F", "max_hold")
    m.on_bar("F", bar(2, 120, 121, 119, 120))  # would have been a take-profit gap
    [trade] = m.trades
    assert (trade.exit_reason, trade.exit_price) == ("max_hold", pytest.approx(120 * 0.999))
    assert not m.request_exit("F", "manual")


def test_invalid_levels_are_rejected() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    assert m.on_signal("F", b0, Signal("long", 100.0, 101.0, 130.0)).reason == "invalid_levels"


def test_equity_marks_open_positions_to_the_close() -> None:
    m = model()
    open_long(m)
    m.on_bar("F", bar(2, 100, 103, 99, 102))
    # cash 10000 − 1.001, unrealised (102 − 100.1) × 20 = 38
    assert m.equity == pytest.approx(10_000 - 1.001 + 38)
    assert m.equity_curve[-1][1] == pytest.approx(m.equity)
    assert m.totals()["bars_in_market"] == 2


# ----- the simulation's extensions: evaluate/queue, resting orders, state, events ------------

from scalplab.errors import ConflictError, NotFoundError  # noqa: E402
from scalplab.orders.execution import ExecutionEvent  # noqa: E402
from scalplab.orders.resting import RestingOrder  # noqa: E402


def test_evaluate_neither_records_nor_queues_and_queue_entry_refuses_a_second() -> None:
    m = model()
    b0 = bar(0, 100, 100, 100, 100)
    m.on_bar("F", b0)
    record = m.evaluate("F", b0, LONG)
    assert (record.status, record.qty) == ("accepted", 20.0)
    assert m.signals == [] and m.evaluate("F", b0, LONG).status == "accepted"
    m.queue_entry("F", LONG, record.qty, b0.open_ms)
    with pytest.raises(ConflictError):
        m.queue_entry("F", LONG, record.qty, b0.open_ms)
    m.on_bar("F", bar(1, 100, 100, 100, 100))
    assert m.position("F") is not None


def test_limit_entry_with_bracket_fills_maker_and_checks_only_stops_on_its_bar() -> None:
    events: list[ExecutionEvent] = []
    m = ExecutionModel(model().config, on_event=events.append)
    m.add_feed("F", RULES, FundingSchedule([], 0.0))
    m.on_bar("F", bar(0, 100, 100, 100, 100))
    m.place_order(
        "F", RestingOrder("L1", "buy", "limit", 2.0, price=98.0, stop_loss=95.0, take_profit=101.0)
    )
    # the bar dips to 97 (fill at 98) and also reaches 101: the TP is not assumed on the fill bar
    m.on_bar("F", bar(1, 100, 101.5, 97, 100))
    position = m.position("F")
    assert position is not None and position.entry_price == 98.0
    assert position.fees == pytest.approx(98 * 2 * 0.0002)
    assert [e.kind for e in events] == ["order_filled", "entry"]
    m.on_bar("F", bar(2, 100, 102, 99, 101))
    [trade] = m.trades
    assert (trade.exit_reason, trade.exit_price) == ("tp", 101.0)


def test_reduce_only_partial_close_splits_costs() -> None:
    m = model()
    open_long(m)  # 20 @ 100.1, fee 1.001
    m.place_order("F", RestingOrder("R1", "sell", "limit", 5.0, price=104.0, reduce_only=True))
    m.on_bar("F", bar(2, 103, 104.5, 102, 104))
    [part] = m.trades
    assert (part.qty, part.exit_reason, part.exit_price) == (5.0, "manual", 104.0)
    assert part.fees == pytest.approx(1.001 / 4 + 104 * 5 * 0.0002)
    assert part.pnl == pytest.approx((104 - 100.1) * 5 - part.fees)
    position = m.position("F")
    assert position is not None and position.qty == 15.0
    assert position.fees == pytest.approx(1.001 * 0.75)
    m.finish("F")
    assert sum(t.qty for t in m.trades) == 20.0
    assert m.cash == pytest.approx(10_000 + sum(t.pnl for t in m.trades))


def test_orders_that_cannot_apply_are_cancelled_with_a_reason() -> None:
    events: list[ExecutionEvent] = []
    m = ExecutionModel(model().config, on_event=events.append)
    m.add_feed("F", RULES, FundingSchedule([], 0.0))
    m.on_bar("F", bar(0, 100, 100, 100, 100))
    m.place_order("F", RestingOrder("R", "sell", "market", 1.0, reduce_only=True))
    with pytest.raises(ConflictError):
        m.place_order("F", RestingOrder("R", "sell", "market", 1.0, reduce_only=True))
    m.on_bar("F", bar(1, 100, 100, 100, 100))
    assert events[-1].data == {"id": "R", "reason": "reduce-only order with no position"}
    assert m.open_orders("F") == [] and not m.cancel_order("F", "nope")
    m.place_order("F", RestingOrder("M", "buy", "market", 1.0))
    m.place_order("F", RestingOrder("M2", "buy", "limit", 1.0, price=50.0))
    m.on_bar("F", bar(2, 100, 100, 100, 100))
    assert m.position("F") is not None
    m.on_bar("F", bar(3, 100, 100, 100, 100))
    assert events[-1].data == {"id": "M2", "reason": "position_open"}
    assert m.feeds() == ["F"] and m.last_bar("F") == bar(3, 100, 100, 100, 100)


def test_state_round_trip_continues_exactly() -> None:
    import json

    bars = [bar(i, 100 + i % 5, 103 + i % 7, 97 - i % 3, 100 + i % 4) for i in range(40)]

    def drive(m: ExecutionModel, chunk: list[Bar]) -> None:
        for b in chunk:
            m.on_bar("F", b)
            if m.position("F") is None:
                m.on_signal("F", b, Signal("long", b.close, b.close - 4, b.close + 12))
            if b.open_ms == bars[10].open_ms:
                m.place_order(
                    "F",
                    RestingOrder(
                        "T", "sell", "trailing_stop", 5.0, callback_rate_pct=2.0, reduce_only=True
                    ),
                )

    schedule = FundingSchedule([], 0.0001)
    straight = model(funding=schedule, last_open_ms=bars[-1].open_ms)
    drive(straight, bars)
    first = model(funding=schedule, last_open_ms=bars[-1].open_ms)
    drive(first, bars[:17])
    saved = json.loads(json.dumps(first.state()))
    resumed = model(funding=schedule, last_open_ms=bars[-1].open_ms)
    resumed.restore(saved)
    drive(resumed, bars[17:])
    straight.finish("F")
    resumed.finish("F")
    assert resumed.trades == straight.trades and len(straight.trades) > 3
    assert resumed.cash == pytest.approx(straight.cash, rel=1e-15)
    with pytest.raises(NotFoundError):
        model().restore({**saved, "feeds": {"OTHER": saved["feeds"]["F"]}})
