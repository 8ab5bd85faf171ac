"""Layers 1 and 2 of the confluence plugin, sub-score by sub-score, hand-computed: the
seed's anchor scores (seed 002 §3.2, §4.2) hit exactly, the PROPOSED interpolations
between them, and the mirrors for the short side."""

from __future__ import annotations

import pytest

from scalplab.data.features import BarFeatures
from scalplab.strategies import confluence_flow as flow
from scalplab.strategies import confluence_layers as ta
from scalplab.strategies.confluence_layers import Sides


def bull(sides: Sides) -> float:
    return round(sides.bull, 6)


def test_sides_bull_score_and_direction() -> None:
    assert Sides(80.0, 20.0).bull == 80.0
    assert Sides(20.0, 20.0).bull == 50.0  # a quiet bar backs neither side
    assert Sides(70.0, 40.0).side(1) == 70.0 and Sides(70.0, 40.0).side(-1) == 40.0
    assert ta.directional(120.0) == Sides(100.0, 0.0)


def test_rsi_anchors_with_and_without_a_trend() -> None:
    assert ta.rsi_score(25.0, 1) == Sides(90.0, 10.0)  # oversold in an uptrend = 90
    assert ta.rsi_score(75.0, -1) == Sides(10.0, 90.0)  # overbought in a downtrend = 90 short
    assert ta.rsi_score(50.0, 1) == ta.NEUTRAL and ta.rsi_score(40.0, 0) == ta.NEUTRAL
    assert ta.rsi_score(25.0, 0).long == 60.0 and ta.rsi_score(80.0, 0).long == 40.0
    assert ta.rsi_score(35.0, 1).long == 70.0  # halfway 90 → 50
    assert ta.rsi_score(65.0, -1).long == 30.0  # halfway 50 → 10


def test_ema_structure() -> None:
    assert ta.ema_score(4.0, 3.0, 2.0, 1.0, 3.9, 3.0).long == 95.0  # 9 > 21 > 50 > 200
    assert ta.ema_score(1.0, 2.0, 3.0, 4.0, 1.0, 2.0).long == 5.0  # the bear stack
    assert ta.ema_score(3.0, 2.0, 5.0, 1.0, 1.9, 2.0).long == 80.0  # just crossed above
    assert ta.ema_score(2.0, 3.0, 1.0, 5.0, 3.1, 3.0).long == 20.0  # just crossed below
    assert ta.ema_score(3.0, 2.0, 5.0, None, 3.0, 2.0).long == 60.0
    assert ta.ema_score(2.0, 3.0, 1.0, None, 2.0, 3.0).long == 40.0
    assert ta.ema_score(4.0, 3.0, 2.0, None, 4.0, 3.0).long == 60.0  # no EMA200: no stack


def test_vwap_bounce_and_distance() -> None:
    assert ta.vwap_score(100.05, 100.2, 99.9, 100.0, 0.1, 1.0).long == 70.0  # bounced
    assert ta.vwap_score(99.95, 100.1, 99.8, 100.0, 0.1, 1.0).long == 30.0  # rejected
    assert ta.vwap_score(100.5, 100.6, 100.2, 100.0, 0.1, 1.0).long == 70.0  # 60 + 20 × 0.5
    assert ta.vwap_score(102.0, 102.0, 101.0, 100.0, 0.1, 1.0).long == 80.0
    assert ta.vwap_score(99.5, 99.8, 99.4, 100.0, 0.1, 1.0).long == 30.0  # 40 − 20 × 0.5


def test_macd_cross_and_histogram_bonus() -> None:
    assert ta.macd_score(1.0, 0.5, 0.5, 0.4, 0.5, -0.1).long == 85.0  # 75 + 10
    assert ta.macd_score(0.4, 0.5, -0.1, 0.6, 0.5, 0.1).long == 15.0  # 25 − 10
    assert ta.macd_score(1.0, 0.5, 0.5, 1.0, 0.4, 0.6).long == 50.0  # above, shrinking
    assert ta.macd_score(0.4, 0.5, -0.1, 0.4, 0.5, -0.1).long == 40.0


def test_bollinger_band_touch_and_squeeze() -> None:
    assert ta.bollinger_score(90.5, 110.0, 90.0, 1, False, 0.05).long == 85.0
    assert ta.bollinger_score(109.5, 110.0, 90.0, -1, False, 0.05).long == 15.0
    assert ta.bollinger_score(90.5, 110.0, 90.0, -1, False, 0.05) == ta.NEUTRAL
    assert ta.bollinger_score(100.0, 110.0, 90.0, 1, True, 0.05).long == 70.0
    assert ta.bollinger_score(100.0, 110.0, 90.0, -1, True, 0.05).long == 30.0
    assert ta.bollinger_score(100.0, 110.0, 90.0, 0, True, 0.05) == ta.NEUTRAL


