"""Hand-computed fills of a take-profit ladder and of a signal's own max-hold.

Settings are the harness's: capital 10 000, risk 1 %, leverage 5, maintenance margin
0.4 %, slippage 0.1 %, taker 0.05 %, maker 0.02 %, MIN_RR 3, tick 0.01, step 0.001, min
notional 5. The ladder: a long at 100, stop 95 → qty 20; legs 115 / 118 / 125 at
50 / 30 / 20 % → 10 / 6 / 4 (RR at the average (1150 + 708 + 500) / 20 = 117.9:
17.9 / 5 = 3.58). The entry fills at bar 1's open 100, slipped to 100.1, taker fee
100.1 × 20 × 0.05 % = 1.001. Each number below is worked out from ARCHITECTURE.md.
"""

from __future__ import annotations

import pytest

from scalplab.orders.funding import FundingSchedule
from scalplab.orders.metrics import metrics_of
from scalplab.orders.models import Bar
from scalplab.orders.outcomes import SignalAccepted
from scalplab.orders.types import Order
from scalplab.strategies.signal import Signal
from tests.orders.harness import Harness

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)  # a settlement instant
LADDER = Signal("long", 100.0, 95.0, take_profits=((115.0, 0.5), (118.0, 0.3), (125.0, 0.2)))
SHORT_LADDER = Signal("short", 100.0, 105.0, take_profits=((85.0, 0.5), (80.0, 0.5)))


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


def open_position(h: Harness, signal: Signal = LADDER) -> Order:
    """Signal on bar 0's close, entry at bar 1's open 100 (flat bars)."""
    flat = bar(0, 100, 100, 100, 100)
    h.on_bar(flat)
    outcome = h.on_signal(flat, signal)
    assert isinstance(outcome, SignalAccepted)
    h.on_bar(bar(1, 100, 100, 100, 100))
    return outcome.order


def statuses(h: Harness, entry: Order) -> list[str]:
    return [h.queue.get(child).status for child in entry.children]


def test_legs_reached_by_the_range_fill_at_their_prices_one_trade_each() -> None:
    h = Harness()
    entry = open_position(h)
    h.on_bar(bar(2, 110, 119, 109, 117))  # reaches 115 and 118, not 125 nor the stop 95
    one, two = h.trades
    # Leg 1: 10 at 115, maker 115 × 10 × 0.02 % = 0.23, entry fee share 1.001 × 10/20.
    assert (one.exit_reason, one.leg, one.qty, one.exit_price) == ("tp", 1, 10.0, 115.0)
    assert one.fees == pytest.approx(0.5005 + 0.23)
    assert one.pnl == pytest.approx((115 - 100.1) * 10 - 0.5005 - 0.23)  # 148.2695
    # Leg 2: 6 at 118, maker 0.1416, entry fee share 0.5005 × 6/10 = 0.3003.
    assert (two.exit_reason, two.leg, two.qty, two.exit_price) == ("tp", 2, 6.0, 118.0)
    assert two.fees == pytest.approx(0.3003 + 0.1416)
    assert two.pnl == pytest.approx(17.9 * 6 - 0.3003 - 0.1416)  # 106.9581
    position = h.executor.position()
    assert position is not None and position.qty == pytest.approx(4.0)
    assert position.legs_filled == 2
    # The legs that filled are filled; the stop and leg 3 still work.
    assert statuses(h, entry) == ["accepted", "filled", "filled", "accepted"]
    h.on_bar(bar(3, 117, 117, 116, 116))
    h.finish()
    # The rest closes at the end: 116 slipped 115.884, 4 × 115.884 × 0.05 % = 0.231768.
    three = h.trades[2]
    assert (three.exit_reason, three.leg, three.qty) == ("end", None, pytest.approx(4.0))
    assert three.fees == pytest.approx(0.2002 + 0.231768)
    assert three.pnl == pytest.approx((115.884 - 100.1) * 4 - 0.2002 - 0.231768)
    assert sum(t.fees for t in h.trades) == pytest.approx(h.model.fees_paid)
    assert h.model.cash == pytest.approx(10_000 + sum(t.pnl for t in h.trades))
    assert statuses(h, entry) == ["cancelled", "filled", "filled", "cancelled"]
    assert h.queue.get(entry.children[0]).reason == "position closed (end)"


