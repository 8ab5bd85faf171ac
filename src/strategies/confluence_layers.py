"""Layer 1 of the 15m confluence engine (seed 002 §3; FEATURES.md B.2): the technical
sub-scores, their weights and the multi-timeframe multiplier.

Every sub-score is a `Sides(long, short)`: how much the indicator agrees with a long and
with a short, each 0–100 with 50 neutral. The seed gives a *directional* 0–100 scale
(0 bearish … 100 bullish) but scores some setups for the short side directly ("RSI > 70
in a downtrend = 90 (short)") and gives non-directional ones (volume); FEATURES.md B.2's
PROPOSED fix, adopted here: a directional reading `b` gives `Sides(b, 100 − b)`, a setup
scores the side it names, and the layer's *bull score* is `(long + 100 − short) / 2`.

The seed gives anchor scores only; between them the scores are PROPOSED readings
(piecewise linear, mirrored for shorts), named per function. "Uptrend" is the 15m EMA50
above the EMA200 (`trend = +1`), "downtrend" below (`−1`), none before the EMA200 exists.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Sides(NamedTuple):
    """Agreement of one reading with a long and with a short (0–100, 50 neutral)."""

    long: float
    short: float

    @property
    def bull(self) -> float:
        """The directional reading: 50 neutral, above 50 bullish."""
        return (self.long + 100.0 - self.short) / 2.0

    def side(self, direction: int) -> float:
        """The agreement with `direction` (+1 long, −1 short)."""
        return self.long if direction > 0 else self.short


NEUTRAL = Sides(50.0, 50.0)

TA_WEIGHTS: dict[str, float] = {
    "rsi": 0.12,
    "ema_structure": 0.15,
    "vwap": 0.10,
    "macd": 0.10,
    "bollinger": 0.08,
    "obv": 0.08,
    "stoch_rsi": 0.07,
    "volume": 0.15,
    "support_resistance": 0.10,
    "pattern": 0.05,
}
"""§3.2 Step 5 (sum 1.00); ATR is not scored (it sizes the stop)."""


def directional(bull: float) -> Sides:
    """A directional reading as the agreement of each side."""
    bull = clamp(bull)
    return Sides(bull, 100.0 - bull)


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    """`value` within `[low, high]`."""
    return min(high, max(low, value))


def interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    """Piecewise-linear through `(xs, ys)`, flat beyond the ends."""
    return float(np.interp(x, xs, ys))


# ----- the ten sub-scores -------------------------------------------------------------------


def rsi_score(rsi: float, trend: int) -> Sides:
    """§3.2 #1: RSI < 30 in an uptrend = 90, RSI > 70 in a downtrend = 90 for the short,
    40–60 = 50. PROPOSED: outside a trend an oversold RSI (≤ 30) leans long (60) and an
    overbought one (≥ 70) short (40); linear between 30–40 and 60–70."""
    low = 90.0 if trend > 0 else 60.0
    high = 10.0 if trend < 0 else 40.0
    return directional(interp(rsi, (30.0, 40.0, 60.0, 70.0), (low, 50.0, 50.0, high)))


def ema_score(
    fast: float, mid: float, slow: float, trend: float | None, prev_fast: float, prev_mid: float
) -> Sides:
    """§3.2 #2: EMA 9 > 21 > 50 > 200 = 95, 9 < 21 < 50 < 200 = 5, 9 just crossed above
    21 = 80. PROPOSED: just crossed below = 20; otherwise 9 above 21 = 60, below = 40
    (`trend` is the EMA200, None before it exists: no full stack then)."""
    if trend is not None and fast > mid > slow > trend:
        return directional(95.0)
    if trend is not None and fast < mid < slow < trend:
        return directional(5.0)
    if fast > mid and prev_fast <= prev_mid:
        return directional(80.0)
    if fast < mid and prev_fast >= prev_mid:
        return directional(20.0)
    if fast > mid:
        return directional(60.0)
    return directional(40.0) if fast < mid else NEUTRAL


def vwap_score(
    close: float, high: float, low: float, vwap: float, touch_pct: float, full_pct: float
) -> Sides:
    """§3.2 #3: above the VWAP = 60–80 by distance, at the VWAP ("bounce zone") = 70.
    PROPOSED: a bar whose low reaches the VWAP and closes above it within `touch_pct` %
    bounced (70), mirrored (30); otherwise 60 → 80 as the close rises 0 → `full_pct` %
    above it, 40 → 20 below it."""
    distance = (close - vwap) / vwap * 100.0
    if low <= vwap < close and distance <= touch_pct:
        return directional(70.0)
    if high >= vwap > close and -distance <= touch_pct:
        return directional(30.0)
    if distance > 0:
        return directional(60.0 + 20.0 * min(distance / full_pct, 1.0))
    if distance < 0:
        return directional(40.0 - 20.0 * min(-distance / full_pct, 1.0))
    return NEUTRAL


def macd_score(
    macd: float, signal: float, hist: float, prev_macd: float, prev_signal: float, prev_hist: float
) -> Sides:
    """§3.2 #4: MACD crossing above its signal = 75–90, a growing histogram +10.
    PROPOSED: cross above = 75, cross below = 25, above = 60, below = 40; a histogram
    growing +10, shrinking −10."""
    if macd > signal and prev_macd <= prev_signal:
        bull = 75.0
    elif macd < signal and prev_macd >= prev_signal:
        bull = 25.0
    elif macd > signal:
        bull = 60.0
    elif macd < signal:
        bull = 40.0
    else:
        bull = 50.0
    if hist > prev_hist:
        bull += 10.0
    elif hist < prev_hist:
        bull -= 10.0
    return directional(bull)


def bollinger_score(
    close: float, upper: float, lower: float, trend: int, squeeze: bool, touch: float
) -> Sides:
    """§3.2 #5: at the lower band in an uptrend = 85; a squeeze (the band width narrowing)
    = 70. PROPOSED: at the upper band in a downtrend = 15 (mirror); a squeeze scores 70
    toward the trend (30 in a downtrend, 50 without one); "at the band" is a %b within
    `touch` of it."""
    width = upper - lower
    percent_b = (close - lower) / width if width > 0 else 0.5
    if percent_b <= touch and trend > 0:
        return directional(85.0)
    if percent_b >= 1.0 - touch and trend < 0:
        return directional(15.0)
    if squeeze:
        return directional(70.0 if trend > 0 else 30.0 if trend < 0 else 50.0)
    return NEUTRAL


def obv_score(price_change: float, obv_change: float) -> Sides:
    """§3.2 #7: OBV diverging from the price = 80–90, confirming it = 60. PROPOSED: over
    the divergence window, price down and OBV up = 85, price up and OBV down = 15, both
    up = 60, both down = 40."""
    if price_change < 0 < obv_change:
        return directional(85.0)
    if price_change > 0 > obv_change:
        return directional(15.0)
    if price_change > 0 and obv_change > 0:
        return directional(60.0)
    if price_change < 0 and obv_change < 0:
        return directional(40.0)
    return NEUTRAL


def stoch_rsi_score(
    k: float, d: float, prev_k: float, prev_d: float, low: float, high: float
) -> Sides:
    """§3.2 #8: Stoch RSI under 20 and crossing up = 85. PROPOSED: over 80 and crossing
    down = 15; otherwise K above D = 55, below = 45."""
    if k < low and k > d and prev_k <= prev_d:
        return directional(85.0)
    if k > high and k < d and prev_k >= prev_d:
        return directional(15.0)
    return directional(55.0 if k > d else 45.0 if k < d else 50.0)


def volume_score(ratio: float, candle: int, spike: float, dead: float) -> Sides:
    """§3.2 #9: volume over 2× its SMA20 = 85 ("spike"), under 0.5× = 20 ("no
    participation, skip"). PROPOSED: participation runs 20 → 50 → 85 as the ratio goes
    `dead` → 1 → `spike`; at or above 1× it scores the bar's direction (`candle` +1 a
    rising bar, −1 a falling one) and `100 −` that for the other side; under 1× it is
    the same weak score for both sides (a quiet bar backs neither)."""
    participation = interp(ratio, (dead, 1.0, spike), (20.0, 50.0, 85.0))
    if ratio < 1.0:
        return Sides(participation, participation)
    if candle > 0:
        return Sides(participation, 100.0 - participation)
    if candle < 0:
        return Sides(100.0 - participation, participation)
    return NEUTRAL


def support_resistance_score(
    close: float, support: float | None, resistance: float | None, trend: int, near_pct: float
) -> Sides:
    """§3.2 #10 (pivots of the last 100 candles): within 0.3 % of support in an uptrend =
    90, within 0.3 % of resistance in a downtrend = 90 for the short. PROPOSED: near
    support otherwise = 70, near resistance otherwise = 30 (for the long)."""
    near_support = support is not None and (close - support) / close * 100.0 <= near_pct
    near_resistance = resistance is not None and (resistance - close) / close * 100.0 <= near_pct
    if near_support and near_resistance:
        return NEUTRAL
    if near_support:
        return directional(90.0 if trend > 0 else 70.0)
    if near_resistance:
        return directional(10.0 if trend < 0 else 30.0)
    return NEUTRAL


def pattern_score(long_confidence: float, short_confidence: float) -> Sides:
    """§3.2 Step 3 → the "pattern" weight: the strongest pattern of each side (confidence
    0–100) moves the score from 50 by half of it, net of the other side's."""
    net = (long_confidence - short_confidence) / 2.0
    return Sides(clamp(50.0 + net), clamp(50.0 - net))


