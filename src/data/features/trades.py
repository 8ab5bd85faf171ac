"""Per-bar aggregate-trade features: pure numpy over trade arrays grouped by bar bucket.

The same functions serve the backtest (a whole run's trades at once, from the store)
and live paper trading (one bar's trades plus the trailing window, from the stream):
every sum is a numpy reduction over exactly the bar's trades (`segment_sums`), so both
paths give the same floats for the same trades, bit for bit.

A bar is `[open, open + tf_ms)`: a trade at exactly the close is the next bar's. The
sweep reference of a trade (see `FeatureParams`) uses only trades strictly before the
start of its step, which may lie before the first bar (the backtest reads the store
`sweep_window_s` + one step before the run; a live run has what it received).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalplab.data.features.spec import FeatureParams

Columns = dict[str, np.ndarray]
"""Feature name → one float64 value per bar (NaN = None)."""


@dataclass(frozen=True, slots=True)
class TradeArrays:
    """Aggregate trades in time order (the store's `aggTrade` columns that matter)."""

    times: np.ndarray
    """`transact_time`, epoch ms, int64, non-decreasing."""
    prices: np.ndarray
    quantities: np.ndarray
    buyer_maker: np.ndarray
    """True: the buyer was the maker, so the taker sold."""

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def empty(cls) -> TradeArrays:
        """No trades."""
        return cls(np.empty(0, np.int64), np.empty(0), np.empty(0), np.empty(0, dtype=np.bool_))

    def sorted(self) -> TradeArrays:
        """The same trades in time order (a stable sort keeps id order within a ms)."""
        times = self.times
        if len(times) < 2 or bool(np.all(times[1:] >= times[:-1])):
            return self
        order = np.argsort(times, kind="stable")
        return TradeArrays(
            times[order], self.prices[order], self.quantities[order], self.buyer_maker[order]
        )


def bar_bounds(times: np.ndarray, opens: np.ndarray, tf_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """`(lo, hi)`: the rows of each bar `[open, open + tf_ms)` in sorted `times`."""
    lo = np.searchsorted(times, opens, "left")
    hi = np.searchsorted(times, opens + tf_ms, "left")
    return lo, hi


def segment_sums(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """`values[lo[i]:hi[i]].sum()` for every i (0 for an empty one), one numpy reduction
    per segment, whatever else the array holds."""
    return _segment_reduce(np.add, values, lo, hi, 0)


def segment_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The maximum of each segment (NaN for an empty one)."""
    return _segment_reduce(np.maximum, values.astype(np.float64), lo, hi, np.nan)


def _segment_reduce(
    ufunc: np.ufunc, values: np.ndarray, lo: np.ndarray, hi: np.ndarray, empty: float
) -> np.ndarray:
    out = np.full(len(lo), empty, dtype=np.float64 if empty != 0 else values.dtype)
    full = hi > lo
    if not full.any():
        return out
    bounds = np.empty(2 * int(full.sum()), dtype=np.intp)
    bounds[0::2], bounds[1::2] = lo[full], hi[full]
    if bounds[-1] >= len(values):
        bounds = bounds[:-1]  # the last segment runs to the end of the array anyway
    out[full] = ufunc.reduceat(values, bounds)[0::2]
    return out


def trade_columns(
    trades: TradeArrays, opens: np.ndarray, tf_ms: int, params: FeatureParams
) -> Columns:
    """Every `aggTrades` feature of the bars opening at `opens` (sorted) but `cvd`,
    which sums the deltas over the run (`with_cvd`)."""
    times, quantities = trades.times, trades.quantities
    lo, hi = bar_bounds(times, opens, tf_ms)
    notional = trades.prices * quantities
    buy = ~trades.buyer_maker
    buy_qty, sell_qty = np.where(buy, quantities, 0.0), np.where(buy, 0.0, quantities)
    buy_notional, sell_notional = np.where(buy, notional, 0.0), np.where(buy, 0.0, notional)
    buy_volume, sell_volume = segment_sums(buy_qty, lo, hi), segment_sums(sell_qty, lo, hi)
    counts = hi - lo
    buy_count = segment_sums(buy.astype(np.int64), lo, hi)
    columns: Columns = {
        "taker_buy_volume": buy_volume,
        "taker_sell_volume": sell_volume,
        "taker_buy_notional": segment_sums(buy_notional, lo, hi),
        "taker_sell_notional": segment_sums(sell_notional, lo, hi),
        "taker_buy_count": buy_count.astype(np.float64),
        "taker_sell_count": (counts - buy_count).astype(np.float64),
        "delta": buy_volume - sell_volume,
    }
    columns.update(_largest(notional, quantities, buy, lo, hi))
    columns.update(_sweeps(trades, notional, buy, lo, hi, params))
    return columns


def with_cvd(columns: Columns, start: float = 0.0) -> Columns:
    """`columns` with `cvd`: `start` plus the running sum of the bars' deltas."""
    delta = columns["delta"]
    cvd = np.cumsum(np.concatenate(([start], delta)))[1:] if len(delta) else delta.copy()
    return {**columns, "cvd": cvd}


def _positions(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the rows of every bar in order, the bar of each of those rows)."""
    counts = hi - lo
    total = int(counts.sum())
    bars = np.repeat(np.arange(len(lo)), counts)
    starts = np.cumsum(counts) - counts
    rows = np.arange(total) + np.repeat(lo - starts, counts)
    return rows, bars


def _largest(
    notional: np.ndarray, quantities: np.ndarray, buy: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> Columns:
    top = segment_max(notional, lo, hi)
    qty = np.full(len(lo), np.nan)
    side = np.full(len(lo), np.nan)
    rows, bars = _positions(lo, hi)
    if len(rows):
        at_top = notional[rows] == top[bars]
        first_bars, first = np.unique(bars[at_top], return_index=True)
        chosen = rows[at_top][first]
        qty[first_bars] = quantities[chosen]
        side[first_bars] = np.where(buy[chosen], 1.0, -1.0)
    return {"largest_trade_qty": qty, "largest_trade_notional": top, "largest_trade_side": side}


def sweep_flags(
    trades: TradeArrays, notional: np.ndarray, first: int, last: int, params: FeatureParams
) -> np.ndarray:
    """Whether each trade of rows `first..last-1` is a sweep candidate (`FeatureParams`)."""
    times = trades.times
    if last <= first:
        return np.zeros(0, dtype=np.bool_)
    # By size: notional >= k x the median notional of the window before the trade's step.
    span = times[first:last]
    steps = span - span % params.step_ms
    firsts = np.flatnonzero(np.concatenate(([True], steps[1:] != steps[:-1])))
    starts = steps[firsts]
    low = np.searchsorted(times, starts - params.window_ms, "left")
    high = np.searchsorted(times, starts, "left")
    reference = window_medians(notional, low, high)
    per_trade = np.repeat(reference, np.diff(np.append(firsts, last - first)))
    with np.errstate(invalid="ignore"):
        by_size = notional[first:last] >= params.sweep_k * per_trade
    # By levels: one taker's trades at several prices in the same millisecond.
    flags: np.ndarray = by_size | (_levels(trades, first, last) >= params.sweep_levels)
    return flags


def window_medians(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The median of `values[low[i]:high[i]]` for every i (the mean of the two middle
    values of an even count, as `np.median`; NaN for an empty window)."""
    out = np.full(len(low), np.nan)
    partition = np.partition
    for i in np.flatnonzero(high > low).tolist():
        first = int(low[i])
        count = int(high[i]) - first
        lower, upper = (count - 1) // 2, count // 2
        part = partition(values[first : first + count], (lower, upper))
        out[i] = (part[lower] + part[upper]) / 2
    return out


def _levels(trades: TradeArrays, first: int, last: int) -> np.ndarray:
    """For each trade of rows `first..last-1`, the prices its run hit: a run is consecutive
    trades with the same time and side (price changes in the run + 1)."""
    times = trades.times
    begin = int(np.searchsorted(times, times[first], "left"))  # whole milliseconds
    end = int(np.searchsorted(times, times[last - 1], "right"))
    stamps, sides = times[begin:end], trades.buyer_maker[begin:end]
    prices = trades.prices[begin:end]
    new_run = np.ones(len(stamps), dtype=np.bool_)
    new_run[1:] = (stamps[1:] != stamps[:-1]) | (sides[1:] != sides[:-1])
    moved = np.zeros(len(stamps), dtype=np.int64)
    moved[1:] = (prices[1:] != prices[:-1]) & ~new_run[1:]
    run = np.cumsum(new_run) - 1
    levels = np.bincount(run, weights=moved).astype(np.int64) + 1
    per_row: np.ndarray = levels[run[first - begin : last - begin]]
    return per_row


def _sweeps(
    trades: TradeArrays,
    notional: np.ndarray,
    buy: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    params: FeatureParams,
) -> Columns:
    """Sweep counts and notional per bar: the candidates of the rows from the first bar's
    first trade to the last bar's last, summed per bar."""
    full = hi > lo
    first = int(lo[full].min()) if full.any() else 0
    last = int(hi[full].max()) if full.any() else 0
    flags = sweep_flags(trades, notional, first, last, params)
    local_lo = np.where(full, lo - first, 0)
    local_hi = np.where(full, hi - first, 0)
    out: Columns = {}
    for side, wanted in (("buy", True), ("sell", False)):
        picked = flags & (buy[first:last] == wanted)
        out[f"{side}_sweeps"] = segment_sums(picked.astype(np.int64), local_lo, local_hi).astype(
            np.float64
        )
        values = np.where(picked, notional[first:last], 0.0)
        out[f"{side}_sweep_notional"] = segment_sums(values, local_lo, local_hi)
    return out
