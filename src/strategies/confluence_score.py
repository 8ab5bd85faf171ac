"""The confluence brain of the 15m engine (seed 002 §7; FEATURES.md B.6; DECISIONS.md §4)
and its inputs from outside the market data: `ExternalLayers`.

Layers: technical (TA), order flow (OF), on-chain (OC), sentiment and macro (ST) and the
backtest score (BT), weighted 0.35 / 0.25 / 0.20 / 0.10 / 0.10 (§1.4). Each layer is
read as its agreement with the signal's direction, 0–100 with 50 neutral (a layer score
`s` above 50 bullish agrees `s` with a long and `100 − s` with a short). The score of a
direction is the weighted mean of the agreements of the layers present — a missing
layer is left out and the weights renormalised — multiplied by `1 − 0.1 × missing`
(DECISIONS.md §4: fail safe; "a score calculated from 3/4 layers should be penalized").
The five weighted inputs all count as layers, the backtest score included: without a
provider of it a signal can never be scored on the seed's full formula, and it says so.
Then §7.2 Step 4's regime modifier (longs only: RISK_OFF × 0.7, RISK_ON × 1.1; the seed
gives none for shorts) and `min(100, round(·))`. Tiers: HIGH from 80, MEDIUM from 65,
else discarded (§7.2 Step 5); Breaker 6 raises both by 5 in the low-quality hours (HIGH
here, MEDIUM by the plugin's breaker, so a signal under it is recorded as blocked).

Layers 3 and 4 and the market regime are scored from the providers' readings as of the
bar's close (`confluence_external`), the backtest score from the plugin's own closed trades
(`confluence_setups`): one record per bar, `ExternalLayers`, each layer None when missing.
A layer reading carries its `freshness` (the providers' decay: 1.0 / 0.7 / 0.4 / 0.2 for
data younger than 5 / 15 / 30 / older than 30 minutes, §5.2 Step 5); PROPOSED reading of
§7.2 Step 3's undefined `apply_freshness_penalties`: a stale reading is pulled toward
neutral, `50 + (score − 50) × freshness`. Regimes: RISK_ON, RISK_OFF and NEUTRAL (the
seed's BTC_SEASON and CHOPPY need BTC dominance and total market cap, which have no source:
`confluence_external`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

LAYERS: tuple[str, ...] = ("technical", "orderflow", "onchain", "sentiment", "backtest")
"""The confluence layers, in the order of §7.2."""

Regime = Literal["RISK_ON", "RISK_OFF", "NEUTRAL"]
RISK_OFF_LONG, RISK_ON_LONG = 0.7, 1.1
"""§7.2 Step 4: the regime modifiers of a long."""


@dataclass(frozen=True, slots=True)
class LayerReading:
    """One external layer at a bar's close: its score (0–100, 50 neutral, above 50
    bullish), the providers' freshness factor (0–1) and its reasons, best first."""

    score: float
    freshness: float = 1.0
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (math.isfinite(self.score) and 0 <= self.score <= 100):
            raise ValueError(f"a layer score must be within 0..100, not {self.score!r}")
        if not (math.isfinite(self.freshness) and 0 <= self.freshness <= 1):
            raise ValueError(f"a layer freshness must be within 0..1, not {self.freshness!r}")

    @property
    def effective(self) -> float:
        """The score pulled toward 50 by its staleness."""
        return 50.0 + (self.score - 50.0) * self.freshness


@dataclass(frozen=True, slots=True)
class ExternalLayers:
    """Layers 3 and 4, the backtest score and the market regime at one bar's close (each
    None: missing). `regime` is layer 4's market regime (§6)."""

    onchain: LayerReading | None = None
    sentiment: LayerReading | None = None
    backtest: LayerReading | None = None
    regime: Regime | None = None


@dataclass(frozen=True, slots=True)
class Confluence:
    """The score of one direction and how it was reached."""

    raw: float
    """Weighted mean agreement of the layers present."""
    penalty: float
    """`1 − 0.1 × missing`."""
    modifier: float
    """The regime modifier (1 when none applies)."""
    score: int
    missing: tuple[str, ...]
    agreements: dict[str, float] = field(default_factory=dict)


def agreement(layer_score: float, direction: int) -> float:
    """A directional layer score's agreement with `direction` (+1 long, −1 short)."""
    return layer_score if direction > 0 else 100.0 - layer_score


def confluence(
    agreements: dict[str, float | None],
    weights: dict[str, float],
    direction: int,
    regime: Regime | None,
    per_missing: float = 0.1,
) -> Confluence:
    """The confluence score of `direction` from each layer's agreement (None: missing)."""
    present = {name: value for name, value in agreements.items() if value is not None}
    missing = tuple(name for name in LAYERS if agreements.get(name) is None)
    total = sum(weights[name] for name in present)
    raw = sum(weights[name] * value for name, value in present.items()) / total if total else 0.0
    penalty = max(0.0, 1.0 - per_missing * len(missing))
    modifier = 1.0
    if direction > 0 and regime == "RISK_OFF":
        modifier = RISK_OFF_LONG
    elif direction > 0 and regime == "RISK_ON":
        modifier = RISK_ON_LONG
    score = min(100, round(raw * penalty * modifier))
    return Confluence(raw, penalty, modifier, score, missing, present)


def tier(score: float, high: float, medium: float, raise_by: float) -> str | None:
    """HIGH (from `high + raise_by`), MEDIUM (from `medium`) or None (discarded). The
    low-hours raise of MEDIUM is Breaker 6's (`UtcHours` + `RaiseThreshold` in the plugin):
    a signal under it reaches the gate and is recorded blocked, as §9 wants a block
    logged."""
    if score >= high + raise_by:
        return "HIGH"
    if score >= medium:
        return "MEDIUM"
    return None


__all__ = [
    "LAYERS",
    "RISK_OFF_LONG",
    "RISK_ON_LONG",
    "Confluence",
    "ExternalLayers",
    "LayerReading",
    "Regime",
    "agreement",
    "confluence",
    "tier",
]