# ----- combining -----------------------------------------------------------------------------


def weighted(scores: dict[str, Sides], weights: dict[str, float]) -> Sides:
    """The weighted mean of the scores present (weights renormalised over them)."""
    total = sum(weights[name] for name in scores)
    if total <= 0:
        return NEUTRAL
    long = sum(weights[name] * scores[name].long for name in scores) / total
    short = sum(weights[name] * scores[name].short for name in scores) / total
    return Sides(long, short)


def agreeing(scores: dict[str, Sides], direction: int, margin: float) -> int:
    """Sub-scores on `direction`'s side of 50 by at least `margin` (Reminder #5, "minimum
    3 indicators must agree", PROPOSED reading of FEATURES.md B.6)."""
    return sum(1 for sides in scores.values() if sides.side(direction) >= 50.0 + margin)


def ema_trend(fast: float | None, mid: float | None, slow: float | None) -> int:
    """A timeframe's EMA-stack direction (§3.2 Step 4 "EMA stack direction"), PROPOSED
    in steps: 9 > 21 > 50 = +2, 9 > 21 alone = +1, the mirrors −1 and −2, else 0."""
    if fast is None or mid is None:
        return 0
    if slow is not None and fast > mid > slow:
        return 2
    if slow is not None and fast < mid < slow:
        return -2
    return 1 if fast > mid else -1 if fast < mid else 0


