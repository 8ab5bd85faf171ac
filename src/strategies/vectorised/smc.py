"""The SMC plugin's rules (`scalplab.strategies.smc`) as one compiled pass over the bars.

The rules are a sequential state machine — swings, impulse legs, fair value gaps,
structure breaks, at most one setup — so they run as a loop, in the order the plugin
runs them on each bar: gaps (3), legs (2), the break test (4, 5), the confirmation of
the swing that pivoted L bars ago (1), then the entry check (6). The machine starts
where the plugin's `generate_signal` is first called (Backtrader's minimum period:
`max(atr_period + 1, ema_period)` bars) and never depends on the trades (rule 8), so
the signals are those of a flat strategy; the plugin stays silent while it holds a
position, which `VectorSignals.quiet_in_position` tells the platform.

Candles are referred to by their bar index (−1: none). Only what decides a signal's
levels is kept: the bias, the break kind and the confidence never change one.
"""

from __future__ import annotations

import math

import numpy as np

from scalplab.strategies.vector import FloatArray, SideArray
from scalplab.strategies.vectorised.jit import compiled

ZONE_ANY = 0
ZONE_ORDER_BLOCK = 1
ZONE_GAP = 2
ZONE_MODE_CODES = {"any": ZONE_ANY, "ob": ZONE_ORDER_BLOCK, "fvg": ZONE_GAP}


@compiled
def _leg_update(
    bullish_break: bool,
    bar: int,
    opens: FloatArray,
    highs: FloatArray,
    lows: FloatArray,
    closes: FloatArray,
    leg: FloatArray,
) -> None:
    """Rule 2 for one bar: `leg` is [origin, origin bar, last opposite candle, OB]."""
    if bullish_break:
        if closes[bar] < opens[bar]:
            leg[2] = bar
        if lows[bar] <= leg[0]:
            leg[0] = lows[bar]
            leg[1] = bar
            leg[3] = leg[2]
    else:
        if closes[bar] > opens[bar]:
            leg[2] = bar
        if highs[bar] >= leg[0]:
            leg[0] = highs[bar]
            leg[1] = bar
            leg[3] = leg[2]


