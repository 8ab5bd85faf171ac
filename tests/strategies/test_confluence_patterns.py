"""The confluence plugin's pattern detectors on hand-drawn 15m bars (the last bar is the
one that just closed): each fires on its seed shape (seed 002 §3.2 Step 3), its mirror
fires for the short, and a near miss does not."""

from __future__ import annotations

import numpy as np

from scalplab.strategies import confluence_patterns as pat
from scalplab.strategies.confluence_patterns import Levels, Pattern, Window


def window(
    bars: list[tuple[float, float, float, float]],
    volumes: list[float] | None = None,
    rsi: list[float] | None = None,
) -> Window:
    """Bars as (open, high, low, close)."""
    o, h, lo, c = (np.array(column, dtype=np.float64) for column in zip(*bars, strict=True))
    v = np.array(volumes if volumes is not None else [1.0] * len(bars), dtype=np.float64)
    r = np.array(rsi if rsi is not None else [50.0] * len(bars), dtype=np.float64)
    return Window(o, h, lo, c, v, r)


def flat(n: int, price: float = 100.0) -> list[tuple[float, float, float, float]]:
    return [(price, price + 0.5, price - 0.5, price)] * n


def test_swing_pivot_levels() -> None:
    highs = np.array([1, 2, 5, 2, 1, 2, 3, 2, 1], dtype=np.float64) + 100
    lows = highs - 1
    found = pat.levels(highs, lows, 102.5, 2)
    assert found == Levels(support=100.0, resistance=103.0)  # the nearer swing high
    assert pat.levels(highs[:3], lows[:3], 102.0, 2) == Levels(None, None)


def test_breakout_needs_the_close_through_the_level_on_volume() -> None:
    w = window([*flat(3), (100.0, 101.2, 99.8, 101.0)])
    prior = Levels(99.0, 100.5)
    assert pat.breakout(w, prior, 2.5, 2.0, 2, 0) == Pattern("breakout", 1, 90.0)
    assert pat.breakout(w, prior, 2.5, 2.0, 0, 0) == Pattern("breakout", 1, 60.0)
    assert pat.breakout(w, prior, 1.9, 2.0, 2, 0) is None  # no volume spike
    down = window([*flat(3), (100.0, 100.1, 98.5, 98.8)])
    assert pat.breakout(down, prior, 3.0, 2.0, 0, 1) == Pattern("breakout", -1, 75.0)


def test_liquidity_grab_is_a_reversal() -> None:
    # wick under support 99, body back above it, lower wick ≥ 2× body: a quick rejection
    w = window([*flat(3), (99.5, 99.8, 98.5, 99.7)])
    prior = Levels(99.0, 102.0)
    assert pat.liquidity_grab(w, prior, 2.5, 2.0) == Pattern("liquidity_grab", 1, 90.0)
    assert pat.liquidity_grab(w, prior, 1.0, 2.0) == Pattern("liquidity_grab", 1, 70.0)
    short = window([*flat(3), (101.5, 103.0, 101.0, 101.2)])
    assert pat.liquidity_grab(short, prior, 1.0, 2.0) == Pattern("liquidity_grab", -1, 70.0)
    closed_below = window([*flat(3), (99.5, 99.8, 98.5, 98.8)])
    assert pat.liquidity_grab(closed_below, prior, 2.5, 2.0) is None


def test_a_fair_value_gap_being_filled() -> None:
    bars = [
        (100.0, 101.0, 99.5, 100.8),  # i − 2: high 101
        (101.0, 104.0, 100.9, 103.8),
        (104.0, 105.0, 102.0, 104.5),  # i: low 102 > 101: a bullish gap 101–102
        (104.5, 106.0, 103.0, 105.5),  # stays above the gap
        (105.5, 105.6, 101.6, 103.0),  # trades into it, closes above its bottom
    ]
    assert pat.fair_value_gap(window(bars), 10) == Pattern("fvg", 1, 65.0)
    filled_before = [*bars[:3], (104.5, 106.0, 101.8, 105.5), bars[4]]
    assert pat.fair_value_gap(window(filled_before), 10) is None
    mirrored = [(200.0 - o, 200.0 - lo, 200.0 - h, 200.0 - c) for o, h, lo, c in bars]
    assert pat.fair_value_gap(window(mirrored), 10) == Pattern("fvg", -1, 65.0)