def mtf_multiplier(direction: int, trend_1h: int, trend_5m: int, momentum_1m: int) -> float:
    """§3.2 Step 4, a filter on the confidence: all timeframes agree = 1.5, the primary
    and 1h agree = 1.2, the primary alone = 1.0, the 1h disagrees = 0.7, strongly
    disagrees = 0.5. PROPOSED (the seed defines neither): "strongly" is the 1h's full
    EMA stack against the direction, "disagrees" its EMA 9/21 against it; "all agree" is
    the 1h and the 5m with the direction and the 1m momentum too."""
    h1, m5, m1 = trend_1h * direction, trend_5m * direction, momentum_1m * direction
    if h1 <= -2:
        return 0.5
    if h1 < 0:
        return 0.7
    if h1 > 0 and m5 > 0 and m1 > 0:
        return 1.5
    if h1 > 0:
        return 1.2
    return 1.0


__all__ = [
    "NEUTRAL",
    "TA_WEIGHTS",
    "Sides",
    "agreeing",
    "bollinger_score",
    "clamp",
    "directional",
    "ema_score",
    "ema_trend",
    "interp",
    "macd_score",
    "mtf_multiplier",
    "obv_score",
    "pattern_score",
    "rsi_score",
    "stoch_rsi_score",
    "support_resistance_score",
    "volume_score",
    "vwap_score",
    "weighted",
]
