"""Trade analytics of a finished run (issue 13): per position, per side, per period.

Computed once, when the result is built (`build_result`), from the run's own trades,
signals, equity curve and candles — the stored result keeps no candles, so a result stored
before analytics existed has none (`analytics` null), never an estimate.

Definitions:
- Positions are the gates' (`scalplab.orders.gates.position_details`): a take-profit ladder's
  legs are one position, its P&L their net sum; R = P&L / initial risk (None without a
  known stop); entry reasons are those of the accepted signal that opened it.
- Duration = exit bar's open − entry bar's open, in minutes.
- Return % = P&L / notional at entry (quantity × quantity-weighted entry fill) × 100.
- MAE / MFE: the most adverse / favourable price reached over the bars from the entry bar
  to the exit bar inclusive (their high and low; the exit bar's whole range counts), as a
  non-negative % of the entry fill, and in R (that price distance / |entry − initial stop|;
  None without a stop). None when the candles do not cover the position.
- Long vs short: per side, positions, wins (P&L > 0), win rate %, net P&L and mean R over
  positions with an R (None when none).
- Daily / monthly returns (UTC): the equity at the period's last bar over the equity at the
  period's start (the previous period's last equity; the initial capital for the first) − 1,
  in %, with the P&L in USDT.
- Underwater: drawdown % below the running equity peak (≤ 0) per equity point, downsampled
  to at most `MAX_UNDERWATER_POINTS`: the curve cut into equal runs of points, each run
  kept as its deepest point (so the maximum drawdown is always kept).
- P&L histogram: positions' net P&L in `ceil(√n)` (at most `MAX_BINS`) equal-width bins from
  the lowest to the highest P&L, the last bin closed; one bin when every P&L is equal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from scalplab.orders.gates import PositionDetail, position_details
from scalplab.orders.models import SignalRecord, Trade, fields_dict
from scalplab.timeutil import iso_ms

MAX_UNDERWATER_POINTS = 1_000
MAX_BINS = 30
_MINUTE_MS = 60_000
_DAY_S = 86_400
_DAY_MS = _DAY_S * 1000


@dataclass(frozen=True, slots=True)
class PositionStats:
    """One position's analytics (times ISO-8601 UTC; `legs` its trade records)."""

    side: str
    entry_time: str
    exit_time: str
    entry_price: float
    qty: float
    legs: int
    pnl: float
    return_pct: float | None
    r: float | None
    duration_min: float
    mae_pct: float | None
    mfe_pct: float | None
    mae_r: float | None
    mfe_r: float | None
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class SideSplit:
    """One side's positions: count, wins, win rate %, net P&L, mean R."""

    side: str
    positions: int
    wins: int
    win_rate: float | None
    net_pnl: float
    avg_r: float | None


