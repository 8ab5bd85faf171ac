"""SGNL-V2's features and UPS score on synthetic inputs, each worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from scalplab.strategies.sgnl_features import (
    WEIGHTS,
    Components,
    Reading,
    Thresholds,
    ask_dominance,
    bid_weakness,
    btc_pump,
    buy_wall_exhaustion,
    clamp,
    components,
    entry_gates,
    funding_score,
    oi_divergence,
    pct_change,
    resistance_distance_pct,
    sell_wall_pressure,
    short_momentum,
    spread_pct,
    stop_pct,
)


def test_the_weights_are_001_s_and_sum_to_100() -> None:
    assert math.fsum(WEIGHTS.values()) == 100.0
    assert WEIGHTS["oi_divergence"] == WEIGHTS["liquidity_pressure"] == 20.0


def test_ask_dominance_over_the_top_levels() -> None:
    # top 2 levels: bids 3 + 1 = 4, asks 4 + 2 = 6 → 6 / 10
    assert ask_dominance([3, 1, 100], [4, 2, 100], levels=2) == pytest.approx(0.6)
    assert ask_dominance([], [], levels=10) == 0.5


def test_bid_weakness_compares_deeper_bids_with_the_touch() -> None:
    # near 5 × 2 = 10, deeper 5 × 1 = 5 → (1 − 5/10) × 100 = 50
    assert bid_weakness([2, 2, 2, 2, 2, 1, 1, 1, 1, 1]) == pytest.approx(50.0)
    # deeper heavier than near: negative → clamped to 0
    assert bid_weakness([1] * 5 + [3] * 5) == 0.0
    assert bid_weakness([0] * 10) == 0.0


def test_sell_wall_pressure() -> None:
    # sizes 1, 1, 1, 5: mean 2, largest 5 → (5/2 − 1) × 50 = 75
    assert sell_wall_pressure([1, 1, 1, 5]) == pytest.approx(75.0)
    # a flat book has no wall
    assert sell_wall_pressure([2, 2, 2]) == 0.0
    # 10 levels, one of 30 and nine of 1: mean 3.9, 30/3.9 − 1 = 6.69 → clamped 100
    assert sell_wall_pressure([30] + [1] * 9) == 100.0


def test_buy_wall_exhaustion_needs_a_shrinking_wall_and_no_bounce() -> None:
    # the largest bid went from 10 to 4 while the price fell: 60 % eaten
    assert buy_wall_exhaustion([10, 2], [4, 2], price_change_pct=-0.1) == pytest.approx(60.0)
    assert buy_wall_exhaustion([10, 2], [4, 2], price_change_pct=0.2) == 0.0
    assert buy_wall_exhaustion([4], [10], price_change_pct=-0.1) == 0.0
    assert buy_wall_exhaustion([], [10], price_change_pct=-0.1) == 0.0


def test_oi_divergence_only_when_oi_rises_and_price_falls() -> None:
    # OI +1 % of a 2 % full scale = 0.5 → 25; price −0.5 % of a 1 % full scale → 25
    assert oi_divergence(1.0, -0.5, 2.0, 1.0) == pytest.approx(50.0)
    assert oi_divergence(5.0, -3.0, 2.0, 1.0) == 100.0
    assert oi_divergence(1.0, 0.1, 2.0, 1.0) == 0.0
    assert oi_divergence(-1.0, -0.5, 2.0, 1.0) == 0.0


def test_funding_favours_the_short_when_positive() -> None:
    assert funding_score(0.0, 0.0001) == 50.0
    assert funding_score(0.00005, 0.0001) == pytest.approx(75.0)
    assert funding_score(0.0003, 0.0001) == 100.0
    assert funding_score(-0.0001, 0.0001) == 0.0


def test_short_momentum() -> None:
    assert short_momentum(0.0, 0.5) == 50.0
    assert short_momentum(-0.25, 0.5) == pytest.approx(75.0)
    assert short_momentum(1.0, 0.5) == 0.0
    assert pct_change(200.0, 198.0) == pytest.approx(-1.0)
    assert pct_change(0.0, 1.0) == 0.0


def test_btc_pump_is_the_larger_return_over_the_full_scale() -> None:
    assert btc_pump(0.3, 1.5, 3.0) == pytest.approx(0.5)
    assert btc_pump(-1.0, -2.0, 3.0) == 0.0
    assert btc_pump(4.0, 0.0, 3.0) == 1.0


def test_spread_and_resistance() -> None:
    # bid 0.9990, ask 1.0010: mid 1.0 → 0.2 %
    assert spread_pct(0.9990, 1.0010) == pytest.approx(0.2)
    assert spread_pct(0.0, 1.0) == math.inf
    assert spread_pct(1.01, 1.0) == math.inf
    # nearest swing high at or above 100 is 100.2 → 0.2 %
    assert resistance_distance_pct(100.0, [99.0, 100.5, 100.2]) == pytest.approx(0.2)
    assert resistance_distance_pct(100.0, [99.0]) == math.inf


def test_the_stop_scales_with_volatility_within_its_band() -> None:
    assert stop_pct(0.8, 1.0, 0.7, 1.1) == pytest.approx(0.8)
    assert stop_pct(0.2, 1.0, 0.7, 1.1) == 0.7
    assert stop_pct(2.0, 1.0, 0.7, 1.1) == 1.1
    assert clamp(float("nan")) == 0.0


def test_ups_maps_ten_features_onto_seven_weighted_components() -> None:
    parts = components(
        ask_dom=0.7,
        bid_weak=50.0,
        wall_pressure=80.0,
        wall_exhaustion=40.0,
        swept=True,
        oi_div=60.0,
        funding=75.0,
        momentum=70.0,
        pump=0.2,
    )
    assert parts == Components(
        oi_divergence=60.0,
        liquidity_pressure=60.0,
        orderflow_imbalance=60.0,
        sweep=100.0,
        btc_microtrend=80.0,
        short_momentum=70.0,
        funding=75.0,
    )
    # (20×60 + 20×60 + 15×60 + 15×100 + 10×80 + 10×70 + 10×75) / 100
    # = (1200 + 1200 + 900 + 1500 + 800 + 700 + 750) / 100 = 70.5
    assert parts.ups() == pytest.approx(70.5)


PASSING = Reading(
    score=78.5,
    ask_dominance=0.64,
    swept=True,
    oi_change_pct=1.2,
    price_change_pct=-0.4,
    oi_divergence=40.0,
    funding_rate=0.0001,
    btc_pumping=False,
    resistance_pct=0.1,
    spread_pct=0.05,
)


def test_a_reading_that_meets_every_rule_passes() -> None:
    gates = entry_gates(PASSING, Thresholds())
    assert all(gates.values()) and len(gates) == 8
    assert "score 78.5 ≥ 72" in gates and "ask dominance 64% ≥ 60%" in gates


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"score": 71.9}, "score 71.9 ≥ 72"),
        ({"ask_dominance": 0.59}, "ask dominance 59% ≥ 60%"),
        ({"swept": False}, "sell sweep"),
        ({"oi_change_pct": 0.0}, "OI +0.00 % while price -0.40 %"),
        ({"price_change_pct": 0.1}, "OI +1.20 % while price +0.10 %"),
        ({"oi_divergence": 29.9}, "OI +1.20 % while price -0.40 %"),
        ({"funding_rate": -0.00001}, "funding aligned"),
        ({"funding_rate": None}, "funding aligned"),
        ({"btc_pumping": True}, "BTC not pumping"),
        ({"resistance_pct": 0.25}, "resistance 0.25 % above"),
        ({"spread_pct": 0.5}, "spread 0.500 %"),
    ],
)
def test_each_rule_alone_stops_the_short(change: dict[str, object], failing: str) -> None:
    gates = entry_gates(replace(PASSING, **change), Thresholds())  # type: ignore[arg-type]
    assert [rule for rule, holds in gates.items() if not holds] == [failing]


def test_the_thresholds_are_params() -> None:
    strict = Thresholds(min_score=80.0, max_spread_pct=0.01)
    failed = [rule for rule, ok in entry_gates(PASSING, strict).items() if not ok]
    assert failed == ["score 78.5 ≥ 80", "spread 0.050 %"]
