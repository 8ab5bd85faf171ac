"""Hand-computed scenarios for every line of the execution semantics, through the pipeline.

Each scenario drives one book of a sandbox (`tests.orders.harness.Harness`) the way a
strategy's base class does: a closed bar, then maybe a signal on its close. Settings:
capital 10 000, risk 1 %, leverage 5, maintenance margin 0.4 %, slippage 0.1 %, taker
0.05 %, maker 0.02 %, MIN_RR 3 (every circuit breaker off), rules tick 0.01, step 0.001,
min notional 5. Each expected number is worked out in the comments from the rules, not
read back from the code. The levels of these signals are already on the 0.01 tick, so
the rounding rule changes none of them; `test_levels_are_rounded_...` covers rounding.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.data.symbols import SymbolRules
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar, SignalRecord
from scalplab.orders.outcomes import SignalOutcome
from scalplab.strategies.signal import Signal
from tests.orders.harness import CONFIG, RULES, Harness

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)  # an 8-hour boundary (a settlement)


def bar(i: int, o: float, h: float, low: float, c: float, step: int = H) -> Bar:
    return Bar(T0 + i * step, o, h, low, c)


def record(outcome: SignalOutcome) -> SignalRecord:
    assert outcome.record is not None
    return outcome.record


LONG = Signal("long", 100.0, 95.0, 115.0)  # risk 5, reward 15: RR 3
SHORT = Signal("short", 100.0, 105.0, 85.0)
FLAT = bar(0, 100, 100, 100, 100)


def open_long(h: Harness, signal: Signal = LONG, entry_open: float = 100.0) -> None:
    """Signal on bar 0's close, entry at bar 1's open (flat bar 1 range)."""
    h.on_bar(FLAT)
    assert record(h.on_signal(FLAT, signal)).status == "accepted"
    h.on_bar(bar(1, entry_open, entry_open, entry_open, entry_open))


def test_sizing_entry_slippage_and_taker_fee() -> None:
    h = Harness()
    h.on_bar(FLAT)
    signal = record(h.on_signal(FLAT, LONG))
    # qty = min(10000 × 1 % / |100 − 95| = 20, 10000 × 5 / 100 = 500) = 20
    assert signal.qty == 20.0
    h.on_bar(bar(1, 101, 101, 101, 101))
    position = h.executor.position()
    assert position is not None
    # market entry at the open 101 slipped up 0.1 % = 101.101; fee 0.05 % of 2022.02
    assert position.entry_price == pytest.approx(101.101)
    assert position.fees == pytest.approx(1.01101)
    assert position.entry_ms == T0 + H
    # liquidation 101.101 × (1 − 1/5 + 0.004) = 81.285204
    assert position.liquidation_price == pytest.approx(81.285204)
    assert h.model.cash == pytest.approx(10_000 - 1.01101)


def test_gap_through_stop_fills_at_the_open_slipped() -> None:
    h = Harness()
    open_long(h)  # entry 100.1, fee 1.001
    h.on_bar(bar(2, 90, 92, 89, 91))  # opens below the stop 95
    [trade] = h.trades
    assert trade.exit_reason == "sl"
    # 90 slipped down 0.1 % = 89.91, not the stop price 95
    assert trade.exit_price == pytest.approx(89.91)
    # gross (89.91 − 100.1) × 20 = −203.8; fees 1.001 + 0.8991
    assert trade.pnl == pytest.approx(-203.8 - 1.001 - 0.8991)
    assert trade.exit_ms == T0 + 2 * H
    assert h.model.cash == pytest.approx(10_000 + trade.pnl)


def test_bar_reaching_both_levels_fills_the_stop() -> None:
    h = Harness()
    open_long(h)
    h.on_bar(bar(2, 100, 116, 94, 110))  # range covers 95 and 115
    [trade] = h.trades
    assert trade.exit_reason == "sl"
    assert trade.exit_price == pytest.approx(95 * 0.999)  # stop slipped in full


def test_gap_through_take_profit_fills_at_the_open_unslipped_even_if_stop_reached() -> None:
    h = Harness()
    open_long(h)
    h.on_bar(bar(2, 120, 121, 94, 100))  # opens above 115, range also reaches 95
    [trade] = h.trades
    assert trade.exit_reason == "tp"
    assert trade.exit_price == 120.0  # limit fills at the better open, never slipped
    # maker fee on the exit: 120 × 20 × 0.02 % = 0.48
    assert trade.fees == pytest.approx(1.001 + 0.48)


def test_take_profit_in_range_fills_at_the_level_with_maker_fee() -> None:
    h = Harness()
    open_long(h)
    h.on_bar(bar(2, 110, 116, 109, 112))
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("tp", 115.0)
    assert trade.pnl == pytest.approx((115 - 100.1) * 20 - 1.001 - 115 * 20 * 0.0002)


def test_short_mirror_of_gap_and_both_levels() -> None:
    h = Harness()
    h.on_bar(FLAT)
    h.on_signal(FLAT, SHORT)
    h.on_bar(bar(1, 100, 100, 100, 100))
    position = h.executor.position()
    assert position is not None
    assert position.entry_price == pytest.approx(99.9)  # selling: slipped down
    assert position.liquidation_price == pytest.approx(99.9 * (1 + 0.2 - 0.004))
    h.on_bar(bar(2, 100, 106, 84, 90))  # range covers 105 and 85 → stop
    [trade] = h.trades
    assert trade.exit_reason == "sl"
    assert trade.exit_price == pytest.approx(105 * 1.001)
    assert trade.pnl == pytest.approx(
        (99.9 - 105.105) * 20 - 99.9 * 20 * 0.0005 - 105.105 * 20 * 0.0005
    )


def test_entry_bar_opening_past_the_stop_exits_at_once() -> None:
    h = Harness()
    h.on_bar(FLAT)
    h.on_signal(FLAT, LONG)
    h.on_bar(bar(1, 94, 96, 93, 95))  # entry at 94 → stop 95 already passed
    [trade] = h.trades
    assert trade.entry_ms == trade.exit_ms == T0 + H
    assert trade.entry_price == pytest.approx(94 * 1.001)
    assert trade.exit_price == pytest.approx(94 * 0.999)
    assert trade.bars_held == 1


def test_liquidation_before_a_far_stop() -> None:
    h = Harness()
    wide = Signal("long", 100.0, 70.0, 190.0)  # RR 3, stop beyond the liquidation price
    open_long(h, wide)
    position = h.executor.position()
    assert position is not None
    # qty = min(100 / 30 = 3.3333.., 500) → 3.333 (step 0.001)
    assert position.qty == pytest.approx(3.333)
    liq = 100.1 * 0.804
    h.on_bar(bar(2, 90, 91, 65, 70))  # reaches both 80.48 and 70: nearer the entry wins
    [trade] = h.trades
    assert trade.exit_reason == "liquidation"
    assert trade.exit_price == pytest.approx(liq * 0.999)
    assert trade.fees == pytest.approx(100.1 * 3.333 * 0.0005 + liq * 0.999 * 3.333 * 0.0005)


def test_liquidation_gap_at_open() -> None:
    h = Harness()
    open_long(h, Signal("long", 100.0, 70.0, 190.0))
    h.on_bar(bar(2, 75, 76, 74, 75))  # opens below 80.48 but above the stop 70
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("liquidation", pytest.approx(75 * 0.999))


def test_funding_across_0800_uses_the_recorded_rate_and_the_next_open() -> None:
    # Bars of 1 h starting 06:00; a rate recorded at 08:00:00.003 belongs to 08:00.
    start = T0 + 22 * H  # 06:00 UTC (T0 is a settlement instant, 00/08/16 h)
    settle = start + 2 * H
    h = Harness(funding=FundingSchedule([(settle + 3, 0.0003)], default_rate=0.0001))
    b0 = Bar(start, 100, 100, 100, 100)
    h.step(b0, LONG)
    h.on_bar(Bar(start + H, 100, 100, 100, 100))  # entry at 07:00 open: 100.1
    h.on_bar(Bar(settle, 102, 103, 101, 102))  # first bar at/after 08:00
    position = h.executor.position()
    assert position is not None
    # held at the 07:00 bar's close → pays qty × open(08:00) × rate = 20 × 102 × 0.0003
    assert position.funding == pytest.approx(0.612)
    h.finish()
    [trade] = h.trades
    assert trade.funding == pytest.approx(0.612)
    assert h.model.totals()["funding"] == pytest.approx(0.612)


def test_entry_at_the_settlement_bar_open_does_not_pay_and_default_rate_applies() -> None:
    h = Harness(funding=FundingSchedule([], default_rate=0.0001))
    h.step(Bar(T0 - H, 100, 100, 100, 100), LONG)
    h.on_bar(Bar(T0, 100, 100, 100, 100))  # entry at the instant's own bar: no funding
    position = h.executor.position()
    assert position is not None and position.funding == 0.0
    # a hole: next bar 9 h later crosses the next instant (T0 + 8 h) → default rate
    h.on_bar(Bar(T0 + 9 * H, 101, 101, 101, 101))
    assert position.funding == pytest.approx(20 * 101 * 0.0001)
    assert h.model.totals()["funding_default_instants"] == 1


def test_short_receives_positive_funding() -> None:
    h = Harness(funding=FundingSchedule([], default_rate=0.0001))
    h.step(Bar(T0 - 2 * H, 100, 100, 100, 100), SHORT)
    h.on_bar(Bar(T0 - H, 100, 100, 100, 100))
    h.on_bar(Bar(T0, 100, 100, 100, 100))
    position = h.executor.position()
    assert position is not None and position.funding == pytest.approx(-20 * 100 * 0.0001)


def test_rr_rejection_is_recorded_with_its_reason() -> None:
    h = Harness()
    h.on_bar(FLAT)
    rejected = record(h.on_signal(FLAT, Signal("long", 100.0, 95.0, 114.0)))  # RR 2.8
    assert (rejected.status, rejected.reason) == ("rejected", "min_rr")
    # RR 0.3 / 0.1 = 3 in float noise passes; qty = min(100 / 0.1 = 1000,
    # 50000 / 100.3 = 498.504..) = 498.504, margin 498.504 × 100.3 / 5 = 9999.99 < 10000
    # (the bar closes at the signal's entry, the market price the order is checked at)
    b1 = bar(1, 100, 100.3, 100, 100.3)
    h.on_bar(b1)
    exact = record(h.on_signal(b1, Signal("long", 100.3, 100.2, 100.6)))
    assert (exact.status, exact.qty) == ("accepted", 498.504)


def test_min_notional_rejection() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=10.0))
    h.on_bar(FLAT)
    # qty = min(10 × 1 % / 5 = 0.02, 10 × 5 / 100 = 0.5) = 0.02 → notional 2 < 5
    rejected = record(h.on_signal(FLAT, LONG))
    assert (rejected.status, rejected.reason, rejected.qty) == ("rejected", "min_notional", 0.02)


def test_step_rounding_is_down_with_float_tolerance() -> None:
    rules = SymbolRules(
        "XUSDT", Decimal("0.01"), Decimal("0.1"), Decimal("0.1"), Decimal("5"), 2, 1
    )
    h = Harness(rules=rules)
    h.on_bar(FLAT)
    # 10000 × 1 % / 3 = 33.333.. → 33.3 at step 0.1
    assert record(h.on_signal(FLAT, Signal("long", 100.0, 97.0, 109.0))).qty == 33.3
    h2 = Harness(rules=rules)
    h2.on_bar(FLAT)
    # 100 / (100 − 99.7) = 333.33.. but the leverage cap 500 does not bind → 333.3
    assert record(h2.on_signal(FLAT, Signal("long", 100.0, 99.7, 101.0))).qty == 333.3


def test_risk_size_is_capped_at_the_symbols_maximum_market_quantity() -> None:
    rules = replace(RULES, market_max_qty=Decimal("12.5"), max_qty=Decimal(15))
    h = Harness(rules=rules)
    h.on_bar(FLAT)
    # risk size 10000 × 1 % / 5 = 20 is over the market maximum 12.5 (a signal's entry is
    # a market order; LOT_SIZE's 15 does not apply) → 12.5
    assert record(h.on_signal(FLAT, LONG)).qty == 12.5
    h.on_bar(bar(1, 100, 100, 100, 100))
    position = h.executor.position()
    assert position is not None and position.qty == 12.5


def test_one_position_per_book_and_a_closed_position_frees_the_slot() -> None:
    h = Harness()
    open_long(h)
    b2 = bar(2, 101, 102, 100, 101)
    h.on_bar(b2)
    assert record(h.on_signal(b2, LONG)).reason == "position_open"
    b3 = bar(3, 110, 116, 109, 112)  # take-profit during bar 3
    h.on_bar(b3)
    assert record(h.on_signal(b3, LONG)).status == "accepted"
    # a waiting entry holds the slot too
    assert record(h.on_signal(b3, LONG)).reason == "position_open"


def test_signal_on_the_last_bar_is_dropped_not_rejected() -> None:
    h = Harness(last_open_ms=T0)
    h.on_bar(FLAT)
    dropped = record(h.on_signal(FLAT, LONG))
    assert (dropped.status, dropped.reason) == ("dropped", "last_bar")
    h.finish()
    assert h.trades == [] and len(h.queue.list()) == 0


def test_position_open_at_the_end_closes_at_the_last_close_slipped() -> None:
    h = Harness()
    open_long(h)
    last = bar(2, 104, 106, 103, 105)
    h.on_bar(last)
    h.finish()
    h.finish()  # idempotent
    [trade] = h.trades
    assert trade.exit_reason == "end"
    assert trade.exit_ms == last.open_ms  # labelled by the last bar's open time
    assert trade.exit_price == pytest.approx(105 * 0.999)
    assert h.model.equity_curve[-1] == (last.open_ms, pytest.approx(h.model.cash))


def test_queued_exit_fills_at_next_open_before_the_levels() -> None:
    h = Harness()
    open_long(h)
    assert h.executor.bars_held() == 1
    assert h.exit("max_hold")
    assert not h.exit("max_hold")  # an exit is already on its way
    h.on_bar(bar(2, 120, 121, 119, 120))  # would have been a take-profit gap
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("max_hold", pytest.approx(120 * 0.999))
    assert not h.exit("manual")  # flat


def test_invalid_levels_are_rejected() -> None:
    h = Harness()
    h.on_bar(FLAT)
    assert record(h.on_signal(FLAT, Signal("long", 100.0, 101.0, 130.0))).reason == (
        "invalid_levels"
    )


def test_equity_marks_open_positions_to_the_close() -> None:
    h = Harness()
    open_long(h)
    h.on_bar(bar(2, 100, 103, 99, 102))
    # cash 10000 − 1.001, unrealised (102 − 100.1) × 20 = 38
    assert h.model.equity == pytest.approx(10_000 - 1.001 + 38)
    assert h.model.equity_curve[-1][1] == pytest.approx(h.model.equity)
    assert h.model.totals()["bars_in_market"] == 2


# ----- the tick rule: levels rounded when the signal is produced ---------------------------


def test_levels_are_rounded_half_away_from_zero_and_sized_and_filled_there() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # 95.005 → 95.01 and 115.015 → 115.02 (halves away from zero at tick 0.01).
    accepted = record(h.on_signal(FLAT, Signal("long", 100.0, 95.005, 115.015)))
    assert (accepted.stop_loss, accepted.take_profit) == (95.01, 115.02)
    # Sized on the rounded stop: 100 / (100 − 95.01 = 4.99) = 20.0400.. → 20.04
    # (the raw stop would give 100 / 4.995 = 20.0200.. → 20.02).
    assert accepted.qty == 20.04
    [entry] = [o for o in h.queue.list() if o.id == accepted.order_id]
    assert (entry.stop_loss, entry.take_profit) == (Decimal("95.01"), Decimal("115.02"))
    h.on_bar(bar(1, 100, 100, 100, 100))  # entry 100.1
    position = h.executor.position()
    assert position is not None and position.stop_loss == 95.01
    # The low reaches 95.01 (not the raw 95.005): the stop fills there, slipped 0.1 %.
    h.on_bar(bar(2, 99, 99, 95.01, 96))
    [trade] = h.trades
    assert trade.exit_reason == "sl"
    assert trade.exit_price == pytest.approx(95.01 * 0.999)
    assert trade.qty == 20.04


def test_a_short_rounds_the_same_way() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # 104.995 → 105.00, 85.005 → 85.01 (away from zero, whichever side of the entry).
    accepted = record(h.on_signal(FLAT, Signal("short", 100.0, 104.995, 85.005)))
    assert (accepted.stop_loss, accepted.take_profit) == (105.0, 85.01)
    # RR (100 − 85.01) / (105 − 100) = 2.998 < 3 → rejected on the rounded levels...
    assert (accepted.status, accepted.reason) == ("rejected", "min_rr")
    # ...while 84.994 → 84.99 gives (100 − 84.99) / 5 = 3.002 and passes: qty 100 / 5 = 20.
    passed = record(h.on_signal(FLAT, Signal("short", 100.0, 104.995, 84.994)))
    assert (passed.status, passed.stop_loss, passed.take_profit, passed.qty) == (
        "accepted",
        105.0,
        84.99,
        20.0,
    )


def test_the_reward_risk_check_uses_the_rounded_levels() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # Raw RR 14.988 / 4.996 = 3 exactly; rounded 95.004 → 95.00, 114.988 → 114.99:
    # 14.99 / 5 = 2.998 < 3.
    below = record(h.on_signal(FLAT, Signal("long", 100.0, 95.004, 114.988)))
    assert (below.status, below.reason) == ("rejected", "min_rr")
    assert (below.stop_loss, below.take_profit) == (95.0, 114.99)
    # Raw RR 14.98 / 4.995 = 2.999 < 3; rounded 95.005 → 95.01: 14.98 / 4.99 = 3.002.
    above = record(h.on_signal(FLAT, Signal("long", 100.0, 95.005, 114.98)))
    assert above.status == "accepted"


def test_a_stop_that_rounds_onto_the_entry_is_invalid() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # 99.996 rounds to 100.00, the entry itself: no risk, no stop below the entry.
    rejected = record(h.on_signal(FLAT, Signal("long", 100.0, 99.996, 130.0)))
    assert (rejected.status, rejected.reason, rejected.stop_loss) == (
        "rejected",
        "invalid_levels",
        100.0,
    )
