"""Layer 2 of the 15m confluence engine (seed 002 §4; FEATURES.md B.3): order flow and
microstructure sub-scores from the bar's `BarFeatures` (`self.market`), as `Sides`.

Each returns None when its data is missing for the bar (not declared, not recorded, a
degraded run): the layer is the weighted mean of the sub-scores present (weights
renormalised), and missing when none is. What the seed describes but the per-bar
features cannot give is missing by construction and said so: spoofing (orders that
appear and vanish within 5 s need the book's history between snapshots), the thin-book
boost (no baseline given) and liquidation-level proximity (no formula given).
Timing: the features are the 15m bar's (flow over the bar, book and open interest at its
close) where the seed reads a rolling 5-minute trade window at the close.
"""

from __future__ import annotations

from scalplab.data.features import BarFeatures
from scalplab.strategies.confluence_layers import (
    Sides,
    clamp,
    directional,
    interp,
)

FLOW_WEIGHTS: dict[str, float] = {
    "book_imbalance": 0.25,
    "trade_flow": 0.30,
    "large_orders": 0.15,
    "funding_rate": 0.15,
    "open_interest": 0.10,
    "spoof_penalty": 0.05,
}
"""§4.2 Step 4 (sum 1.00)."""

ALWAYS_MISSING = ("spoof_penalty",)
"""Sub-scores the per-bar features cannot give (see the module docstring)."""

WALL_BONUS = 15.0
"""§4.2 Step 1 #2: a large bid wall near the price +15 for the long, an ask wall +15 for
the short."""


def book_imbalance_score(market: BarFeatures) -> Sides | None:
    """§4.2 Step 1: `bid / (bid + ask)` over the top 10 levels: > 0.6 = 70–90 (buying),
    < 0.4 = 70–90 for shorts, 0.45–0.55 = neutral. PROPOSED: 70 at 0.6 → 90 at 0.8,
    linear through the seed's gaps (0.55–0.60 from 50 to 70, mirrored); a bid wall
    within the features' wall range adds 15, an ask wall takes 15 (walls: a level over
    5× the mean level size, §4.2 Step 1 #2)."""
    ask_share = market.depth_imbalance
    if ask_share is None:
        return None
    bid_share = 1.0 - ask_share
    bull = interp(bid_share, (0.2, 0.4, 0.45, 0.55, 0.6, 0.8), (10.0, 30.0, 50.0, 50.0, 70.0, 90.0))
    if market.bid_wall_qty is not None:
        bull += WALL_BONUS
    if market.ask_wall_qty is not None:
        bull -= WALL_BONUS
    return directional(bull)


def bid_share(market: BarFeatures) -> float | None:
    """The bid share of the top levels (the seed's imbalance ratio)."""
    return None if market.depth_imbalance is None else 1.0 - market.depth_imbalance


def taker_buy_ratio(market: BarFeatures) -> float | None:
    """Taker buy volume / taker volume of the bar (None without flow or volume)."""
    buy, sell = market.taker_buy_volume, market.taker_sell_volume
    if buy is None or sell is None or buy + sell <= 0:
        return None
    return buy / (buy + sell)


def trade_flow_score(market: BarFeatures) -> Sides | None:
    """§4.2 Step 2 #1: buy ratio > 0.6 = 70–85, > 0.75 = 85–95 (stated for longs; the
    flip gives shorts). PROPOSED: 50 at 0.5 → 70 at 0.6 → 85 at 0.75 → 95 at 1.0, mirrored."""
    ratio = taker_buy_ratio(market)
    if ratio is None:
        return None
    return directional(
        interp(
            ratio,
            (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0),
            (5.0, 15.0, 30.0, 50.0, 70.0, 85.0, 95.0),
        )
    )


def large_orders_score(market: BarFeatures, multiple: float) -> Sides | None:
    """§4.2 Step 2 #2: trades over 3× the average trade size; "many large buys" = 80–95.
    PROPOSED (the features give the bar's sweeps and its largest trade, not every large
    trade): with sweeps, their buy share scored like the trade flow (50 → 95); without,
    the largest trade at ≥ `multiple` × the bar's mean aggregate-trade size scores 80 for
    its side (20 against); otherwise neutral."""
    buys, sells = market.buy_sweeps, market.sell_sweeps
    if buys is not None and sells is not None and buys + sells > 0:
        share = buys / (buys + sells)
        return directional(interp(share, (0.0, 0.5, 1.0), (5.0, 50.0, 95.0)))
    counts = (market.taker_buy_count, market.taker_sell_count)
    volumes = (market.taker_buy_volume, market.taker_sell_volume)
    largest, side = market.largest_trade_qty, market.largest_trade_side
    if None in counts or None in volumes or largest is None or side is None:
        return None
    trades = (counts[0] or 0) + (counts[1] or 0)
    volume = (volumes[0] or 0.0) + (volumes[1] or 0.0)
    if trades <= 0 or volume <= 0:
        return None
    if largest < multiple * volume / trades:
        return directional(50.0)
    return directional(80.0 if side == "buy" else 20.0)


def funding_score(rate: float | None, extreme: float, neutral: float) -> Sides | None:
    """§4.2 Step 3 #1 (rates are fractions: 0.0005 = 0.05 %): > +0.05 % = 30 for longs
    and 80 for shorts; < −0.05 % = 80 for longs and 30 for shorts; −0.01..+0.01 % = 50.
    PROPOSED: linear in the gap between 0.01 % and 0.05 % (FEATURES.md B.14 #18)."""
    if rate is None:
        return None
    magnitude = abs(rate)
    crowded = interp(magnitude, (neutral, extreme), (0.0, 1.0))
    with_crowd, against = 50.0 - 20.0 * crowded, 50.0 + 30.0 * crowded
    if rate > 0:
        return Sides(with_crowd, against)
    if rate < 0:
        return Sides(against, with_crowd)
    return Sides(50.0, 50.0)


def open_interest_score(
    oi_change_pct: float | None, price_change_pct: float, full_pct: float
) -> Sides | None:
    """§4.2 Step 3 #2 (qualitative only): OI up with the price up = new longs
    (confirmation), OI up with the price down = new shorts (bearish), OI down while the
    price moves = positions closing (weakening). PROPOSED numbers: OI rising scores 50 ±
    20 × min(|OI change| / `full_pct`, 1) toward the price's move; OI falling scores 5 ×
    that against the move; an unchanged price is neutral."""
    if oi_change_pct is None:
        return None
    strength = min(abs(oi_change_pct) / full_pct, 1.0)
    move = 1 if price_change_pct > 0 else -1 if price_change_pct < 0 else 0
    if move == 0 or oi_change_pct == 0:
        return directional(50.0)
    step = 20.0 * strength if oi_change_pct > 0 else -5.0 * strength
    return directional(clamp(50.0 + step * move))


def oi_change_pct(market: BarFeatures) -> float | None:
    """The open interest's change over the bar, in % of its value before the bar."""
    oi, change = market.open_interest, market.open_interest_change
    if oi is None or change is None or oi - change <= 0:
        return None
    return change / (oi - change) * 100.0


__all__ = [
    "ALWAYS_MISSING",
    "FLOW_WEIGHTS",
    "WALL_BONUS",
    "bid_share",
    "book_imbalance_score",
    "funding_score",
    "large_orders_score",
    "oi_change_pct",
    "open_interest_score",
    "taker_buy_ratio",
    "trade_flow_score",
]
