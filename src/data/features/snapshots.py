"""Per-bar features of snapshot streams (book top, depth20, mark price, open interest,
metrics) and of liquidations: pure numpy, the same for a whole run and for one bar.

A snapshot feature of a bar is read from the last snapshot stamped strictly before the
bar's close (`open + tf_ms`), i.e. at or before Binance's kline close time: never one
from after it. Liquidations are summed per bar like trades (left-closed buckets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalplab.data.features.spec import FeatureParams
from scalplab.data.features.trades import Columns, bar_bounds, segment_sums
from scalplab.data.market_store import BOOK_LEVELS


@dataclass(frozen=True, slots=True)
class Snapshots:
    """Rows of one stream in time order: `times` (epoch ms) and named value columns."""

    times: np.ndarray
    values: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.times)

    def sorted(self) -> Snapshots:
        """The same rows in time order (stable: key order within a ms)."""
        times = self.times
        if len(times) < 2 or bool(np.all(times[1:] >= times[:-1])):
            return self
        order = np.argsort(times, kind="stable")
        return Snapshots(times[order], {k: v[order] for k, v in self.values.items()})


def asof_rows(times: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """The last row stamped strictly before each moment (-1: none)."""
    return np.searchsorted(times, moments, "left") - 1


def asof(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`values[rows]` as float64, NaN where a row is -1."""
    if len(values) == 0:
        return np.full(len(rows), np.nan)
    picked: np.ndarray = values[np.maximum(rows, 0)].astype(np.float64)
    picked[rows < 0] = np.nan
    return picked


