"""A take-profit ladder planned by hand: legs sized, rounded, merged, gated, queued.

Settings are the harness's (`tests/orders/test_execution.py`): capital 10 000, risk 1 %,
leverage 5, MIN_RR 3, tick 0.01, step 0.001, min notional 5 — or capital 100 where the
min notional must bind. Every expected number is worked out in the comments from
ARCHITECTURE.md ("Exits beyond one stop and one target"), not read back from the code.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scalplab.errors import InputError
from scalplab.orders.exits import ExitRules
from scalplab.orders.ids import child_order_id, is_client_order_id
from scalplab.orders.models import Bar, SignalRecord
from scalplab.orders.outcomes import SignalAccepted, SignalOutcome
from scalplab.orders.types import Order
from scalplab.strategies.signal import Signal
from tests.orders.harness import CONFIG, Harness

H = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % (8 * H)
FLAT = Bar(T0, 100, 100, 100, 100)


def record(outcome: SignalOutcome) -> SignalRecord:
    assert outcome.record is not None
    return outcome.record


def accepted(h: Harness, signal: Signal) -> Order:
    h.on_bar(FLAT)
    outcome = h.on_signal(FLAT, signal)
    assert isinstance(outcome, SignalAccepted), record(outcome)
    return outcome.order


def children(h: Harness, entry: Order) -> list[Order]:
    return [h.queue.get(child) for child in entry.children]


def test_legs_are_rounded_down_to_the_step_the_last_takes_the_remainder() -> None:
    h = Harness()
    # risk 3 → qty = 100 / 3 = 33.333 (step 0.001). Prices 110.004 → 110.00 and
    # 115.005 → 115.01 (nearest tick, halves away from zero).
    signal = Signal(
        "long", 100.0, 97.0, take_profits=((110.004, 0.5), (112.0, 0.3), (115.005, 0.2))
    )
    entry = accepted(h, signal)
    # 33.333 × 0.5 = 16.6665 → 16.666; × 0.3 = 9.9999 → 9.999; the last takes
    # 33.333 − 16.666 − 9.999 = 6.668.
    assert entry.exits is not None
    legs = [(leg.number, leg.price, leg.qty) for leg in entry.exits.take_profits]
    assert legs == [
        (1, Decimal("110.00"), Decimal("16.666")),
        (2, Decimal("112.00"), Decimal("9.999")),
        (3, Decimal("115.01"), Decimal("6.668")),
    ]
    # The entry's take_profit is the farthest leg (the record shows it too).
    assert entry.take_profit == Decimal("115.01")
    assert h.signals[-1].take_profit == 115.01
    # Children: the stop for all 33.333, then one reduce-only limit per leg.
    stop, *tps = children(h, entry)
    assert (stop.type, stop.qty, stop.stop_price) == ("stop_market", Decimal("33.333"), 97)
    assert [(o.type, o.side, o.reduce_only, o.qty, o.price) for o in tps] == [
        ("limit", "sell", True, Decimal("16.666"), Decimal("110.00")),
        ("limit", "sell", True, Decimal("9.999"), Decimal("112.00")),
        ("limit", "sell", True, Decimal("6.668"), Decimal("115.01")),
    ]
    parent = entry.client_order_id
    assert [o.client_order_id for o in tps] == [
        f"{parent}-tp1",
        f"{parent}-tp2",
        f"{parent}-tp3",
    ]
    assert stop.client_order_id == f"{parent}-sl"
    # /orders shows the legs on the entry as well
    shown = h.queue.get(entry.id).to_dict()["exits"]["take_profits"]
    assert [(leg["leg"], leg["price"], leg["qty"]) for leg in shown] == [
        (1, "110", "16.666"),
        (2, "112", "9.999"),
        (3, "115.01", "6.668"),
    ]


def test_a_leg_under_the_min_notional_merges_into_the_next_one() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=100.0))
    # qty = min(100 × 1 % / 5 = 0.2, 100 × 5 / 100 = 5) = 0.2 (notional 20 ≥ 5).
    # Leg 1: 0.2 × 0.1 = 0.02 at 115 → 2.30 < 5: merged into leg 2 → 0.02 + 0.12 = 0.14
    # at 117 (16.38). Leg 3: 0.2 − 0.02 − 0.12 = 0.06 at 120 → 7.20: stays.
    signal = Signal("long", 100.0, 95.0, take_profits=((115.0, 0.1), (117.0, 0.6), (120.0, 0.3)))
    entry = accepted(h, signal)
    assert entry.exits is not None
    legs = [(leg.number, leg.qty, leg.covers) for leg in entry.exits.take_profits]
    assert legs == [(2, Decimal("0.14"), (1, 2)), (3, Decimal("0.06"), (3,))]
    assert entry.exits.leg_prices == (Decimal("115.00"), Decimal("117.00"), Decimal("120.00"))
    # Two take-profit children, named by the legs that trade.
    _, *tps = children(h, entry)
    assert [o.client_order_id for o in tps] == [
        child_order_id(entry.client_order_id, "tp2"),
        child_order_id(entry.client_order_id, "tp3"),
    ]


def test_the_last_leg_merges_into_the_nearest_earlier_leg_and_rr_uses_final_quantities() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=100.0))
    # qty 0.2: legs 0.12 at 115 (13.80), 0.06 at 117 (7.02), 0.02 at 120 (2.40 < 5): the
    # last leg merges into leg 2 → 0.08 at 117.
    # RR at the quantity-weighted average (115 × 0.12 + 117 × 0.08) / 0.2 = 115.8:
    # 15.8 / 5 = 3.16 ≥ 3 → accepted. (The fractions' average 115 × 0.6 + 117 × 0.3 +
    # 120 × 0.1 = 116.1 would give 3.22: the gate measures the final legs.)
    signal = Signal("long", 100.0, 95.0, take_profits=((115.0, 0.6), (117.0, 0.3), (120.0, 0.1)))
    entry = accepted(h, signal)
    assert entry.exits is not None
    legs = [(leg.number, leg.qty, leg.covers) for leg in entry.exits.take_profits]
    assert legs == [(1, Decimal("0.12"), (1,)), (2, Decimal("0.08"), (2, 3))]


def test_the_reward_risk_gate_measures_the_final_legs() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # qty 20: legs 10 / 6 / 4 at 110 / 115 / 120 → average (1100 + 690 + 480) / 20 = 113.5:
    # RR 13.5 / 5 = 2.7 < 3, although the farthest leg alone would give 4.
    below = record(
        h.on_signal(
            FLAT,
            Signal("long", 100.0, 95.0, take_profits=((110.0, 0.5), (115.0, 0.3), (120.0, 0.2))),
        )
    )
    assert (below.status, below.reason, below.qty) == ("rejected", "min_rr", 20.0)
    # 115 / 118 / 125: (1150 + 708 + 500) / 20 = 117.9 → 17.9 / 5 = 3.58 → accepted.
    above = record(
        h.on_signal(
            FLAT,
            Signal("long", 100.0, 95.0, take_profits=((115.0, 0.5), (118.0, 0.3), (125.0, 0.2))),
        )
    )
    assert above.status == "accepted"


def test_nothing_left_after_merging_is_a_rejection() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=100.0))
    h.on_bar(FLAT)
    # A short of 0.2 (risk 1 / 5; notional 20 at the entry passes the min notional). Leg 1:
    # 0.1 at 30 → 3 < 5, merged into leg 2: 0.2 at 20 → 4 < 5, and no earlier leg keeps a
    # quantity: nothing can be placed.
    signal = Signal("short", 100.0, 105.0, take_profits=((30.0, 0.5), (20.0, 0.5)))
    rejected = record(h.on_signal(FLAT, signal))
    assert (rejected.status, rejected.reason, rejected.qty) == (
        "rejected",
        "leg_min_notional",
        0.2,
    )
    assert h.queue.list() == []


def test_a_leg_on_the_wrong_side_is_invalid() -> None:
    h = Harness()
    h.on_bar(FLAT)
    # Nearest first (distances 1 and 15), but 99 is below a long's entry.
    signal = Signal("long", 100.0, 95.0, take_profits=((99.0, 0.5), (115.0, 0.5)))
    assert record(h.on_signal(FLAT, signal)).reason == "invalid_levels"
    # 100.004 rounds onto the entry itself: not on the winning side either.
    rounded = Signal("long", 100.0, 95.0, take_profits=((100.004, 0.5), (130.0, 0.5)))
    assert record(h.on_signal(FLAT, rounded)).reason == "invalid_levels"


def test_a_trailing_period_longer_than_the_data_is_a_rejection() -> None:
    # Hourly bars T0 .. T0 + 5 h: the data holds 6 bars.
    h = Harness(last_open_ms=T0 + 5 * H)
    h.on_bar(FLAT)
    b1 = Bar(T0 + H, 100, 100, 100, 100)
    h.on_bar(b1)
    # 2 bars seen + (5 h − 1 h) / 1 h = 4 to come = 6 → ATR(7) can never exist.
    too_long = record(h.on_signal(b1, Signal("long", 100.0, 95.0, 115.0, trail_atr=(2.0, 7))))
    assert (too_long.status, too_long.reason) == ("rejected", "trail_period")
    # ATR(6) exists on the last bar: accepted (it trails nothing before then).
    fits = record(h.on_signal(b1, Signal("long", 100.0, 95.0, 115.0, trail_atr=(2.0, 6))))
    assert fits.status == "accepted"


def test_a_plain_signal_keeps_its_bracket_and_no_exit_rules() -> None:
    h = Harness()
    entry = accepted(h, Signal("long", 100.0, 95.0, 115.0))
    assert entry.exits is None and "exits" not in entry.to_dict()
    _, take_profit = children(h, entry)
    assert take_profit.client_order_id == f"{entry.client_order_id}-tp"
    assert (take_profit.qty, take_profit.price) == (Decimal("20"), Decimal("115.00"))
    # a one-target signal with a stop rule keeps one take-profit child and carries its rules
    other = Harness()
    ruled = accepted(other, Signal("long", 100.0, 95.0, 115.0, max_hold_bars=4))
    assert ruled.exits == ExitRules(leg_prices=(Decimal("115.00"),), max_hold_bars=4)
    assert [o.client_order_id[-3:] for o in children(other, ruled)] == ["-sl", "-tp"]


def test_exit_rules_round_trip_through_the_stored_order() -> None:
    h = Harness()
    signal = Signal(
        "long",
        100.0,
        95.0,
        take_profits=((115.0, 0.5), (118.0, 0.3), (125.0, 0.2)),
        breakeven_after_leg=1,
        stop_to_leg_after_leg=(2, 1),
        trail_atr=(2.5, 14),
        max_hold_bars=8,
    )
    entry = accepted(h, signal)
    again = Order.from_dict(entry.to_dict())
    assert again == entry and again.exits is not None
    assert again.exits.trail_atr == (2.5, 14) and again.exits.max_hold_bars == 8
    # a retry of the same signal finds the same order
    assert record(h.on_signal(FLAT, signal)).reason == "position_open"


def test_leg_child_ids_keep_to_binances_client_id_rule() -> None:
    assert child_order_id("sb-parent", "tp2") == "sb-parent-tp2"
    long_parent = "x" * 36  # too long for a suffix: hashed, still 36 characters
    ids = [child_order_id(long_parent, role) for role in ("tp1", "tp2", "tp12", "sl")]
    assert len(set(ids)) == 4
    assert all(len(i) == 36 and is_client_order_id(i) for i in ids)
    assert ids[0].startswith("ctp1-")
    for bad in ("tp0", "tp100", "tp-1"):
        with pytest.raises(InputError, match="ladder leg"):
            child_order_id("p", bad)
