"""The confluence brain and the risk engine of the 15m plugin, hand-computed: the weighted
agreement with missing layers left out and penalised (DECISIONS.md §4), the regime
modifier, tiers and the low-hours raise (seed 002 §7, §9 Breaker 6), freshness, and the
ATR stop with its floor, the 1.5R / 2.5R / 4R ladder and the score bands (§8, §5)."""

from __future__ import annotations

import pytest

from scalplab.strategies.breakers import ScaleSize, ScoreBand
from scalplab.strategies.confluence_risk import (
    TradeLevels,
    heat_breaker,
    ladder_reward_risk,
    size_factor,
    sizing_breakers,
    trade_levels,
)
from scalplab.strategies.confluence_score import (
    LAYERS,
    LayerReading,
    agreement,
    confluence,
    tier,
)

WEIGHTS = {
    "technical": 0.35,
    "orderflow": 0.25,
    "onchain": 0.20,
    "sentiment": 0.10,
    "backtest": 0.10,
}
ALL = {"technical": 80.0, "orderflow": 60.0, "onchain": 70.0, "sentiment": 40.0, "backtest": 50.0}


def test_every_layer_present_is_the_seed_s_weighted_sum() -> None:
    result = confluence(dict(ALL), WEIGHTS, 1, None)
    # 0.35 × 80 + 0.25 × 60 + 0.20 × 70 + 0.10 × 40 + 0.10 × 50 = 66
    assert result.raw == pytest.approx(66.0)
    assert (result.penalty, result.modifier, result.score, result.missing) == (1.0, 1.0, 66, ())


def test_missing_layers_are_left_out_renormalised_and_penalised() -> None:
    present = {"technical": 80.0, "orderflow": 60.0, "onchain": None, "sentiment": None}
    result = confluence({**present, "backtest": None}, WEIGHTS, 1, None)
    assert result.raw == pytest.approx((0.35 * 80 + 0.25 * 60) / 0.60)  # 71.67
    assert result.penalty == pytest.approx(0.7)  # 1 − 0.1 × 3
    assert result.score == 50  # round(71.67 × 0.7 = 50.17)
    assert result.missing == ("onchain", "sentiment", "backtest")
    only_ta = confluence({"technical": 100.0}, WEIGHTS, -1, None)
    assert (only_ta.raw, only_ta.score) == (100.0, 60)  # four missing: × 0.6
    assert only_ta.missing == LAYERS[1:]
    nothing = confluence({}, WEIGHTS, 1, None)
    assert (nothing.raw, nothing.penalty, nothing.score) == (0.0, 0.5, 0)


def test_the_regime_modifies_longs_only_and_the_score_is_capped() -> None:
    assert confluence(dict(ALL), WEIGHTS, 1, "RISK_OFF").score == 46  # 66 × 0.7 = 46.2
    assert confluence(dict(ALL), WEIGHTS, 1, "RISK_ON").score == 73  # 66 × 1.1 = 72.6
    assert confluence(dict(ALL), WEIGHTS, -1, "RISK_OFF").score == 66
    assert confluence(dict(ALL), WEIGHTS, 1, "CHOPPY").modifier == 1.0
    top = {name: 100.0 for name in LAYERS}
    assert confluence(top, WEIGHTS, 1, "RISK_ON").score == 100  # min(100, 110)


def test_tiers_and_the_low_hours_raise() -> None:
    assert [tier(s, 80, 65, 0) for s in (80, 79, 65, 64)] == ["HIGH", "MEDIUM", "MEDIUM", None]
    # the raise lifts HIGH here; MEDIUM's raise is the low-hours breaker's (a block)
    assert [tier(s, 80, 65, 5) for s in (85, 84, 65, 64)] == ["HIGH", "MEDIUM", "MEDIUM", None]


def test_external_readings_agree_by_direction_and_decay_with_age() -> None:
    assert agreement(80.0, 1) == 80.0 and agreement(80.0, -1) == 20.0
    stale = LayerReading(80.0, freshness=0.4)
    assert stale.effective == pytest.approx(62.0)  # 50 + 30 × 0.4
    assert LayerReading(20.0, 0.2).effective == pytest.approx(44.0)
    with pytest.raises(ValueError, match=r"score must be within 0\.\.100"):
        LayerReading(101.0)
    with pytest.raises(ValueError, match=r"freshness must be within 0\.\.1"):
        LayerReading(50.0, 1.5)


LADDER = ((1.5, 2.5, 4.0), (0.4, 0.4, 0.2))


def test_the_atr_stop_and_the_ladder() -> None:
    levels = trade_levels(1, 100.0, 1.0, 1.5, 0.3, 3.0, *LADDER)
    assert levels == TradeLevels(
        98.5, ((102.25, 0.4), (103.75, 0.4), (106.0, 0.2)), 1.5, floored=False
    )
    short = trade_levels(-1, 200.0, 2.0, 1.5, 0.3, 3.0, *LADDER)
    assert short is not None
    assert short.stop == 203.0 and [p for p, _ in short.legs] == [195.5, 192.5, 188.0]


def test_the_floor_moves_the_stop_and_a_wide_stop_is_discarded() -> None:
    floored = trade_levels(1, 100.0, 0.1, 1.5, 0.3, 3.0, *LADDER)  # 0.15 % < 0.3 %
    assert floored is not None and floored.floored
    assert floored.stop == pytest.approx(99.7) and floored.stop_pct == 0.3
    assert [p for p, _ in floored.legs] == pytest.approx([100.45, 100.75, 101.2])
    assert trade_levels(1, 100.0, 2.5, 1.5, 0.3, 3.0, *LADDER) is None  # 3.75 % > 3 %
    edge = trade_levels(1, 100.0, 2.0, 1.5, 0.3, 3.0, *LADDER)  # exactly 3 %
    assert edge is not None and edge.stop == 97.0
    assert ladder_reward_risk(*LADDER) == pytest.approx(2.4)


def test_score_bands_size_the_entry() -> None:
    assert [size_factor(s) for s in (90, 85, 84.9, 75, 74.9, 65)] == [1, 1, 0.75, 0.75, 0.5, 0.5]
    assert sizing_breakers("conf") == (
        ScoreBand("conf_size_75_85", 75.0, 85.0, effect=ScaleSize(0.75)),
        ScoreBand("conf_size_0_75", 0.0, 75.0, effect=ScaleSize(0.5)),
    )
    heat = heat_breaker("conf_heat")
    assert (heat.max_pct, heat.min_free_pct, heat.scope) == (6.0, 1.0, "global")