def book_top_columns(tops: Snapshots, closes: np.ndarray) -> Columns:
    """Best bid/ask, their sizes and the spread % as of each close."""
    rows = asof_rows(tops.times, closes)
    bid, ask = asof(tops.values["bid"], rows), asof(tops.values["ask"], rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = (ask - bid) / ((ask + bid) / 2) * 100
    return {
        "bid": bid,
        "ask": ask,
        "bid_qty": asof(tops.values["bid_qty"], rows),
        "ask_qty": asof(tops.values["ask_qty"], rows),
        "spread_pct": spread,
        "book_time_ms": asof(tops.times, rows),
    }


def level_matrix(depth: Snapshots, side: str, what: str) -> np.ndarray:
    """The `(rows, 20)` matrix of one side's prices or quantities (NaN: no level)."""
    return np.stack([depth.values[f"{side}_{what}_{i}"] for i in range(BOOK_LEVELS)], axis=1)


def _ordered_sum(matrix: np.ndarray) -> np.ndarray:
    """Row sums added column by column (NaN as 0): the same float for a row alone or
    among many."""
    total = np.zeros(len(matrix))
    for column in range(matrix.shape[1]):
        total = total + np.nan_to_num(matrix[:, column])
    return total


def depth_columns(depth: Snapshots, closes: np.ndarray, params: FeatureParams) -> Columns:
    """Imbalance, depth (all `depth_levels` and the nearer half), the largest level and the
    walls of the last partial book before each close."""
    rows = asof_rows(depth.times, closes)
    held = rows >= 0
    n = len(closes)
    out: Columns = {
        name: np.full(n, np.nan)
        for name in (
            "depth_imbalance", "bid_depth", "ask_depth", "bid_depth_near", "ask_depth_near",
            "bid_level_max", "ask_level_max", "bid_wall_price", "bid_wall_qty",
            "bid_wall_distance_pct", "ask_wall_price", "ask_wall_qty", "ask_wall_distance_pct",
        )
    }  # fmt: skip
    out["depth_time_ms"] = asof(depth.times, rows)
    if not held.any():
        return out
    picked = rows[held]
    sides = {
        side: (level_matrix(depth, side, "price")[picked], level_matrix(depth, side, "qty")[picked])
        for side in ("bid", "ask")
    }
    top = params.depth_levels
    bid_depth = _ordered_sum(sides["bid"][1][:, :top])
    ask_depth = _ordered_sum(sides["ask"][1][:, :top])
    levels = _ordered_sum(~np.isnan(sides["bid"][1][:, :top]) * 1.0) + _ordered_sum(
        ~np.isnan(sides["ask"][1][:, :top]) * 1.0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["depth_imbalance"][held] = ask_depth / (bid_depth + ask_depth)
        average = (bid_depth + ask_depth) / levels
        mid = (sides["bid"][0][:, 0] + sides["ask"][0][:, 0]) / 2
    out["bid_depth"][held], out["ask_depth"][held] = bid_depth, ask_depth
    near = max(top // 2, 1)
    for side in ("bid", "ask"):
        quantities = sides[side][1][:, :top]
        out[f"{side}_depth_near"][held] = _ordered_sum(quantities[:, :near])
        largest = np.max(np.where(np.isnan(quantities), -np.inf, quantities), axis=1)
        out[f"{side}_level_max"][held] = np.where(np.isinf(largest), np.nan, largest)
    for side, sign in (("bid", -1.0), ("ask", 1.0)):
        prices, quantities = sides[side]
        with np.errstate(invalid="ignore", divide="ignore"):
            distance = sign * (prices - mid[:, None]) / mid[:, None] * 100
            wall = (quantities > params.wall_multiple * average[:, None]) & (
                distance <= params.wall_range_pct
            )
        sized = np.where(wall, quantities, -np.inf)
        best = np.argmax(sized, axis=1)
        found = wall.any(axis=1)
        chosen = np.arange(len(best)), best
        picks = {"price": prices, "qty": quantities, "distance_pct": distance}
        for name, matrix in picks.items():
            values = matrix[chosen]
            column = np.full(len(best), np.nan)
            column[found] = values[found]
            out[f"{side}_wall_{name}"][held] = column
    return out


def open_interest_columns(
    interest: Snapshots, opens: np.ndarray, tf_ms: int, column: str = "open_interest"
) -> Columns:
    """Open interest as of each close and its change since the last value before the open."""
    values = interest.values[column]
    at_close = asof(values, asof_rows(interest.times, opens + tf_ms))
    at_open = asof(values, asof_rows(interest.times, opens))
    return {"open_interest": at_close, "open_interest_change": at_close - at_open}


def asof_columns(snapshots: Snapshots, closes: np.ndarray, names: dict[str, str]) -> Columns:
    """Feature ← stream column (`names`), as of each close."""
    rows = asof_rows(snapshots.times, closes)
    return {feature: asof(snapshots.values[column], rows) for feature, column in names.items()}


MARK_FIELDS = {"mark_price": "mark_price", "index_price": "index_price"}
FUNDING_FIELDS = {"funding_rate": "funding_rate", "next_funding_time": "next_funding_time"}
RATIO_FIELDS = {
    "long_short_ratio": "count_long_short_ratio",
    "top_trader_long_short_ratio": "sum_toptrader_long_short_ratio",
    "taker_long_short_ratio": "sum_taker_long_short_vol_ratio",
}
"""Feature ← stored column of the `markPrice` and `metrics` streams."""


def liquidation_columns(liquidations: Snapshots, opens: np.ndarray, tf_ms: int) -> Columns:
    """Liquidation orders per bar: a SELL order closes a long, a BUY order a short;
    notional = filled quantity × average price."""
    lo, hi = bar_bounds(liquidations.times, opens, tf_ms)
    sells = liquidations.values["sell"].astype(np.bool_)
    notional = liquidations.values["filled_quantity"] * liquidations.values["average_price"]
    sell_count = segment_sums(sells.astype(np.int64), lo, hi)
    return {
        "long_liquidations": sell_count.astype(np.float64),
        "short_liquidations": (hi - lo - sell_count).astype(np.float64),
        "long_liquidation_notional": segment_sums(np.where(sells, notional, 0.0), lo, hi),
        "short_liquidation_notional": segment_sums(np.where(sells, 0.0, notional), lo, hi),
    }
