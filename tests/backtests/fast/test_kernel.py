"""The hand-computed execution scenarios (tests/orders/test_execution.py) on the fast path.

Same settings as there: capital 10 000, risk 1 %, leverage 5, maintenance margin 0.4 %,
slippage 0.1 %, taker 0.05 %, maker 0.02 %, MIN_RR 3, every circuit breaker off, tick
0.01, step 0.001, min notional 5. Each scenario runs through the order pipeline and
the compiled kernel (`tests.backtests.fast.dual`): the expected numbers, worked out in
the comments from the rules, hold for the fast result, and the two runs agree on
every trade, the equity curve, the signals' fates and the totals.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.backtests.fast import FastTrade
from scalplab.data.symbols import SymbolRules
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar
from scalplab.strategies.signal import Signal
from tests.backtests.fast.dual import Dual, assert_agree, run_both
from tests.orders.harness import CONFIG, RULES

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)  # a settlement instant
LONG = Signal("long", 100.0, 95.0, 115.0)  # risk 5, reward 15: RR 3
SHORT = Signal("short", 100.0, 105.0, 85.0)


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


FLAT = bar(0, 100, 100, 100, 100)


def flat(i: int, price: float = 100.0) -> Bar:
    return bar(i, price, price, price, price)


def checked(bars: list[Bar], signals: dict[int, Signal], **setup: object) -> Dual:
    dual = run_both(bars, signals, **setup)  # type: ignore[arg-type]
    assert_agree(dual)
    return dual


def only_trade(dual: Dual) -> FastTrade:
    [trade] = dual.fast.trades
    return trade


def test_sizing_entry_slippage_taker_fee_and_liquidation_price() -> None:
    dual = checked([FLAT, flat(1, 101)], {0: LONG})
    trade = only_trade(dual)
    # qty = min(10000 × 1 % / |100 − 95| = 20, 10000 × 5 / 100 = 500) = 20
    assert trade.qty == 20.0
    # entry at the open 101 slipped up 0.1 % = 101.101; taker fee 0.05 % of 2022.02
    assert trade.entry_price == pytest.approx(101.101)
    assert trade.entry_time_ms == T0 + H
    # the position closes at the end: 101 slipped down, taker: fees 1.01101 + 1.00898..
    assert (trade.exit_reason, trade.exit_price) == ("end", pytest.approx(101 * 0.999))
    assert trade.fees == pytest.approx(1.01101 + 101 * 0.999 * 20 * 0.0005)
    position_liquidation = 101.101 * (1 - 1 / 5 + 0.004)
    assert position_liquidation == pytest.approx(81.285204)


def test_gap_through_stop_fills_at_the_open_slipped() -> None:
    dual = checked([FLAT, flat(1), bar(2, 90, 92, 89, 91)], {0: LONG})
    trade = only_trade(dual)
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(89.91))
    # gross (89.91 − 100.1) × 20 = −203.8; fees 1.001 + 0.8991
    assert trade.pnl == pytest.approx(-203.8 - 1.001 - 0.8991)
    assert trade.exit_time_ms == T0 + 2 * H
    assert dual.fast.metrics.final_equity == pytest.approx(10_000 + trade.pnl)


def test_bar_reaching_both_levels_fills_the_stop() -> None:
    trade = only_trade(checked([FLAT, flat(1), bar(2, 100, 116, 94, 110)], {0: LONG}))
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(95 * 0.999))


def test_gap_through_take_profit_fills_at_the_open_unslipped() -> None:
    trade = only_trade(checked([FLAT, flat(1), bar(2, 120, 121, 94, 100)], {0: LONG}))
    assert (trade.exit_reason, trade.exit_price) == ("tp", 120.0)
    # maker fee on the exit: 120 × 20 × 0.02 % = 0.48
    assert trade.fees == pytest.approx(1.001 + 0.48)


def test_take_profit_in_range_fills_at_the_level_with_maker_fee() -> None:
    trade = only_trade(checked([FLAT, flat(1), bar(2, 110, 116, 109, 112)], {0: LONG}))
    assert (trade.exit_reason, trade.exit_price) == ("tp", 115.0)
    assert trade.pnl == pytest.approx((115 - 100.1) * 20 - 1.001 - 115 * 20 * 0.0002)


def test_short_mirror_of_both_levels() -> None:
    trade = only_trade(checked([FLAT, flat(1), bar(2, 100, 106, 84, 90)], {0: SHORT}))
    assert trade.entry_price == pytest.approx(99.9)  # selling: slipped down
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(105 * 1.001))
    assert trade.pnl == pytest.approx(
        (99.9 - 105.105) * 20 - 99.9 * 20 * 0.0005 - 105.105 * 20 * 0.0005
    )


def test_entry_bar_opening_past_the_stop_exits_at_once() -> None:
    trade = only_trade(checked([FLAT, bar(1, 94, 96, 93, 95), flat(2)], {0: LONG}))
    assert trade.entry_time_ms == trade.exit_time_ms == T0 + H
    assert trade.entry_price == pytest.approx(94 * 1.001)
    assert trade.exit_price == pytest.approx(94 * 0.999)
    assert trade.bars_held == 1


def test_liquidation_before_a_far_stop_and_at_a_gap() -> None:
    wide = Signal("long", 100.0, 70.0, 190.0)  # RR 3, stop beyond the liquidation price
    trade = only_trade(checked([FLAT, flat(1), bar(2, 90, 91, 65, 70)], {0: wide}))
    # qty = min(100 / 30 = 3.3333.., 500) → 3.333 (step 0.001)
    assert trade.qty == pytest.approx(3.333)
    liq = 100.1 * 0.804  # reached with the stop 70: the one nearer the entry fills
    assert (trade.exit_reason, trade.exit_price) == ("liquidation", pytest.approx(liq * 0.999))
    assert trade.fees == pytest.approx(100.1 * 3.333 * 0.0005 + liq * 0.999 * 3.333 * 0.0005)
    gap = only_trade(checked([FLAT, flat(1), bar(2, 75, 76, 74, 75)], {0: wide}))
    assert (gap.exit_reason, gap.exit_price) == ("liquidation", pytest.approx(75 * 0.999))


def test_funding_uses_the_recorded_rate_and_the_next_open() -> None:
    start = T0 + 22 * H  # 06:00 UTC
    settle = start + 2 * H  # 08:00, recorded at 08:00:00.003
    bars = [
        Bar(start, 100, 100, 100, 100),
        Bar(start + H, 100, 100, 100, 100),  # entry at 07:00: 100.1
        Bar(settle, 102, 103, 101, 102),  # first bar at/after 08:00
    ]
    schedule = FundingSchedule([(settle + 3, 0.0003)], default_rate=0.0001)
    trade = only_trade(checked(bars, {0: LONG}, funding=schedule))
    # held at the 07:00 close → pays qty × open(08:00) × rate = 20 × 102 × 0.0003
    assert trade.funding == pytest.approx(0.612)


def test_entry_at_the_settlement_bar_does_not_pay_and_the_default_rate_fills_holes() -> None:
    schedule = FundingSchedule([], default_rate=0.0001)
    bars = [Bar(T0 - H, 100, 100, 100, 100), Bar(T0, 100, 100, 100, 100)]
    bars.append(Bar(T0 + 9 * H, 101, 101, 101, 101))  # a hole across T0 + 8 h
    dual = checked(bars, {0: LONG}, funding=schedule)
    assert only_trade(dual).funding == pytest.approx(20 * 101 * 0.0001)
    assert dual.fast.metrics.funding_default_instants == 1


def test_short_receives_positive_funding() -> None:
    schedule = FundingSchedule([], default_rate=0.0001)
    bars = [Bar(T0 - 2 * H + i * H, 100, 100, 100, 100) for i in range(3)]
    trade = only_trade(checked(bars, {0: SHORT}, funding=schedule))
    assert trade.funding == pytest.approx(-20 * 100 * 0.0001)


def test_min_rr_rejection_and_rr_three_in_float_noise_passes() -> None:
    b1 = bar(1, 100, 100.3, 100, 100.3)
    signals = {0: Signal("long", 100.0, 95.0, 114.0), 1: Signal("long", 100.3, 100.2, 100.6)}
    dual = checked([FLAT, b1, flat(2, 100.3)], signals)
    assert dual.fast.rejected == {"min_rr": 1}
    # RR 0.3 / 0.1 = 3 in float noise passes; qty = min(1000, 50000 / 100.3 = 498.504..)
    assert only_trade(dual).qty == 498.504


def test_min_notional_rejection() -> None:
    dual = checked([FLAT, flat(1)], {0: LONG}, config=replace(CONFIG, initial_capital=10.0))
    # qty = min(10 × 1 % / 5 = 0.02, 10 × 5 / 100 = 0.5) = 0.02 → notional 2 < 5
    assert dual.fast.rejected == {"min_notional": 1} and dual.fast.trades == []


def test_step_rounding_is_down_with_float_tolerance() -> None:
    rules = SymbolRules(
        "XUSDT", Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), Decimal("5"), 2, 1
    )
    # 10000 × 1 % / 3 = 33.333.. → 33.3 at step 0.1
    dual = checked([FLAT, flat(1)], {0: Signal("long", 100.0, 97.0, 109.0)}, rules=rules)
    assert only_trade(dual).qty == 33.3
    # 100 / (100 − 99.7) = 333.33.. → 333.3
    dual = checked([FLAT, flat(1)], {0: Signal("long", 100.0, 99.7, 101.0)}, rules=rules)
    assert only_trade(dual).qty == 333.3


def test_risk_size_is_capped_at_the_symbols_maximum_market_quantity() -> None:
    rules = replace(RULES, market_max_qty=Decimal("12.5"), max_qty=Decimal(15))
    assert only_trade(checked([FLAT, flat(1)], {0: LONG}, rules=rules)).qty == 12.5


def test_one_position_per_book_and_a_closed_position_frees_the_slot() -> None:
    bars = [FLAT, flat(1), bar(2, 101, 102, 100, 101), bar(3, 110, 116, 109, 112), flat(4)]
    dual = checked(bars, {0: LONG, 2: LONG, 3: LONG})
    # bar 2: position open → rejected; bar 3: take-profit during the bar frees the slot
    assert dual.fast.rejected == {"position_open": 1}
    assert [t.exit_reason for t in dual.fast.trades] == ["tp", "end"]
    assert dual.fast.trades[1].entry_time_ms == T0 + 4 * H


def test_signal_on_the_last_bar_is_dropped_not_rejected() -> None:
    dual = checked([FLAT], {0: LONG})
    assert dual.fast.trades == [] and dual.fast.rejected == {}
    assert dual.fast.metrics.signals_dropped == 1


def test_position_open_at_the_end_closes_at_the_last_close_slipped() -> None:
    last = bar(2, 104, 106, 103, 105)
    dual = checked([FLAT, flat(1), last], {0: LONG})
    trade = only_trade(dual)
    assert (trade.exit_reason, trade.exit_time_ms) == ("end", last.open_ms)
    assert trade.exit_price == pytest.approx(105 * 0.999)
    assert dual.fast.equity[-1] == dual.fast.metrics.final_equity


def test_max_hold_exits_at_the_next_open_before_the_levels() -> None:
    bars = [FLAT, flat(1), bar(2, 120, 121, 119, 120), flat(3)]
    dual = checked(bars, {0: LONG}, max_hold_bars=1)
    trade = only_trade(dual)  # held 1 bar after the entry bar: out at bar 2's open
    assert (trade.exit_reason, trade.exit_price) == ("max_hold", pytest.approx(120 * 0.999))
    on_last = checked([FLAT, flat(1)], {0: LONG}, max_hold_bars=1)
    assert only_trade(on_last).exit_reason == "end"  # requested on the last bar: `end`


def test_invalid_levels_are_rejected() -> None:
    dual = checked([FLAT, flat(1)], {0: Signal("long", 100.0, 101.0, 130.0)})
    assert dual.fast.rejected == {"invalid_levels": 1}


def test_equity_marks_open_positions_to_the_close() -> None:
    dual = checked([FLAT, flat(1), bar(2, 100, 103, 99, 102), flat(3, 102)], {0: LONG})
    # cash 10000 − 1.001, unrealised (102 − 100.1) × 20 = 38
    assert dual.fast.equity[2] == pytest.approx(10_000 - 1.001 + 38)


def test_levels_are_rounded_half_away_from_zero_and_sized_and_filled_there() -> None:
    # 95.005 → 95.01 and 115.015 → 115.02; sized on 100 − 95.01 = 4.99: 20.04
    signal = Signal("long", 100.0, 95.005, 115.015)
    trade = only_trade(checked([FLAT, flat(1), bar(2, 99, 99, 95.01, 96)], {0: signal}))
    assert trade.qty == 20.04
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(95.01 * 0.999))


def test_a_short_rounds_the_same_way_and_the_gate_reads_the_rounded_levels() -> None:
    # 104.995 → 105.00, 85.005 → 85.01: RR 14.99 / 5 = 2.998 < 3 → rejected
    dual = checked([FLAT, flat(1)], {0: Signal("short", 100.0, 104.995, 85.005)})
    assert dual.fast.rejected == {"min_rr": 1}
    # 84.994 → 84.99: RR 3.002, qty 20
    passed = checked([FLAT, flat(1)], {0: Signal("short", 100.0, 104.995, 84.994)})
    assert only_trade(passed).qty == 20.0
    # raw RR 14.98 / 4.995 < 3, but 95.005 → 95.01 gives 14.98 / 4.99 = 3.002: accepted
    above = checked([FLAT, flat(1)], {0: Signal("long", 100.0, 95.005, 114.98)})
    assert above.fast.metrics.signals_accepted == 1


def test_a_stop_that_rounds_onto_the_entry_is_invalid() -> None:
    dual = checked([FLAT, flat(1)], {0: Signal("long", 100.0, 99.996, 130.0)})
    assert dual.fast.rejected == {"invalid_levels": 1}
