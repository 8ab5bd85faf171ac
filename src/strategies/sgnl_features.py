"""SGNL-V2's features and its UPS score, as pure functions of one bar's inputs.

The seeds (000 §3, 001 "Scoring Algorithm (UPS)") name ten microstructure features and
seven weighted components but give almost no formula; these are the readings of
`seeds/FEATURES.md` A.1–A.3 (PROPOSED) that `seeds/DECISIONS.md` §3 adopts. Every
sub-score is 0..100 and higher always favours the SHORT (SGNL is short-only). Book
levels are quantities best-first (index 0 = the touch).

| # | feature | reading |
|---|---|---|
| F1 | ask dominance | Σask / (Σbid + Σask) over the top `levels` of depth20 (0..1) |
| F2 | bid weakness | (1 − Σbid[5:10] / Σbid[0:5]) × 100, clamped 0..100 |
| F3 | sell-wall pressure | (largest / mean of the top-10 ask sizes − 1) × 50, clamped |
| F4 | buy-wall exhaustion | the largest bid level's shrink since the last bar, % (0 if up) |
| F5 | sweep | a sell-aggressor trade ≥ k × the median notional (the feature pipeline) |
| F6 | OI divergence | OI up and price down over the lookback, scaled to 0..100 |
| F7 | funding | positive funding (longs pay) favours the short: 50 + rate / full × 50 |
| F8 | short momentum | 50 − return% / full% × 50 over the last n closes |
| F9 | VWAP distance | (close − VWAP) / VWAP × 100; shown, never weighted or gated |
| F10 | spread | (ask − bid) / mid × 100; a gate (< 0.5 %), never weighted |
| — | BTC microtrend | pump = max(5m, 60m BTC return) / full, 0..1; score 100 × (1 − pump) |

UPS = Σ weight × sub-score / 100 with the weights of 001: OI divergence 20, liquidity
pressure (mean of F3, F4) 20, order-flow imbalance (mean of F1 as %, F2) 15, sweep 15,
BTC microtrend 10, short momentum 10, funding 10.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WEIGHTS: dict[str, float] = {
    "oi_divergence": 20.0,
    "liquidity_pressure": 20.0,
    "orderflow_imbalance": 15.0,
    "sweep": 15.0,
    "btc_microtrend": 10.0,
    "short_momentum": 10.0,
    "funding": 10.0,
}
"""The seven UPS components and their weights (001, summing to 100)."""


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    """`value` bounded to [low, high] (NaN becomes `low`)."""
    if math.isnan(value):
        return low
    return max(low, min(high, value))


def ask_dominance(bids: Sequence[float], asks: Sequence[float], levels: int = 10) -> float:
    """F1: the asks' share of the top `levels` of both sides, 0..1 (0.5 on an empty book)."""
    bid, ask = math.fsum(bids[:levels]), math.fsum(asks[:levels])
    total = bid + ask
    return ask / total if total > 0 else 0.5


def bid_weakness(bids: Sequence[float]) -> float:
    """F2: how much thinner the bids at levels 6–10 are than at 1–5, 0..100."""
    near, deeper = math.fsum(bids[:5]), math.fsum(bids[5:10])
    if near <= 0:
        return 0.0
    return clamp((1.0 - deeper / near) * 100.0)


def sell_wall_pressure(asks: Sequence[float], levels: int = 10) -> float:
    """F3: how far the largest of the top ask levels stands out, 0..100 (a wall 3× the
    mean scores 100)."""
    sizes = [q for q in asks[:levels] if q > 0]
    if not sizes:
        return 0.0
    mean = math.fsum(sizes) / len(sizes)
    return clamp((max(sizes) / mean - 1.0) * 50.0)


def buy_wall_exhaustion(
    previous_bids: Sequence[float], bids: Sequence[float], price_change_pct: float
) -> float:
    """F4: the largest bid level's shrink since the previous bar close, in % of it, when the
    price did not rise meanwhile (a wall eaten without a bounce), 0..100."""
    if price_change_pct > 0 or not previous_bids or not bids:
        return 0.0
    before, now = max(previous_bids[:10]), max(bids[:10])
    if before <= 0:
        return 0.0
    return clamp((before - now) / before * 100.0)


def oi_divergence(oi_change_pct: float, price_change_pct: float, full_oi_pct: float,
                  full_price_pct: float) -> float:  # fmt: skip
    """F6: 0 unless open interest rose while the price fell; then half from each move,
    each full at `full_oi_pct` / `full_price_pct` (so 1 % OI up with 0.5 % price down
    scores 50 at full scales of 2 % and 1 %)."""
    if oi_change_pct <= 0 or price_change_pct >= 0:
        return 0.0
    oi_part = min(oi_change_pct / full_oi_pct, 1.0)
    price_part = min(-price_change_pct / full_price_pct, 1.0)
    return clamp(50.0 * oi_part + 50.0 * price_part)


