"""`BarFeatures`: the market data of one closed bar, as a strategy reads it (`self.market`).

Every value is as of the bar's close and never uses data after it. A bar is the UTC
bucket `[open, open + timeframe)`, left-closed like the candles: a trade stamped exactly
at the close belongs to the next bar; a snapshot (book top, depth, mark price, open
interest, metrics) is the last one stamped before the close (at or before Binance's
kline close time, `open + timeframe - 1`). A field is None when its data was not
declared, is not available for that bar (a degraded run, no snapshot yet), or does
not exist (no wall, no trade).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

Side = Literal["buy", "sell"]


@dataclass(frozen=True, slots=True)
class BarFeatures:
    """Per-bar microstructure features (see the module docstring for the timing)."""

    # aggTrades: taker (aggressor) flow of the bar; `is_buyer_maker` False = a taker buy.
    taker_buy_volume: float | None = None
    """Base quantity bought by takers."""
    taker_sell_volume: float | None = None
    taker_buy_notional: float | None = None
    """Quote notional (price × quantity) bought by takers."""
    taker_sell_notional: float | None = None
    taker_buy_count: int | None = None
    """Aggregate trades (taker orders at one price) on the buy side."""
    taker_sell_count: int | None = None
    largest_trade_qty: float | None = None
    """Quantity of the aggregate trade with the largest notional (the first if tied)."""
    largest_trade_notional: float | None = None
    largest_trade_side: Side | None = None
    delta: float | None = None
    """Taker buy − sell volume of the bar."""
    cvd: float | None = None
    """Cumulative volume delta: the deltas of the run's bars up to this one."""
    buy_sweeps: int | None = None
    """Sweep candidates on the buy side (see `FeatureParams`)."""
    sell_sweeps: int | None = None
    buy_sweep_notional: float | None = None
    sell_sweep_notional: float | None = None
    # bookTicker: the best bid and ask at the close.
    bid: float | None = None
    ask: float | None = None
    bid_qty: float | None = None
    ask_qty: float | None = None
    spread_pct: float | None = None
    """(ask − bid) / mid × 100."""
    book_time_ms: int | None = None
    """When that book top was stamped (its transaction time)."""
    # depth20: the partial book at the close.
    depth_imbalance: float | None = None
    """Ask dominance: Σask / (Σbid + Σask) over the top `depth_levels` levels."""
    bid_depth: float | None = None
    """Σ bid quantity over the top `depth_levels` levels."""
    ask_depth: float | None = None
    bid_depth_near: float | None = None
    """Σ bid quantity over the top `depth_levels // 2` levels (the touch side of the book)."""
    ask_depth_near: float | None = None
    bid_level_max: float | None = None
    """The largest bid level quantity among the top `depth_levels`."""
    ask_level_max: float | None = None
    bid_wall_price: float | None = None
    """The largest bid wall within `wall_range_pct` % below the mid (None: no wall)."""
    bid_wall_qty: float | None = None
    bid_wall_distance_pct: float | None = None
    ask_wall_price: float | None = None
    """The largest ask wall within `wall_range_pct` % above the mid (None: no wall)."""
    ask_wall_qty: float | None = None
    ask_wall_distance_pct: float | None = None
    depth_time_ms: int | None = None
    # openInterest
    open_interest: float | None = None
    """Open interest (contracts) at the close."""
    open_interest_change: float | None = None
    """Open interest at the close − the last value before the bar opened."""
    # funding (the premium index of the markPrice stream)
    funding_rate: float | None = None
    """The funding rate as of the close (a fraction: 0.0001 = 0.01 %)."""
    next_funding_time: int | None = None
    # markPrice
    mark_price: float | None = None
    index_price: float | None = None
    # longShortRatio (the metrics archive, 5-minute rows)
    long_short_ratio: float | None = None
    """Global long/short account ratio."""
    top_trader_long_short_ratio: float | None = None
    taker_long_short_ratio: float | None = None
    # forceOrder: liquidation orders of the bar (a SELL order closes a long).
    long_liquidations: int | None = None
    short_liquidations: int | None = None
    long_liquidation_notional: float | None = None
    short_liquidation_notional: float | None = None


FEATURE_FIELDS: tuple[str, ...] = tuple(spec.name for spec in fields(BarFeatures))
"""Every field, in declaration order."""

FIELDS_OF: dict[str, tuple[str, ...]] = {
    "aggTrades": FEATURE_FIELDS[: FEATURE_FIELDS.index("bid")],
    "bookTicker": FEATURE_FIELDS[
        FEATURE_FIELDS.index("bid") : FEATURE_FIELDS.index("depth_imbalance")
    ],
    "depth20": FEATURE_FIELDS[
        FEATURE_FIELDS.index("depth_imbalance") : FEATURE_FIELDS.index("open_interest")
    ],
    "openInterest": ("open_interest", "open_interest_change"),
    "funding": ("funding_rate", "next_funding_time"),
    "markPrice": ("mark_price", "index_price"),
    "longShortRatio": (
        "long_short_ratio",
        "top_trader_long_short_ratio",
        "taker_long_short_ratio",
    ),
    "forceOrder": FEATURE_FIELDS[FEATURE_FIELDS.index("long_liquidations") :],
}
"""Declared name → the fields it fills."""

INTEGER_FIELDS = frozenset(
    {
        "taker_buy_count",
        "taker_sell_count",
        "buy_sweeps",
        "sell_sweeps",
        "book_time_ms",
        "depth_time_ms",
        "next_funding_time",
        "long_liquidations",
        "short_liquidations",
    }
)
"""Fields held as integers."""
TEXT_FIELDS = frozenset({"largest_trade_side"})

NO_FEATURES = BarFeatures()
"""Every field None: a plugin that declared nothing, or a bar before the data began."""
