"""The signal contract's exits beyond one stop and one target, and its payload fields."""

from __future__ import annotations

import math

import pytest

from scalplab.strategies.signal import Signal

LADDER = ((110.0, 0.4), (115.0, 0.4), (125.0, 0.2))


def test_a_ladder_replaces_the_take_profit_which_reads_as_its_farthest_leg() -> None:
    signal = Signal("long", 100.0, 95.0, take_profits=[[110, 0.4], (115.0, 0.4), (125.0, 0.2)])  # type: ignore[list-item]
    assert signal.take_profits == LADDER  # normalised to float tuples
    assert signal.take_profit == signal.target == 125.0
    assert signal.legs == LADDER
    # fraction-weighted average 110 × 0.4 + 115 × 0.4 + 125 × 0.2 = 115 → RR 15 / 5 = 3
    assert signal.reward_risk == pytest.approx(3.0)
    assert signal.levels_valid
    assert not Signal("long", 100.0, 95.0, take_profits=((99.0, 0.5), (115.0, 0.5))).levels_valid
    plain = Signal("long", 100.0, 95.0, 115.0)
    assert plain.legs == ((115.0, 1.0),) and plain.take_profits is None


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        (((110.0, 0.5), (115.0, 0.4)), "sum to 0.9, not 1"),
        (((110.0, 0.5), (115.0, 0.6)), "sum to 1.1, not 1"),
        (((115.0, 0.5), (110.0, 0.5)), "nearest to the entry first"),
        (((110.0, 0.5), (110.0, 0.5)), "nearest to the entry first"),
        (((110.0, 0.5, 1),), r"must be \(price, fraction\)"),
        (((-1.0, 1.0),), "price must be a positive finite"),
        (((math.inf, 1.0),), "price must be a positive finite"),
        (((110.0, 0.0), (115.0, 1.0)), r"fraction must be within \(0, 1\]"),
        (((110.0, 1.5),), r"fraction must be within \(0, 1\]"),
        ((), "list of"),
        ("110", "list of"),
    ],
)
def test_a_malformed_ladder_is_a_one_line_error(ladder: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Signal("long", 100.0, 95.0, take_profits=ladder)  # type: ignore[arg-type]


def test_fractions_summing_to_one_in_float_noise_pass() -> None:
    third = 1 / 3
    signal = Signal(
        "long", 100.0, 95.0, take_profits=((110.0, third), (115.0, third), (125.0, third))
    )
    assert len(signal.legs) == 3


def test_a_signal_needs_a_target() -> None:
    with pytest.raises(ValueError, match="a take_profit or a take_profits ladder"):
        Signal("long", 100.0, 95.0)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"breakeven_after_leg": 4}, r"breakeven_after_leg must be a leg number 1..3"),
        ({"breakeven_after_leg": 0}, r"leg number 1..3"),
        ({"breakeven_after_leg": True}, r"leg number 1..3"),
        ({"stop_to_leg_after_leg": (2,)}, r"stop_to_leg_after_leg must be \(k, j\)"),
        ({"stop_to_leg_after_leg": (4, 1)}, "stop_to_leg_after_leg k must be a leg number"),
        ({"stop_to_leg_after_leg": (2, 1.0)}, "stop_to_leg_after_leg j must be a leg number"),
        ({"trail_atr": 2.0}, r"trail_atr must be \(multiple, period\)"),
        ({"trail_atr": (0.0, 14)}, "trail_atr multiple must be positive"),
        ({"trail_atr": (2.0, 0)}, "trail_atr period must be a whole number"),
        ({"trail_atr": (2.0, 14.0)}, "trail_atr period must be a whole number"),
        ({"max_hold_bars": 0}, "max_hold_bars must be a whole number"),
        ({"max_hold_bars": True}, "max_hold_bars must be a whole number"),
    ],
)
def test_stop_rules_and_max_hold_are_checked(rules: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Signal("long", 100.0, 95.0, take_profits=LADDER, **rules)  # type: ignore[arg-type]


def test_stop_rules_are_normalised_and_a_plain_target_is_one_leg() -> None:
    signal = Signal(
        "long",
        100.0,
        95.0,
        take_profits=LADDER,
        breakeven_after_leg=1,
        stop_to_leg_after_leg=[2, 1],  # type: ignore[arg-type]
        trail_atr=[3, 14],  # type: ignore[arg-type]
        max_hold_bars=8,
    )
    assert signal.stop_to_leg_after_leg == (2, 1)
    assert signal.trail_atr == (3.0, 14) and isinstance(signal.trail_atr[0], float)
    # without a ladder there is one leg: leg 2 does not exist
    with pytest.raises(ValueError, match=r"leg number 1..1"):
        Signal("long", 100.0, 95.0, 115.0, breakeven_after_leg=2)


def test_payload_fields_are_typed() -> None:
    signal = Signal(
        "short",
        100.0,
        105.0,
        85.0,
        score=72.5,
        tier="HIGH",
        variant="A",
        breakdown={"trend": 60.0, "flow": -1},
    )
    data = signal.to_dict()
    assert (data["score"], data["tier"], data["variant"]) == (72.5, "HIGH", "A")
    assert data["breakdown"] == {"trend": 60.0, "flow": -1}
    for bad, message in (
        ({"score": 101}, "score must be within 0..100"),
        ({"score": "high"}, "score must be within 0..100"),
        ({"tier": 3}, "tier must be text"),
        ({"variant": ["A"]}, "variant must be text"),
        ({"breakdown": {"trend": math.nan}}, "breakdown entries"),
        ({"breakdown": {"trend": "up"}}, "breakdown entries"),
        ({"breakdown": {1: 2.0}}, "breakdown entries"),
    ):
        with pytest.raises(ValueError, match=message):
            Signal("short", 100.0, 105.0, 85.0, **bad)  # type: ignore[arg-type]


def test_to_dict_carries_the_optional_fields_only_when_set() -> None:
    plain = Signal("long", 100.0, 95.0, 115.0).to_dict()
    assert set(plain) == {"side", "entry", "stop_loss", "take_profit", "confidence", "reasons"}
    laddered = Signal(
        "long", 100.0, 95.0, take_profits=LADDER, stop_to_leg_after_leg=(2, 1), trail_atr=(2, 5)
    ).to_dict()
    assert laddered["take_profits"] == [[110.0, 0.4], [115.0, 0.4], [125.0, 0.2]]
    assert laddered["take_profit"] == 125.0
    assert laddered["stop_to_leg_after_leg"] == [2, 1]
    assert laddered["trail_atr"] == [2.0, 5]
    assert "max_hold_bars" not in laddered and "breakeven_after_leg" not in laddered