def test_obv_divergence_and_confirmation() -> None:
    assert ta.obv_score(-1.0, 5.0).long == 85.0
    assert ta.obv_score(1.0, -5.0).long == 15.0
    assert ta.obv_score(1.0, 5.0).long == 60.0
    assert ta.obv_score(-1.0, -5.0).long == 40.0
    assert ta.obv_score(0.0, 5.0) == ta.NEUTRAL


def test_stoch_rsi_crosses() -> None:
    assert ta.stoch_rsi_score(15.0, 12.0, 10.0, 11.0, 20.0, 80.0).long == 85.0
    assert ta.stoch_rsi_score(85.0, 88.0, 90.0, 89.0, 20.0, 80.0).long == 15.0
    assert ta.stoch_rsi_score(50.0, 40.0, 45.0, 40.0, 20.0, 80.0).long == 55.0
    assert ta.stoch_rsi_score(40.0, 50.0, 45.0, 50.0, 20.0, 80.0).long == 45.0


def test_volume_participation() -> None:
    assert ta.volume_score(2.5, 1, 2.0, 0.5) == Sides(85.0, 15.0)  # spike on a rising bar
    assert ta.volume_score(2.0, -1, 2.0, 0.5) == Sides(15.0, 85.0)
    assert ta.volume_score(0.4, 1, 2.0, 0.5) == Sides(20.0, 20.0)  # no participation
    assert ta.volume_score(0.75, -1, 2.0, 0.5) == Sides(35.0, 35.0)  # 20 → 50 halfway
    assert ta.volume_score(1.5, 1, 2.0, 0.5) == Sides(67.5, 32.5)  # 50 → 85 halfway
    assert ta.volume_score(3.0, 0, 2.0, 0.5) == ta.NEUTRAL


def test_support_and_resistance() -> None:
    assert ta.support_resistance_score(100.0, 99.8, 105.0, 1, 0.3).long == 90.0
    assert ta.support_resistance_score(100.0, 99.8, 105.0, 0, 0.3).long == 70.0
    assert ta.support_resistance_score(100.0, 95.0, 100.25, -1, 0.3).long == 10.0
    assert ta.support_resistance_score(100.0, 95.0, 100.25, 1, 0.3).long == 30.0
    assert ta.support_resistance_score(100.0, 99.0, 101.0, 1, 0.3) == ta.NEUTRAL
    assert ta.support_resistance_score(100.0, None, None, 1, 0.3) == ta.NEUTRAL


def test_pattern_weight_and_the_weighted_mean() -> None:
    assert ta.pattern_score(80.0, 0.0) == Sides(90.0, 10.0)
    assert ta.pattern_score(60.0, 70.0) == Sides(45.0, 55.0)
    mean = ta.weighted(
        {"rsi": Sides(90.0, 10.0), "volume": Sides(20.0, 20.0)},
        {"rsi": 0.12, "volume": 0.15, "macd": 0.10},
    )
    assert mean.long == pytest.approx((0.12 * 90 + 0.15 * 20) / 0.27)
    assert mean.short == pytest.approx((0.12 * 10 + 0.15 * 20) / 0.27)
    scores = {"a": Sides(61.0, 39.0), "b": Sides(60.0, 40.0), "c": Sides(59.0, 41.0)}
    assert ta.agreeing(scores, 1, 10.0) == 2 and ta.agreeing(scores, -1, 10.0) == 0
    assert sum(ta.TA_WEIGHTS.values()) == pytest.approx(1.0)


def test_timeframe_trends_and_the_mtf_multiplier() -> None:
    assert ta.ema_trend(3.0, 2.0, 1.0) == 2 and ta.ema_trend(3.0, 2.0, 4.0) == 1
    assert ta.ema_trend(1.0, 2.0, 3.0) == -2 and ta.ema_trend(None, 2.0, 3.0) == 0
    assert ta.mtf_multiplier(1, 2, 1, 1) == 1.5  # everything agrees
    assert ta.mtf_multiplier(1, 1, -1, 1) == 1.2  # primary + 1h
    assert ta.mtf_multiplier(1, 0, 2, 1) == 1.0  # primary alone
    assert ta.mtf_multiplier(1, -1, 2, 1) == 0.7  # 1h disagrees
    assert ta.mtf_multiplier(1, -2, 2, 1) == 0.5  # 1h strongly disagrees
    assert ta.mtf_multiplier(-1, -2, -1, -1) == 1.5 and ta.mtf_multiplier(-1, 2, -1, -1) == 0.5