@compiled
def smc_signals(
    opens: FloatArray,
    highs: FloatArray,
    lows: FloatArray,
    closes: FloatArray,
    atr: FloatArray,
    ema: FloatArray,
    start: int,
    swing_length: int,
    zone_mode: int,
    zone_max_age: int,
    min_displacement: float,
    sl_atr_mult: float,
    rr: float,
    min_atr_pct: float,
    trend_filter: bool,
    longs: bool,
    shorts: bool,
) -> tuple[SideArray, FloatArray, FloatArray]:
    """Side, stop-loss and take-profit of each bar's signal (the entry is the close),
    the machine starting at bar `start`."""
    bars = len(closes)
    side = np.zeros(bars, dtype=np.int8)
    stop_out = np.full(bars, np.nan)
    target_out = np.full(bars, np.nan)
    length = swing_length
    window = 2 * length + 1
    # Structure levels: price, then the leg [origin, origin bar, last opposite, OB].
    has_high = False
    has_low = False
    high_price = 0.0
    low_price = 0.0
    high_leg = np.array([math.inf, -1.0, -1.0, -1.0])
    low_leg = np.array([-math.inf, -1.0, -1.0, -1.0])
    # The latest gap of each direction: bottom, top, first candle.
    has_bull_gap = False
    has_bear_gap = False
    bull_gap = np.zeros(3)
    bear_gap = np.zeros(3)
    # The setup: direction, break bar, zone, origin.
    has_setup = False
    setup_bullish = False
    setup_bar = -1
    zone_bottom = 0.0
    zone_top = 0.0
    setup_origin = 0.0
    for t in range(start, bars):
        seen = t - start + 1
        # (3) fair value gaps
        if has_bull_gap and lows[t] <= bull_gap[1]:
            has_bull_gap = False
        if has_bear_gap and highs[t] >= bear_gap[0]:
            has_bear_gap = False
        if seen >= 3:
            first = t - 2
            if lows[t] > highs[first]:
                has_bull_gap = True
                bull_gap[0] = highs[first]
                bull_gap[1] = lows[t]
                bull_gap[2] = first
            elif highs[t] < lows[first]:
                has_bear_gap = True
                bear_gap[0] = highs[t]
                bear_gap[1] = lows[first]
                bear_gap[2] = first
        # (2) impulse legs
        if has_high:
            _leg_update(True, t, opens, highs, lows, closes, high_leg)
        if has_low:
            _leg_update(False, t, opens, highs, lows, closes, low_leg)
        # (4, 5) structure breaks and the setup
        broke = False
        bullish = False
        leg = high_leg
        gap_ok = False
        gap = bull_gap
        if has_high and closes[t] > high_price:
            has_high = False
            broke, bullish, leg, gap_ok, gap = True, True, high_leg, has_bull_gap, bull_gap
        elif has_low and closes[t] < low_price:
            has_low = False
            broke, bullish, leg, gap_ok, gap = True, False, low_leg, has_bear_gap, bear_gap
        if broke:
            has_setup = False
            use_ob = leg[3] >= 0 and zone_mode != ZONE_GAP
            use_gap = gap_ok and gap[2] >= leg[1] and zone_mode != ZONE_ORDER_BLOCK
            if use_ob or use_gap:
                bottom = math.inf
                top = -math.inf
                if use_ob:
                    candle = int(leg[3])
                    bottom = lows[candle]
                    top = highs[candle]
                if use_gap:
                    bottom = gap[0] if gap[0] < bottom else bottom
                    top = gap[1] if gap[1] > top else top
                displacement = abs(closes[t] - leg[0]) / atr[t] if atr[t] > 0 else 0.0
                if displacement >= min_displacement:
                    has_setup = True
                    setup_bullish = bullish
                    setup_bar = t
                    zone_bottom = bottom
                    zone_top = top
                    setup_origin = leg[0]
        # (1) the swing that pivoted L bars ago
        if seen >= window:
            pivot = t - length
            first = t - 2 * length
            top_before = -math.inf
            low_before = math.inf
            for i in range(first, pivot):
                top_before = max(top_before, highs[i])
                low_before = min(low_before, lows[i])
            top_all = top_before
            low_all = low_before
            for i in range(pivot, t + 1):
                top_all = max(top_all, highs[i])
                low_all = min(low_all, lows[i])
            if highs[pivot] >= top_all and highs[pivot] > top_before:
                has_high = True
                high_price = highs[pivot]
                high_leg[0], high_leg[1], high_leg[2], high_leg[3] = math.inf, -1.0, -1.0, -1.0
                for i in range(pivot + 1, t + 1):
                    _leg_update(True, i, opens, highs, lows, closes, high_leg)
            if lows[pivot] <= low_all and lows[pivot] < low_before:
                has_low = True
                low_price = lows[pivot]
                low_leg[0], low_leg[1], low_leg[2], low_leg[3] = -math.inf, -1.0, -1.0, -1.0
                for i in range(pivot + 1, t + 1):
                    _leg_update(False, i, opens, highs, lows, closes, low_leg)
        # (6) the entry
        if not has_setup or setup_bar == t:
            continue
        if t - setup_bar > zone_max_age:
            has_setup = False
            continue
        close = closes[t]
        if setup_bullish:
            if lows[t] > zone_top:
                continue
            has_setup = False
            if close < zone_bottom or not longs:
                continue
        else:
            if highs[t] < zone_bottom:
                continue
            has_setup = False
            if close > zone_top or not shorts:
                continue
        if atr[t] / close * 100.0 < min_atr_pct:
            continue
        aligned = close > ema[t] if setup_bullish else close < ema[t]
        if trend_filter and not aligned:
            continue
        buffer = sl_atr_mult * atr[t]
        if setup_bullish:
            stop = setup_origin - buffer
            risk = close - stop
            target = close + rr * risk
        else:
            stop = setup_origin + buffer
            risk = stop - close
            target = close - rr * risk
        if risk <= 0 or stop <= 0 or target <= 0:
            continue
        side[t] = 1 if setup_bullish else -1
        stop_out[t] = stop
        target_out[t] = target
    return side, stop_out, target_out
