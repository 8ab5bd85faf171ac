"""Hand-computed stop rules: breakeven, stop to a leg, the ATR trail, tightest wins, never
loosening — each applied at the close of its bar and live from the next.

Settings and the ladder are those of `test_execution_exits.py`: a long at 100, stop 95,
qty 20, legs 115 / 118 / 125 at 10 / 6 / 4; entry at bar 1's open 100 → 100.1.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.orders.atr import AtrTracker
from scalplab.orders.events import StopMoved
from scalplab.orders.models import Bar
from scalplab.orders.outcomes import SignalAccepted
from scalplab.orders.stop_rules import TrueRanges
from scalplab.orders.types import Order
from scalplab.strategies.signal import Signal
from tests.orders.harness import CONFIG, Harness

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)
LEGS = ((115.0, 0.5), (118.0, 0.3), (125.0, 0.2))


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


def start(h: Harness, signal: Signal, b0: Bar | None = None, b1: Bar | None = None) -> Order:
    """Signal on bar 0's close, entry at bar 1's open (flat bars unless given)."""
    b0 = b0 or bar(0, 100, 100, 100, 100)
    h.on_bar(b0)
    outcome = h.on_signal(b0, signal)
    assert isinstance(outcome, SignalAccepted)
    h.on_bar(b1 or bar(1, 100, 100, 100, 100))
    return outcome.order


def stop_level(h: Harness) -> float | None:
    position = h.executor.position()
    assert position is not None
    return position.stop_loss


def moves(h: Harness) -> list[tuple[float, str]]:
    return [(e.price, e.reason) for e in h.events if isinstance(e, StopMoved)]


def test_breakeven_after_leg_1_moves_at_that_close_and_is_live_from_the_next_bar() -> None:
    h = Harness()
    entry = start(h, Signal("long", 100.0, 95.0, take_profits=LEGS, breakeven_after_leg=1))
    # Leg 1 fills at 115; the low 100.05 is under the entry fill but the stop is still 95
    # within this bar.
    h.on_bar(bar(2, 110, 116, 100.05, 114))
    assert len(h.trades) == 1
    # At the close: the stop to the entry fill 100.1 (on the 0.01 tick: 100.10).
    assert stop_level(h) == 100.1
    assert moves(h) == [(100.1, "breakeven after leg 1")]
    stop_order = h.queue.get(entry.children[0])
    assert (stop_order.stop_price, stop_order.reason) == (
        Decimal("100.1"),
        "breakeven after leg 1",
    )
    assert stop_order.status == "accepted"
    h.on_bar(bar(3, 105, 106, 100.1, 101))  # reaches 100.1: the stop fills the 10 left
    rest = h.trades[1]
    assert (rest.exit_reason, rest.qty) == ("sl", pytest.approx(10.0))
    assert rest.exit_price == pytest.approx(100.1 * 0.999)  # slipped: 100.0
    assert h.queue.get(entry.children[0]).status == "filled"


def test_a_merged_leg_counts_as_filled_when_the_leg_that_took_it_fills() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=100.0))
    # qty 0.2: leg 1 (0.02 at 115 = 2.30 < 5) merges into leg 2 → 0.14 at 117; leg 3 0.06.
    signal = Signal(
        "long",
        100.0,
        95.0,
        take_profits=((115.0, 0.1), (117.0, 0.6), (120.0, 0.3)),
        breakeven_after_leg=1,
    )
    start(h, signal)
    h.on_bar(bar(2, 110, 116, 109, 114))  # 115 is no longer a leg: nothing fills
    assert h.trades == [] and stop_level(h) == 95.0
    h.on_bar(bar(3, 114, 117.5, 113, 116))  # leg 2 (carrying leg 1) fills at 117
    assert [(t.leg, t.qty) for t in h.trades] == [(2, pytest.approx(0.14))]
    assert stop_level(h) == 100.1  # leg 1 counts as filled now


def test_stop_to_leg_1_after_leg_2() -> None:
    h = Harness()
    start(h, Signal("long", 100.0, 95.0, take_profits=LEGS, stop_to_leg_after_leg=(2, 1)))
    h.on_bar(bar(2, 110, 116, 109, 114))  # leg 1 only: the rule waits for leg 2
    assert stop_level(h) == 95.0
    h.on_bar(bar(3, 114, 118.5, 113, 117))  # leg 2 → the stop to leg 1's price 115
    assert stop_level(h) == 115.0
    assert moves(h) == [(115.0, "to leg 1's price after leg 2")]
    h.on_bar(bar(4, 116, 117, 114.5, 115))  # reaches 115: the last 4 at 115 × 0.999
    last = h.trades[-1]
    assert (last.exit_reason, last.qty) == ("sl", pytest.approx(4.0))
    assert last.exit_price == pytest.approx(114.885)


TRAIL_BARS = [
    bar(0, 100, 101, 99, 100),  # TR = high − low = 2 (the first bar)
    bar(1, 100, 102, 99, 101),  # TR = max(3, |102 − 100|, |99 − 100|) = 3
    bar(2, 101, 104, 100, 103),  # TR = max(4, 3, 1) = 4 → ATR(3) = (2 + 3 + 4) / 3 = 3
    bar(3, 103, 106, 102, 105),  # TR = max(4, 3, 1) = 4 → ATR = (3 × 2 + 4) / 3 = 10/3
    bar(4, 105, 105, 101, 102),  # TR = max(4, 0, 4) = 4 → ATR = (20/3 + 4) / 3 = 32/9
    bar(5, 100, 101, 98, 99),
]


def test_the_atr_trail_worked_out_by_hand() -> None:
    h = Harness()
    signal = Signal("long", 100.0, 95.0, 115.0, trail_atr=(2.0, 3))
    entry = start(h, signal, TRAIL_BARS[0], TRAIL_BARS[1])
    # Entry bar's close: only 2 true ranges, ATR(3) does not exist → the stop stays.
    assert stop_level(h) == 95.0
    h.on_bar(TRAIL_BARS[2])  # 103 − 2 × 3 = 97
    assert stop_level(h) == 97.0
    h.on_bar(TRAIL_BARS[3])  # 105 − 2 × 10/3 = 98.333.. → 98.33 on the tick
    assert stop_level(h) == 98.33
    assert h.queue.get(entry.children[0]).stop_price == Decimal("98.33")
    h.on_bar(TRAIL_BARS[4])  # 102 − 2 × 32/9 = 94.89: looser, never taken
    assert stop_level(h) == 98.33
    assert [price for price, _ in moves(h)] == [97.0, 98.33]
    assert moves(h)[0][1] == "trailing 2 × ATR(3)"
    h.on_bar(TRAIL_BARS[5])  # opens 100 above it, the low 98 reaches it
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("sl", pytest.approx(98.33 * 0.999))
    # the same ATR as the risk gate's tracker over the same bars
    tracker = AtrTracker(3, 1)
    values = [tracker.update("b", b) for b in TRAIL_BARS[:5]]
    assert values == [None, None, 3.0, pytest.approx(10 / 3), pytest.approx(32 / 9)]


def test_the_tightest_rule_wins_and_the_stop_never_loosens() -> None:
    h = Harness()
    signal = Signal(
        "long", 100.0, 95.0, take_profits=LEGS, breakeven_after_leg=1, trail_atr=(2.0, 1)
    )
    # ATR(1) is the last true range. Bar 0 TR 0; bar 1 TR max(4, 1, 3) = 4 → trail
    # 100 − 8 = 92, looser than 95: no move.
    start(h, signal, b1=bar(1, 100, 101, 97, 100))
    assert stop_level(h) == 95.0
    # Bar 2: leg 1 fills; TR max(7, |116 − 100|, |109 − 100|) = 16 → trail 114 − 32 = 82;
    # breakeven 100.1 is the tighter: 100.1.
    h.on_bar(bar(2, 110, 116, 109, 114))
    assert stop_level(h) == 100.1
    # Bar 3: TR max(3, 2, 1) = 3 → trail 115 − 6 = 109 beats breakeven 100.1.
    h.on_bar(bar(3, 114, 116, 113, 115))
    assert stop_level(h) == 109.0
    # Bar 4: TR max(5.5, 0.5, 5) = 5.5 → trail 111 − 11 = 100, breakeven 100.1: both
    # looser than 109, the stop stays.
    h.on_bar(bar(4, 115, 115.5, 110, 111))
    assert stop_level(h) == 109.0
    assert moves(h) == [
        (100.1, "breakeven after leg 1"),
        (109.0, "trailing 2 × ATR(1)"),
    ]
    h.on_bar(bar(5, 110, 111, 108, 109))  # the low 108 reaches 109
    last = h.trades[-1]
    assert (last.exit_reason, last.qty, last.exit_price) == (
        "sl",
        pytest.approx(10.0),
        pytest.approx(108.891),
    )


def test_a_short_moves_its_stop_down() -> None:
    h = Harness()
    signal = Signal(
        "short", 100.0, 105.0, take_profits=((85.0, 0.5), (80.0, 0.5)), breakeven_after_leg=1
    )
    start(h, signal)  # entry 100 slipped down: 99.9
    h.on_bar(bar(2, 90, 91, 84, 86))  # leg 1 at 85 → stop to 99.9
    assert stop_level(h) == 99.9
    h.on_bar(bar(3, 98, 100, 97, 99))  # the high 100 reaches 99.9
    last = h.trades[-1]
    assert (last.exit_reason, last.exit_price) == ("sl", pytest.approx(99.9 * 1.001))


def test_a_restart_continues_the_same_exits() -> None:
    signal = Signal(
        "long", 100.0, 95.0, take_profits=LEGS, breakeven_after_leg=1, trail_atr=(2.0, 1)
    )
    bars = [
        bar(2, 110, 116, 109, 114),
        bar(3, 114, 116, 113, 115),
        bar(4, 115, 119, 110, 111),
        bar(5, 110, 111, 108, 109),
    ]
    whole, first = Harness(), Harness()
    for h in (whole, first):
        start(h, signal, b1=bar(1, 100, 101, 97, 100))
        h.on_bar(bars[0])
    saved = first.model.state()
    resumed = Harness()
    resumed.model.restore(saved)
    for b in bars[1:]:
        whole.on_bar(b)
        resumed.on_bar(b)
    whole.finish()
    resumed.finish()
    assert resumed.trades == whole.trades
    assert [t.leg for t in whole.trades] == [1, 2, None]


def test_the_trail_atr_equals_the_risk_gates_tracker_over_batches_of_bars() -> None:
    # 3000 seeded bars (several of the ranges' batches, one hole): both trackers agree
    # exactly, for a period first asked for late and for one followed from the start.
    rng = random.Random(11)
    bars, close = [], 100.0
    for i in range(3000):
        o = close + rng.uniform(-1, 1)
        close = o + rng.uniform(-2, 2)
        high, low = max(o, close) + rng.uniform(0, 1), min(o, close) - rng.uniform(0, 1)
        bars.append(Bar(T0 + (i + (i > 1500) * 5) * H, o, high, low, close))
    followed, lazy = TrueRanges(), TrueRanges()
    atr14, atr50 = AtrTracker(14, 1), AtrTracker(50, 1)
    late = None
    for i, b in enumerate(bars):
        followed.add(b)  # asked every bar: folded bar by bar
        lazy.add(b)  # asked twice: folded in batches
        assert followed.atr(14) == atr14.update("b", b)
        expected = atr50.update("b", b)
        if i == 2500:
            late = lazy.atr(50)  # first asked after 2501 bars: seeded from the first 50
            assert late == expected
    assert lazy.atr(50) == expected and lazy.atr(14) == followed.atr(14)
    assert late is not None and lazy.spacing_ms() == H