# ----- layer 2 ---------------------------------------------------------------------------


def test_book_imbalance_with_walls() -> None:
    assert flow.book_imbalance_score(BarFeatures()) is None
    assert bull(flow.book_imbalance_score(BarFeatures(depth_imbalance=0.3))) == 80.0  # bid 0.7
    assert bull(flow.book_imbalance_score(BarFeatures(depth_imbalance=0.5))) == 50.0
    assert bull(flow.book_imbalance_score(BarFeatures(depth_imbalance=0.6))) == 30.0  # bid 0.4
    assert bull(flow.book_imbalance_score(BarFeatures(depth_imbalance=0.425))) == 60.0
    walled = BarFeatures(depth_imbalance=0.5, bid_wall_qty=10.0)
    assert bull(flow.book_imbalance_score(walled)) == 65.0
    both = BarFeatures(depth_imbalance=0.5, bid_wall_qty=10.0, ask_wall_qty=9.0)
    assert bull(flow.book_imbalance_score(both)) == 50.0


def test_trade_flow_buy_ratio() -> None:
    assert flow.trade_flow_score(BarFeatures(taker_buy_volume=1.0)) is None
    scored = flow.trade_flow_score(BarFeatures(taker_buy_volume=75.0, taker_sell_volume=25.0))
    assert bull(scored) == 85.0  # 0.75 → 85
    assert (
        bull(flow.trade_flow_score(BarFeatures(taker_buy_volume=6.0, taker_sell_volume=4.0)))
        == 70.0
    )
    assert (
        bull(flow.trade_flow_score(BarFeatures(taker_buy_volume=2.0, taker_sell_volume=8.0)))
        == 13.0  # the mirror of 0.8 → 87
    )


def test_large_orders_from_sweeps_or_the_largest_trade() -> None:
    assert bull(flow.large_orders_score(BarFeatures(buy_sweeps=3, sell_sweeps=1), 3.0)) == 72.5
    trades = {
        "taker_buy_count": 6,
        "taker_sell_count": 4,
        "taker_buy_volume": 6.0,
        "taker_sell_volume": 4.0,
        "buy_sweeps": 0,
        "sell_sweeps": 0,
    }
    big_sell = BarFeatures(**trades, largest_trade_qty=3.0, largest_trade_side="sell")
    assert bull(flow.large_orders_score(big_sell, 3.0)) == 20.0  # 3 ≥ 3 × 1.0
    small = BarFeatures(**trades, largest_trade_qty=2.9, largest_trade_side="buy")
    assert bull(flow.large_orders_score(small, 3.0)) == 50.0
    assert flow.large_orders_score(BarFeatures(taker_buy_volume=1.0), 3.0) is None


def test_funding_crowding_is_not_a_complement() -> None:
    assert flow.funding_score(None, 0.0005, 0.0001) is None
    assert flow.funding_score(0.0006, 0.0005, 0.0001) == Sides(30.0, 80.0)
    assert flow.funding_score(-0.0005, 0.0005, 0.0001) == Sides(80.0, 30.0)
    assert flow.funding_score(0.00005, 0.0005, 0.0001) == Sides(50.0, 50.0)
    assert flow.funding_score(0.0003, 0.0005, 0.0001) == Sides(40.0, 65.0)  # halfway


def test_open_interest_with_the_price() -> None:
    assert flow.open_interest_score(None, 1.0, 0.5) is None
    assert flow.open_interest_score(0.5, 0.2, 0.5) == Sides(70.0, 30.0)  # new longs
    assert flow.open_interest_score(0.25, -0.2, 0.5) == Sides(40.0, 60.0)  # new shorts
    assert flow.open_interest_score(-0.5, 0.2, 0.5) == Sides(45.0, 55.0)  # weakening
    assert flow.open_interest_score(0.5, 0.0, 0.5) == Sides(50.0, 50.0)
    market = BarFeatures(open_interest=1010.0, open_interest_change=10.0)
    assert flow.oi_change_pct(market) == pytest.approx(1.0)
    assert sum(flow.FLOW_WEIGHTS.values()) == pytest.approx(1.0)
