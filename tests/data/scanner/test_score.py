"""The scanner's score and ATR on hand-computed numbers (seed 002 §2.2 step 3)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scalplab.data.scanner.score import (
    ScannerParams,
    Score,
    opportunity_score,
    spread_pct,
    wilder_atr,
)
from scalplab.strategies.indicators import atr
from tests.conftest import make_settings, real_klines


def test_the_score_is_the_seeds_weighted_sum_of_four_sub_scores() -> None:
    # volume 2.5M of the 5M that scores 100 → 50; spread 0.02 % of the 0.10 % that scores 0
    # → 80; ATR 0.6 % of 1 % → 60; |−1.5 %| of 3 % → 50.
    score = opportunity_score(2_500_000, 0.02, 0.6, -1.5)
    assert (score.volume, score.spread, score.volatility, score.momentum) == pytest.approx(
        (50.0, 80.0, 60.0, 50.0)
    )
    # 0.35 × 50 + 0.25 × 80 + 0.25 × 60 + 0.15 × 50 = 17.5 + 20 + 15 + 7.5
    assert score.total == pytest.approx(60.0)


def test_each_sub_score_is_capped_at_100_and_floored_at_0() -> None:
    score = opportunity_score(12_000_000, 0.15, 1.7, 4.2)
    assert (score.volume, score.spread, score.volatility, score.momentum) == (100, 0, 100, 100)
    assert score.total == pytest.approx(0.35 * 100 + 0.25 * 0 + 0.25 * 100 + 0.15 * 100)  # 75


def test_a_thin_quiet_market_scores_low() -> None:
    # 1M → 20, 0.05 % → 50, 0.3 % → 30, 0.6 % → 20: 7 + 12.5 + 7.5 + 3
    assert opportunity_score(1_000_000, 0.05, 0.3, 0.6).total == pytest.approx(30.0)
    assert Score(0, 0, 0, 0).total == 0


def test_the_spread_is_taken_over_the_ask_as_the_seed_writes_it() -> None:
    assert spread_pct(99.9, 100.0) == pytest.approx(0.1)
    assert spread_pct(0.5810, 0.5812) == pytest.approx(0.0002 / 0.5812 * 100)


def test_wilder_atr_on_hand_computed_bars() -> None:
    high = [10, 11, 12, 11.5, 13]
    low = [9, 10, 10.5, 10, 11.5]
    close = [9.5, 10.8, 11, 10.2, 12.8]
    # true ranges of bars 1..4: 1.5, 1.5, 1.5, 2.8; seed (1.5 + 1.5 + 1.5) / 3 = 1.5 at bar 3,
    # then (1.5 × 2 + 2.8) / 3 at bar 4
    assert wilder_atr(high[:4], low[:4], close[:4], 3) == pytest.approx(1.5)
    assert wilder_atr(high, low, close, 3) == pytest.approx(5.8 / 3)
    assert math.isnan(wilder_atr(high[:3], low[:3], close[:3], 3))


@pytest.mark.parametrize("symbol", ["BTCUSDT", "SOLUSDT"])
def test_wilder_atr_equals_the_strategies_atr_on_real_15m_candles(symbol: str) -> None:
    candles = real_klines(symbol, "15m")
    for window in (15, 200, len(candles)):
        tail = candles.tail(window)
        expected = atr(tail["high"], tail["low"], tail["close"], 14)[-1]
        got = wilder_atr(tail["high"].tolist(), tail["low"].tolist(), tail["close"].tolist(), 14)
        assert got == expected  # exactly: the same sums in the same order
        assert np.isfinite(got)


def test_params_default_to_the_seed_and_come_from_the_settings(tmp_path: Path) -> None:
    defaults = ScannerParams()
    assert (defaults.min_volume_usdt, defaults.max_spread_pct, defaults.min_change_pct) == (
        500_000,
        0.10,
        0.5,
    )
    assert (defaults.min_candles, defaults.min_atr_pct, defaults.min_score) == (200, 0.3, 50)
    assert defaults.window == 200
    assert ScannerParams.from_settings(make_settings(tmp_path)) == defaults
    custom = ScannerParams.from_settings(
        make_settings(tmp_path, SCANNER_MIN_SCORE=60, SCANNER_MIN_CANDLES=15)
    )
    assert (custom.min_score, custom.min_candles, custom.window) == (60, 15, 15)