def test_an_order_block_retest() -> None:
    bars = [
        (100.0, 100.5, 99.0, 99.2),  # the last down bar: block 99–100.5
        (99.2, 102.0, 99.1, 101.8),
        (101.8, 103.0, 101.5, 102.8),  # closes ≥ 1 ATR (2) over the block's high
        (102.8, 103.5, 101.0, 103.0),
        (103.0, 103.2, 100.2, 101.0),  # retests into the block, closes above its low
    ]
    # bar 1's low 99.1 is inside the block: it was touched, so no fresh block
    assert pat.order_block(window(bars), 2.0, 10) is None
    bars[1] = (99.2, 102.0, 100.6, 101.8)
    assert pat.order_block(window(bars), 2.0, 10) == Pattern("order_block", 1, 60.0)
    assert pat.order_block(window(bars), 5.0, 10) is None  # no displacement of 5
    mirrored = [(200.0 - o, 200.0 - lo, 200.0 - h, 200.0 - c) for o, h, lo, c in bars]
    assert pat.order_block(window(mirrored), 2.0, 10) == Pattern("order_block", -1, 60.0)


def test_a_regular_rsi_divergence() -> None:
    lows = [105, 104, 103, 100, 103, 104, 105, 104, 103, 99, 103, 104, 105]
    bars = [(low + 1.0, low + 2.0, float(low), low + 1.0) for low in lows]
    rsi = [50.0] * len(lows)
    rsi[3], rsi[9] = 25.0, 35.0  # price: lower low; RSI: higher low
    assert pat.rsi_divergence(window(bars, rsi=rsi), 3, 5) == Pattern("rsi_divergence", 1, 65.0)
    rsi[9] = 20.0
    assert pat.rsi_divergence(window(bars, rsi=rsi), 3, 5) is None
    highs = [200 - low for low in lows]
    bars = [(high - 1.0, float(high), high - 2.0, high - 1.0) for high in highs]
    rsi = [50.0] * len(lows)
    rsi[3], rsi[9] = 75.0, 65.0
    assert pat.rsi_divergence(window(bars, rsi=rsi), 3, 5) == Pattern("rsi_divergence", -1, 65.0)


def test_ema_bounce_vwap_reclaim_and_momentum_ignition() -> None:
    w = window([*flat(2), (100.5, 101.0, 99.9, 100.8)], volumes=[1.0, 1.0, 2.0])
    assert pat.ema_bounce(w, 100.0, 1) == Pattern("ema_bounce", 1, 70.0)
    assert pat.ema_bounce(w, 100.0, -1) is None  # the 1h trend is down
    short = window([*flat(2), (99.5, 100.1, 99.0, 99.2)], volumes=[1.0, 1.0, 2.0])
    assert pat.ema_bounce(short, 100.0, -1) == Pattern("ema_bounce", -1, 70.0)
    reclaim = window([(100.0, 100.2, 99.0, 99.5), (99.5, 100.8, 99.4, 100.6)])
    assert pat.vwap_reclaim(reclaim, 100.0, 100.0, 1.5) == Pattern("vwap_reclaim", 1, 65.0)
    assert pat.vwap_reclaim(reclaim, 100.0, 100.0, 0.9) is None
    rising = [(100.0, 101.0, 99.0, 100.5), (100.5, 102.0, 100.0, 101.5)]
    rising += [(101.5, 103.0, 101.0, 102.5), (102.5, 104.0, 102.0, 103.5)]
    ignition = window(rising, volumes=[1.0, 2.0, 3.0, 4.0])
    assert pat.momentum_ignition(ignition, 3) == Pattern("momentum_ignition", 1, 65.0)
    assert pat.momentum_ignition(window(rising, volumes=[1.0, 2.0, 2.0, 4.0]), 3) is None
    falling = [(200.0 - o, 200.0 - lo, 200.0 - h, 200.0 - c) for o, h, lo, c in rising]
    assert pat.momentum_ignition(window(falling, volumes=[1.0, 2.0, 3.0, 4.0]), 3) == Pattern(
        "momentum_ignition", -1, 65.0
    )


def test_the_strongest_pattern_of_a_side() -> None:
    found = [Pattern("a", 1, 60.0), Pattern("b", -1, 90.0), Pattern("c", 1, 70.0)]
    assert pat.strongest(found, 1) == Pattern("c", 1, 70.0)
    assert pat.strongest(found, -1) == Pattern("b", -1, 90.0)
    assert pat.strongest([], 1) is None
