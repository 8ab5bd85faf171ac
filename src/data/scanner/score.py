"""The scanner's thresholds and its opportunity score, exactly as seed 002 §2 writes them
(FEATURES.md B.1).

Filters: 24 h quote volume > `MIN_24H_VOLUME_USDT` (500,000), spread
`(ask − bid) / ask × 100` < `MAX_SPREAD_PCT` (0.10 %), |24 h change| > 0.5 % ("not
dead"), at least 200 closed 15m candles, ATR(14, 15m) ≥ `SCALP_MIN_VOLATILITY_ATR` (0.3;
the seed gives no unit: read as % of price, the inventory's PROPOSED reading). A pair
qualifies when it passes them all and its score is > 50.

Score (§2.2 step 3):

    volume_score     = min(100, volume_24h / 5_000_000 * 100)   # $5M = perfect
    spread_score     = max(0, 100 - spread / 0.10 * 100)
    volatility_score = min(100, atr_pct / 1.0 * 100)            # 1% ATR = perfect
    momentum_score   = min(100, abs(price_change) / 3 * 100)    # 3% move = perfect
    score = 0.35*volume + 0.25*spread + 0.25*volatility + 0.15*momentum

ATR is Wilder's, as `scalplab.strategies.indicators.atr` computes it (TA-Lib's: seeded
with the mean of the true ranges of bars 1..period, first value at bar `period`); the
data layer may not import strategies, so `wilder_atr` is its twin here, and a test holds
the two equal on real candles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scalplab.config import Settings

VOLUME_FULL_USDT = 5_000_000.0
"""24 h quote volume that scores 100."""
SPREAD_ZERO_PCT = 0.10
"""Spread (%) that scores 0."""
ATR_FULL_PCT = 1.0
"""ATR (% of price) that scores 100."""
CHANGE_FULL_PCT = 3.0
"""|24 h change| (%) that scores 100."""
WEIGHTS = {"volume": 0.35, "spread": 0.25, "volatility": 0.25, "momentum": 0.15}


@dataclass(frozen=True, slots=True)
class ScannerParams:
    """Thresholds of a scan (the seed's defaults; `SCANNER_*` settings override them)."""

    min_volume_usdt: float = 500_000.0
    """`MIN_24H_VOLUME_USDT`: a pair needs more 24 h quote volume than this."""
    max_spread_pct: float = 0.10
    """`MAX_SPREAD_PCT`: its spread must be under this (%)."""
    min_change_pct: float = 0.5
    """Its |24 h change| must be over this (%): "not dead"."""
    min_candles: int = 200
    """Closed 15m candles it must have."""
    min_atr_pct: float = 0.3
    """`SCALP_MIN_VOLATILITY_ATR`: ATR(14, 15m) as % of price, at least."""
    min_score: float = 50.0
    """Its score must be over this."""
    atr_period: int = 14
    interval: str = "15m"

    @classmethod
    def from_settings(cls, settings: Settings) -> ScannerParams:
        """The `SCANNER_*` settings."""
        return cls(
            min_volume_usdt=settings.scanner_min_volume_usdt,
            max_spread_pct=settings.scanner_max_spread_pct,
            min_change_pct=settings.scanner_min_change_pct,
            min_candles=settings.scanner_min_candles,
            min_atr_pct=settings.scanner_min_atr_pct,
            min_score=settings.scanner_min_score,
        )

    @property
    def window(self) -> int:
        """Closed candles a scan reads per symbol (ATR is taken over exactly these)."""
        return max(self.min_candles, self.atr_period + 1)


@dataclass(frozen=True, slots=True)
class Score:
    """The opportunity score and its four sub-scores (each 0–100)."""

    volume: float
    spread: float
    volatility: float
    momentum: float

    @property
    def total(self) -> float:
        """`0.35 × volume + 0.25 × spread + 0.25 × volatility + 0.15 × momentum`."""
        return (
            WEIGHTS["volume"] * self.volume
            + WEIGHTS["spread"] * self.spread
            + WEIGHTS["volatility"] * self.volatility
            + WEIGHTS["momentum"] * self.momentum
        )


def opportunity_score(
    volume_24h: float, spread_pct: float, atr_pct: float, price_change_pct: float
) -> Score:
    """Seed 002 §2.2 step 3 (see the module docstring)."""
    return Score(
        volume=min(100.0, volume_24h / VOLUME_FULL_USDT * 100.0),
        spread=max(0.0, 100.0 - spread_pct / SPREAD_ZERO_PCT * 100.0),
        volatility=min(100.0, atr_pct / ATR_FULL_PCT * 100.0),
        momentum=min(100.0, abs(price_change_pct) / CHANGE_FULL_PCT * 100.0),
    )


def spread_pct(bid: float, ask: float) -> float:
    """`(ask − bid) / ask × 100` (the seed divides by the ask)."""
    return (ask - bid) / ask * 100.0


def wilder_atr(
    high: Sequence[float], low: Sequence[float], close: Sequence[float], period: int = 14
) -> float:
    """Wilder's ATR at the last bar (TA-Lib's seeding; NaN with `period` bars or fewer)."""
    n = len(close)
    if n <= period:
        return math.nan
    ranges = [
        max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        for i in range(1, n)
    ]
    value = 0.0
    for true_range in ranges[:period]:  # left to right, as TA-Lib (not `sum`'s compensation)
        value += true_range
    value /= period
    for true_range in ranges[period:]:
        value = (value * (period - 1) + true_range) / period
    return value