def test_the_open_gapping_through_legs_fills_them_at_the_open_then_the_range_hits_the_stop() -> (
    None
):
    h = Harness()
    entry = open_position(h)
    # Opens at 119, above legs 1 and 2; the range then reaches the stop 95 and leg 3 (125).
    h.on_bar(bar(2, 119, 126, 94, 100))
    one, two, rest = h.trades
    # Legs 1 and 2 at the open, never slipped, maker: 119 × 10 × 0.02 % = 0.238, 0.1428.
    assert [(t.exit_reason, t.leg, t.qty, t.exit_price) for t in (one, two)] == [
        ("tp", 1, 10.0, 119.0),
        ("tp", 2, 6.0, 119.0),
    ]
    assert one.fees == pytest.approx(0.5005 + 0.238)
    # The stop fills what is left (4) even though the range also reaches leg 3: 95
    # slipped 0.1 % = 94.905, taker 94.905 × 4 × 0.05 % = 0.18981.
    assert (rest.exit_reason, rest.leg, rest.qty) == ("sl", None, pytest.approx(4.0))
    assert rest.exit_price == pytest.approx(94.905)
    assert rest.fees == pytest.approx(0.2002 + 0.18981)
    assert h.executor.position() is None
    # the stop's fill cancels the last leg (one cancels the other)
    assert statuses(h, entry) == ["filled", "filled", "filled", "cancelled"]


def test_an_open_past_every_leg_fills_them_all_even_if_the_range_reaches_the_stop() -> None:
    h = Harness()
    open_position(h)
    h.on_bar(bar(2, 126, 127, 90, 100))
    assert [(t.exit_reason, t.leg, t.qty, t.exit_price) for t in h.trades] == [
        ("tp", 1, 10.0, 126.0),
        ("tp", 2, 6.0, 126.0),
        ("tp", 3, pytest.approx(4.0), 126.0),
    ]
    assert h.executor.position() is None


def test_a_range_reaching_the_stop_and_a_leg_fills_the_stop_for_everything() -> None:
    h = Harness()
    entry = open_position(h)
    h.on_bar(bar(2, 110, 116, 94, 100))  # 115 and 95 both in range, no gap
    [trade] = h.trades
    assert (trade.exit_reason, trade.qty, trade.leg) == ("sl", 20.0, None)
    assert trade.exit_price == pytest.approx(94.905)
    assert statuses(h, entry) == ["filled", "cancelled", "cancelled", "cancelled"]


def test_a_short_ladder_mirrors_the_rules() -> None:
    h = Harness()
    open_position(h, SHORT_LADDER)  # entry 100 slipped down: 99.9; qty 20 → 10 / 10
    h.on_bar(bar(2, 90, 91, 84, 86))  # the low reaches 85: leg 1
    h.on_bar(bar(3, 86, 106, 79, 100))  # the high reaches the stop 105, the low leg 2 (80)
    one, rest = h.trades
    assert (one.exit_reason, one.leg, one.qty, one.exit_price) == ("tp", 1, 10.0, 85.0)
    assert one.pnl == pytest.approx((99.9 - 85) * 10 - 0.4995 - 85 * 10 * 0.0002)
    # the stop wins: 105 slipped up 0.1 % = 105.105
    assert (rest.exit_reason, rest.qty) == ("sl", pytest.approx(10.0))
    assert rest.exit_price == pytest.approx(105.105)