@dataclass(frozen=True, slots=True)
class PeriodReturn:
    """One UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`) of the equity curve."""

    period: str
    start_equity: float
    end_equity: float
    pnl: float
    return_pct: float | None


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Positions whose net P&L is in `[low, high)` (the last bin closed)."""

    low: float
    high: float
    count: int


@dataclass(frozen=True, slots=True)
class Analytics:
    """A run's trade analytics (see the module's definitions)."""

    positions: list[PositionStats]
    sides: list[SideSplit]
    daily: list[PeriodReturn]
    monthly: list[PeriodReturn]
    underwater: list[tuple[str, float]]
    histogram: list[HistogramBin]

    def to_dict(self) -> dict[str, Any]:
        """The result's `analytics` JSON."""
        return {
            "positions": [fields_dict(p) for p in self.positions],
            "sides": [fields_dict(s) for s in self.sides],
            "daily": [fields_dict(d) for d in self.daily],
            "monthly": [fields_dict(m) for m in self.monthly],
            "underwater": [[t, v] for t, v in self.underwater],
            "histogram": [fields_dict(b) for b in self.histogram],
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _excursions(
    detail: PositionDetail, opens: np.ndarray, highs: np.ndarray, lows: np.ndarray
) -> tuple[float | None, float | None, float | None, float | None]:
    first = int(np.searchsorted(opens, detail.entry_ms, side="left"))
    last = int(np.searchsorted(opens, detail.exit_ms, side="right"))
    entry = detail.entry_price
    if last <= first or entry <= 0:
        return None, None, None, None
    high = float(highs[first:last].max())
    low = float(lows[first:last].min())
    if detail.side == "long":
        adverse, favourable = entry - low, high - entry
    else:
        adverse, favourable = high - entry, entry - low
    adverse, favourable = max(adverse, 0.0), max(favourable, 0.0)
    distance = None if detail.stop is None else abs(entry - detail.stop)
    per_r = distance if distance else None
    return (
        100.0 * adverse / entry,
        100.0 * favourable / entry,
        None if per_r is None else adverse / per_r,
        None if per_r is None else favourable / per_r,
    )


def _stats(
    detail: PositionDetail, opens: np.ndarray, highs: np.ndarray, lows: np.ndarray
) -> PositionStats:
    notional = detail.qty * detail.entry_price
    mae_pct, mfe_pct, mae_r, mfe_r = _excursions(detail, opens, highs, lows)
    return PositionStats(
        side=detail.side,
        entry_time=iso_ms(detail.entry_ms),
        exit_time=iso_ms(detail.exit_ms),
        entry_price=detail.entry_price,
        qty=detail.qty,
        legs=detail.legs,
        pnl=detail.pnl,
        return_pct=_round(100.0 * detail.pnl / notional) if notional > 0 else None,
        r=_round(detail.r),
        duration_min=(detail.exit_ms - detail.entry_ms) / _MINUTE_MS,
        mae_pct=_round(mae_pct),
        mfe_pct=_round(mfe_pct),
        mae_r=_round(mae_r),
        mfe_r=_round(mfe_r),
        reasons=list(detail.reasons),
    )


def side_split(details: Sequence[PositionDetail]) -> list[SideSplit]:
    """Long and short, in that order (a side without positions has zeros and Nones)."""
    rows = []
    for side in ("long", "short"):
        mine = [d for d in details if d.side == side]
        wins = sum(1 for d in mine if d.pnl > 0)
        rs = [r for r in (d.r for d in mine) if r is not None]
        rows.append(
            SideSplit(
                side=side,
                positions=len(mine),
                wins=wins,
                win_rate=100.0 * wins / len(mine) if mine else None,
                net_pnl=sum(d.pnl for d in mine),
                avg_r=_round(sum(rs) / len(rs)) if rs else None,
            )
        )
    return rows


def period_returns(
    equity: Sequence[tuple[int, float]], initial_capital: float, monthly: bool
) -> list[PeriodReturn]:
    """Daily or monthly returns (UTC) of an equity curve of `(ms, equity)` points."""
    fmt = "%Y-%m" if monthly else "%Y-%m-%d"
    labels: dict[int, str] = {}  # UTC day → its period, formatted once per day
    ends: dict[str, float] = {}
    for ms, value in equity:
        day = ms // _DAY_MS
        label = labels.get(day)
        if label is None:
            label = labels[day] = datetime.fromtimestamp(day * _DAY_S, UTC).strftime(fmt)
        ends[label] = value
    rows = []
    start = initial_capital
    for period, end in ends.items():
        rows.append(
            PeriodReturn(
                period=period,
                start_equity=start,
                end_equity=end,
                pnl=end - start,
                return_pct=_round(100.0 * (end / start - 1.0)) if start > 0 else None,
            )
        )
        start = end
    return rows


def underwater(
    equity: Sequence[tuple[int, float]], max_points: int = MAX_UNDERWATER_POINTS
) -> list[tuple[str, float]]:
    """Drawdown % below the running peak per point, at most `max_points` (deepest kept)."""
    if not equity:
        return []
    values = np.array([value for _, value in equity], dtype=float)
    peaks = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = np.where(peaks > 0, 100.0 * (values / peaks - 1.0), 0.0)
    count = len(values)
    runs = min(count, max_points)
    edges = np.linspace(0, count, runs + 1).astype(int)
    points = []
    for lo, hi in itertools.pairwise(edges.tolist()):
        if hi <= lo:
            continue
        index = lo + int(np.argmin(drawdown[lo:hi]))
        points.append((iso_ms(equity[index][0]), round(float(drawdown[index]), 4)))
    return points


def pnl_histogram(pnls: Sequence[float], max_bins: int = MAX_BINS) -> list[HistogramBin]:
    """Equal-width bins of positions' net P&L (see the module's definitions)."""
    if not pnls:
        return []
    low, high = min(pnls), max(pnls)
    if high == low:
        return [HistogramBin(low, high, len(pnls))]
    bins = max(1, min(max_bins, math.ceil(math.sqrt(len(pnls)))))
    width = (high - low) / bins
    counts = [0] * bins
    for pnl in pnls:
        counts[min(bins - 1, int((pnl - low) / width))] += 1
    return [
        HistogramBin(low + i * width, high if i == bins - 1 else low + (i + 1) * width, n)
        for i, n in enumerate(counts)
    ]


def compute_analytics(
    trades: Sequence[Trade],
    signals: Sequence[SignalRecord],
    equity: Sequence[tuple[int, float]],
    candles: pd.DataFrame,
    initial_capital: float,
) -> Analytics:
    """A finished run's analytics (positions in exit order)."""
    details = position_details(trades, signals)
    opens = candles["open_time"].to_numpy()
    highs = candles["high"].to_numpy(dtype=float)
    lows = candles["low"].to_numpy(dtype=float)
    return Analytics(
        positions=[_stats(d, opens, highs, lows) for d in details],
        sides=side_split(details),
        daily=period_returns(equity, initial_capital, monthly=False),
        monthly=period_returns(equity, initial_capital, monthly=True),
        underwater=underwater(equity),
        histogram=pnl_histogram([d.pnl for d in details]),
    )
