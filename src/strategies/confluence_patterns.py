"""The pattern detectors of the 15m confluence engine (seed 002 §3.2 Step 3; FEATURES.md
B.2), over the closed 15m bars of a `Window` (oldest first; the last bar is the one that
just closed — nothing later is ever read).

Each detector returns a `Pattern(kind, direction, confidence)` or None. The seed gives
no confidence numbers: the base confidences below are PROPOSED, and so are the bearish
mirrors of the patterns the seed describes bullish only (EMA bounce, VWAP reclaim,
momentum ignition). Support and resistance come from swing pivots
(`indicators.pivots`) of the window, as layer 1's S/R sub-score; order blocks and RSI
divergences complete the issue's list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalplab.strategies.indicators import pivots

FloatArray = npt.NDArray[np.float64]

BREAKOUT_BASE, BREAKOUT_PER_TF = 60.0, 15.0
"""Breakout: 60, +15 for each higher timeframe (1h, 5m) whose trend agrees ("higher if
multiple timeframes confirm")."""
GRAB_BASE, GRAB_SPIKE, GRAB_REJECTION = 55.0, 20.0, 15.0
"""Liquidity grab: 55, +20 with a volume spike, +15 for a quick rejection (a wick at least
twice the body)."""
FVG_FILL = 65.0
ORDER_BLOCK = 60.0
DIVERGENCE = 65.0
EMA_BOUNCE = 70.0
VWAP_RECLAIM = 65.0
MOMENTUM_IGNITION = 65.0


@dataclass(frozen=True, slots=True)
class Pattern:
    """A detected pattern: `direction` +1 (long) or −1 (short), confidence 0–100."""

    kind: str
    direction: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Levels:
    """The nearest swing-pivot support below and resistance above a price (None: none)."""

    support: float | None
    resistance: float | None


@dataclass(frozen=True, slots=True)
class Window:
    """The last closed 15m bars (oldest first) and the per-bar RSI beside them."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    rsi: FloatArray

    def __len__(self) -> int:
        return len(self.close)


def levels(high: FloatArray, low: FloatArray, price: float, span: int) -> Levels:
    """The highest confirmed pivot low under `price` and the lowest pivot high over it,
    pivots with `span` bars each side (§3.2 #10, PROPOSED pivot definition)."""
    if len(high) < 2 * span + 1:
        return Levels(None, None)
    found = pivots(high, low, span, span)
    highs = found.high[~np.isnan(found.high)]
    lows = found.low[~np.isnan(found.low)]
    above, below = highs[highs > price], lows[lows < price]
    return Levels(
        float(below.max()) if below.size else None, float(above.min()) if above.size else None
    )


def breakout(
    w: Window, prior: Levels, volume_ratio: float, spike: float, up: int, down: int
) -> Pattern | None:
    """§3.2 Step 3 #1: the close crosses the resistance (of the bars before this one) with
    volume over `spike` × its average; the mirror through support. `up` / `down`: the
    higher timeframes (0–2) whose trend is with a break up / down."""
    if volume_ratio <= spike or len(w) < 2:
        return None
    close, prev = w.close[-1], w.close[-2]
    if prior.resistance is not None and prev <= prior.resistance < close:
        return Pattern("breakout", 1, BREAKOUT_BASE + BREAKOUT_PER_TF * up)
    if prior.support is not None and prev >= prior.support > close:
        return Pattern("breakout", -1, BREAKOUT_BASE + BREAKOUT_PER_TF * down)
    return None


def liquidity_grab(w: Window, prior: Levels, volume_ratio: float, spike: float) -> Pattern | None:
    """§3.2 Step 3 #2: the wick pierces support (resistance) but the body closes back
    inside — a reversal, so a long (short); stronger with a volume spike and a quick
    rejection."""
    o, h, lo, c = w.open[-1], w.high[-1], w.low[-1], w.close[-1]
    body = abs(c - o)
    bonus = GRAB_SPIKE if volume_ratio > spike else 0.0
    if prior.support is not None and lo < prior.support < min(o, c):
        quick = (min(o, c) - lo) >= 2.0 * body
        return Pattern("liquidity_grab", 1, GRAB_BASE + bonus + (GRAB_REJECTION if quick else 0.0))
    if prior.resistance is not None and h > prior.resistance > max(o, c):
        quick = (h - max(o, c)) >= 2.0 * body
        return Pattern("liquidity_grab", -1, GRAB_BASE + bonus + (GRAB_REJECTION if quick else 0.0))
    return None


def fair_value_gap(w: Window, lookback: int) -> Pattern | None:
    """§3.2 Step 3 #3: a bullish gap `high[i−2] < low[i]` (bearish `low[i−2] > high[i]`)
    within the last `lookback` bars that no bar has filled yet is "being filled" when this
    bar trades into it and closes outside it on its far side — the newest such gap wins."""
    n = len(w)
    h, lo, c = w.high, w.low, w.close
    for i in range(n - 2, max(1, n - 1 - lookback), -1):
        after_low = lo[i + 1 : n - 1].min() if i + 1 < n - 1 else math.inf
        after_high = h[i + 1 : n - 1].max() if i + 1 < n - 1 else -math.inf
        if h[i - 2] < lo[i]:
            bottom, top = h[i - 2], lo[i]
            if after_low > top and lo[-1] <= top and c[-1] >= bottom:
                return Pattern("fvg", 1, FVG_FILL)
        if lo[i - 2] > h[i]:
            bottom, top = h[i], lo[i - 2]
            if after_high < bottom and h[-1] >= bottom and c[-1] <= top:
                return Pattern("fvg", -1, FVG_FILL)
    return None


def order_block(w: Window, atr: float, lookback: int) -> Pattern | None:
    """Order block (PROPOSED, the SMC reading): the last down bar before a move whose close
    within 3 bars rises at least one ATR over its high is a bullish block; this bar
    retesting it (its low into the block's range) and closing above the block's low is a
    long. Mirrored for the short. The newest block wins."""
    n = len(w)
    o, h, lo, c = w.open, w.high, w.low, w.close
    for j in range(n - 3, max(-1, n - 2 - lookback), -1):
        follow = c[j + 1 : min(j + 4, n - 1)]
        if not follow.size:
            continue
        bullish = c[j] < o[j] and follow.max() - h[j] >= atr
        if bullish and lo[-1] <= h[j] < lo[j + 1 : n - 1].min() and c[-1] > lo[j]:
            return Pattern("order_block", 1, ORDER_BLOCK)
        bearish = c[j] > o[j] and lo[j] - follow.min() >= atr
        if bearish and h[-1] >= lo[j] > h[j + 1 : n - 1].max() and c[-1] < h[j]:
            return Pattern("order_block", -1, ORDER_BLOCK)
    return None


def rsi_divergence(w: Window, span: int, recent: int) -> Pattern | None:
    """A regular RSI divergence (PROPOSED): the last two swing lows make a lower low in
    price but a higher low in RSI (bullish), or the last two swing highs a higher high in
    price and a lower high in RSI (bearish), the newer pivot confirmed within `recent`
    bars."""
    n = len(w)
    if n < 2 * span + 3:
        return None
    found = pivots(w.high, w.low, span, span)
    for values, prices, direction in ((found.low, w.low, 1), (found.high, w.high, -1)):
        confirmed = np.flatnonzero(~np.isnan(values))
        if len(confirmed) < 2 or confirmed[-1] < n - 1 - recent:
            continue
        first, second = confirmed[-2] - span, confirmed[-1] - span
        rsi_a, rsi_b = w.rsi[first], w.rsi[second]
        if math.isnan(rsi_a) or math.isnan(rsi_b):
            continue
        lower = prices[second] < prices[first] and rsi_b > rsi_a
        higher = prices[second] > prices[first] and rsi_b < rsi_a
        if (direction > 0 and lower) or (direction < 0 and higher):
            return Pattern("rsi_divergence", direction, DIVERGENCE)
    return None


def ema_bounce(w: Window, ema21: float, trend_1h: int) -> Pattern | None:
    """§3.2 Step 3 #4: the wick touches the EMA21 and the body stays above it, with the 1h
    trend up and the volume rising (the mirror for the short)."""
    if len(w) < 2:
        return None
    o, h, lo, c = w.open[-1], w.high[-1], w.low[-1], w.close[-1]
    rising = w.volume[-1] > w.volume[-2]
    if lo <= ema21 < min(o, c) and trend_1h > 0 and rising:
        return Pattern("ema_bounce", 1, EMA_BOUNCE)
    if h >= ema21 > max(o, c) and trend_1h < 0 and rising:
        return Pattern("ema_bounce", -1, EMA_BOUNCE)
    return None


def vwap_reclaim(w: Window, vwap: float, prev_vwap: float, volume_ratio: float) -> Pattern | None:
    """§3.2 Step 3 #5: the previous bar closed under the VWAP, this one closes back above
    it on volume (above its average); mirrored: a VWAP loss for the short."""
    if len(w) < 2 or volume_ratio <= 1.0:
        return None
    prev, close = w.close[-2], w.close[-1]
    if prev < prev_vwap and close > vwap:
        return Pattern("vwap_reclaim", 1, VWAP_RECLAIM)
    if prev > prev_vwap and close < vwap:
        return Pattern("vwap_reclaim", -1, VWAP_RECLAIM)
    return None


def momentum_ignition(w: Window, bars: int) -> Pattern | None:
    """§3.2 Step 3 #6: `bars` (3+) rising bars in a row on rising volume, each with a
    higher high and a higher low; mirrored for falling bars."""
    if len(w) < bars + 1:
        return None
    o, h, lo, c, v = (a[-bars:] for a in (w.open, w.high, w.low, w.close, w.volume))
    ph, pl = w.high[-bars - 1 : -1], w.low[-bars - 1 : -1]
    rising_volume = bool(np.all(np.diff(v) > 0))
    if not rising_volume:
        return None
    if np.all(c > o) and np.all(h > ph) and np.all(lo > pl):
        return Pattern("momentum_ignition", 1, MOMENTUM_IGNITION)
    if np.all(c < o) and np.all(h < ph) and np.all(lo < pl):
        return Pattern("momentum_ignition", -1, MOMENTUM_IGNITION)
    return None


def strongest(found: list[Pattern], direction: int) -> Pattern | None:
    """The most confident pattern of `direction` (the first listed on a tie)."""
    best: Pattern | None = None
    for pattern in found:
        if pattern.direction == direction and (
            best is None or pattern.confidence > best.confidence
        ):
            best = pattern
    return best


__all__ = [
    "Levels",
    "Pattern",
    "Window",
    "breakout",
    "ema_bounce",
    "fair_value_gap",
    "levels",
    "liquidity_grab",
    "momentum_ignition",
    "order_block",
    "rsi_divergence",
    "strongest",
    "vwap_reclaim",
]