def test_entry_fee_and_funding_are_shared_out_pro_rata_per_trade_record() -> None:
    h = Harness(funding=FundingSchedule([], default_rate=0.0001))
    start = T0 - 2 * H  # signal 22:00, entry 23:00, settlement at T0 (00:00)
    h.step(Bar(start, 100, 100, 100, 100), LADDER)
    h.on_bar(Bar(start + H, 100, 100, 100, 100))  # entry 100.1
    # Held at the 23:00 close: pays 20 × open(00:00) 110 × 0.0001 = 0.22; the bar
    # reaches leg 1 (115).
    h.on_bar(Bar(T0, 110, 116, 109, 114))
    h.on_bar(Bar(T0 + H, 114, 119, 113, 118))  # leg 2 (118)
    h.finish()  # the last 4 at 118 slipped: 117.882
    fundings = [t.funding for t in h.trades]
    assert fundings == pytest.approx([0.11, 0.066, 0.044])  # 0.22 × 10/20, × 6/20, × 4/20
    exit_fees = [115 * 10 * 0.0002, 118 * 6 * 0.0002, 117.882 * 4 * 0.0005]
    entry_shares = [t.fees - fee for t, fee in zip(h.trades, exit_fees, strict=True)]
    assert entry_shares == pytest.approx([0.5005, 0.3003, 0.2002])  # 1.001 × 10/20, ...
    assert sum(fundings) == pytest.approx(h.model.totals()["funding"]) == pytest.approx(0.22)
    first = h.trades[0]
    assert first.pnl == pytest.approx((115 - 100.1) * 10 - 0.5005 - 0.23 - 0.11)
    # Metrics count the records as trades (3 records of one position).
    metrics = metrics_of(
        h.trades, h.model.equity_curve, h.signals, h.model.totals(), 10_000.0, h.model.equity
    )
    assert (metrics.trades, metrics.wins, metrics.exits["tp"], metrics.exits["end"]) == (3, 3, 2, 1)


def test_a_signals_max_hold_exits_at_the_open_after_bar_b_before_any_level() -> None:
    h = Harness()
    entry = open_position(h, Signal("long", 100.0, 95.0, 115.0, max_hold_bars=2))
    assert h.executor.bars_held() == 1
    # The strategy's max_hold_bars param (here 1) yields to the signal's own 2 ...
    assert not h.exit("max_hold")
    h.on_bar(bar(2, 101, 102, 100, 101))  # ... which, after bar 2's close, queues the exit
    assert h.model.book(h.book).exit is not None
    assert not h.exit("max_hold")  # an exit is already on its way
    h.on_bar(bar(3, 104, 120, 103, 110))  # the range would reach the take-profit 115
    [trade] = h.trades
    # market exit at bar 3's open, taker, slipped: 104 × 0.999 = 103.896
    assert (trade.exit_reason, trade.exit_price) == ("max_hold", pytest.approx(103.896))
    assert trade.bars_held == 3 and trade.exit_ms == T0 + 3 * H
    assert trade.fees == pytest.approx(1.001 + 103.896 * 20 * 0.0005)
    assert statuses(h, entry) == ["cancelled", "cancelled"]


def test_a_max_hold_due_on_the_last_bar_closes_as_end() -> None:
    h = Harness(last_open_ms=T0 + 2 * H)
    open_position(h, Signal("long", 100.0, 95.0, 115.0, max_hold_bars=2))
    last = bar(2, 101, 102, 100, 101)
    h.on_bar(last)  # bar 2 of the position is the data's last: no open left to exit at
    h.finish()
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_ms) == ("end", last.open_ms)
    assert trade.exit_price == pytest.approx(101 * 0.999)


def test_a_ladder_with_a_max_hold_closes_what_is_left() -> None:
    h = Harness()
    open_position(h, Signal("long", 100.0, 95.0, take_profits=LADDER.take_profits, max_hold_bars=1))
    h.on_bar(bar(2, 116, 117, 110, 112))  # opens past leg 1 (115) — no exit before bar 2
    assert [(t.exit_reason, t.leg) for t in h.trades] == [("max_hold", None)]
    # bar 1 was the last held: the exit came first, at bar 2's open 116 slipped 115.884
    assert h.trades[0].exit_price == pytest.approx(115.884)
    assert h.trades[0].qty == 20.0