def funding_score(rate: float, full_rate: float) -> float:
    """F7: 50 at zero funding, 100 at `+full_rate` (longs paying), 0 at `−full_rate`."""
    return clamp(50.0 + rate / full_rate * 50.0)


def short_momentum(return_pct: float, full_pct: float) -> float:
    """F8: 50 when flat, 100 at a fall of `full_pct` % or more, 0 at a rise as large."""
    return clamp(50.0 - return_pct / full_pct * 50.0)


def pct_change(before: float, after: float) -> float:
    """`(after − before) / before × 100` (0 when `before` is not positive)."""
    return (after - before) / before * 100.0 if before > 0 else 0.0


def btc_pump(return_5m_pct: float, return_60m_pct: float, full_pct: float) -> float:
    """The BTC pump measure: the larger of its 5m and 60m returns over `full_pct`, 0..1."""
    return clamp(max(return_5m_pct, return_60m_pct) / full_pct, 0.0, 1.0)


def spread_pct(bid: float, ask: float) -> float:
    """F10: `(ask − bid) / mid × 100` (infinite when the book is empty or crossed)."""
    mid = (bid + ask) / 2.0
    if bid <= 0 or ask <= 0 or ask < bid:
        return math.inf
    return (ask - bid) / mid * 100.0


def resistance_distance_pct(price: float, swing_highs: Sequence[float]) -> float:
    """The distance from `price` up to the nearest swing high at or above it, in %
    (infinite when there is none)."""
    above = [high for high in swing_highs if high >= price]
    return (min(above) - price) / price * 100.0 if above and price > 0 else math.inf


def stop_pct(atr_pct: float, k: float, low: float, high: float) -> float:
    """The volatility-scaled stop of DECISIONS.md §2: `clamp(k × ATR%, low, high)`."""
    return clamp(k * atr_pct, low, high)


@dataclass(frozen=True, slots=True)
class Components:
    """The seven UPS components, each 0..100 (higher favours the short)."""

    oi_divergence: float
    liquidity_pressure: float
    orderflow_imbalance: float
    sweep: float
    btc_microtrend: float
    short_momentum: float
    funding: float

    def ups(self) -> float:
        """The Unified Prediction Score, 0..100."""
        return math.fsum(getattr(self, name) * weight for name, weight in WEIGHTS.items()) / 100.0


def components(
    ask_dom: float,
    bid_weak: float,
    wall_pressure: float,
    wall_exhaustion: float,
    swept: bool,
    oi_div: float,
    funding: float,
    momentum: float,
    pump: float,
) -> Components:
    """The ten features mapped onto the seven components (FEATURES.md A.2)."""
    return Components(
        oi_divergence=oi_div,
        liquidity_pressure=(wall_pressure + wall_exhaustion) / 2.0,
        orderflow_imbalance=(clamp(ask_dom * 100.0) + bid_weak) / 2.0,
        sweep=100.0 if swept else 0.0,
        btc_microtrend=100.0 * (1.0 - pump),
        short_momentum=momentum,
        funding=funding,
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """What the entry rules look at on one bar (FEATURES.md A.3)."""

    score: float
    ask_dominance: float
    swept: bool
    oi_change_pct: float
    price_change_pct: float
    oi_divergence: float
    funding_rate: float | None
    btc_pumping: bool
    resistance_pct: float
    spread_pct: float


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The entry rules' numbers (the union of 000 §3, 000 §6 and 001; A.3 PROPOSED)."""

    min_score: float = 72.0
    min_ask_dominance: float = 0.60
    min_oi_divergence: float = 30.0
    min_funding_rate: float = 0.0
    max_resistance_pct: float = 0.25
    max_spread_pct: float = 0.5


def entry_gates(reading: Reading, limits: Thresholds) -> dict[str, bool]:
    """Each entry rule in words → whether it holds; a short needs all of them."""
    r, t = reading, limits
    return {
        f"score {r.score:.1f} ≥ {t.min_score:g}": r.score >= t.min_score,
        f"ask dominance {r.ask_dominance:.0%} ≥ {t.min_ask_dominance:.0%}": (
            r.ask_dominance >= t.min_ask_dominance
        ),
        "sell sweep": r.swept,
        f"OI {r.oi_change_pct:+.2f} % while price {r.price_change_pct:+.2f} %": (
            r.oi_change_pct > 0
            and r.price_change_pct < 0
            and r.oi_divergence >= t.min_oi_divergence
        ),
        "funding aligned": r.funding_rate is not None and r.funding_rate >= t.min_funding_rate,
        "BTC not pumping": not r.btc_pumping,
        f"resistance {r.resistance_pct:.2f} % above": r.resistance_pct < t.max_resistance_pct,
        f"spread {r.spread_pct:.3f} %": r.spread_pct < t.max_spread_pct,
    }
