"""Performance metrics of a run, from its trades, equity curve and cost totals."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scalplab.orders.models import SignalRecord, Trade, fields_dict

EXIT_REASONS = ("tp", "sl", "liquidation", "end", "max_hold", "signal", "manual")
_DAY_MS = 86_400_000


def _clean(value: float | None) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def daily_returns(equity: Sequence[tuple[int, float]], initial: float) -> np.ndarray:
    """Returns of the equity at each UTC day's last bar, the first against `initial`."""
    if not equity:
        return np.empty(0)
    closes: dict[int, float] = {}
    for open_ms, value in equity:
        closes[open_ms // _DAY_MS] = value
    series = np.array([initial, *closes.values()], dtype=np.float64)
    previous = series[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.where(previous != 0, series[1:] / previous - 1.0, 0.0)
    return returns


def sharpe_sortino(
    returns: np.ndarray, periods_per_year: float = 365.0
) -> tuple[float | None, float | None]:
    """Annualised Sharpe and Sortino ratios of periodic returns (risk-free rate 0)."""
    if len(returns) < 2:
        return None, None
    mean = float(np.mean(returns))
    std = float(np.std(returns, ddof=1))
    sharpe = mean / std * math.sqrt(periods_per_year) if std > 0 else None
    downside = np.minimum(returns, 0.0)
    downside_dev = float(np.sqrt(np.mean(downside**2)))
    sortino = mean / downside_dev * math.sqrt(periods_per_year) if downside_dev > 0 else None
    return _clean(sharpe), _clean(sortino)


def max_drawdown_pct(equity: Sequence[tuple[int, float]], initial: float) -> float:
    """Largest peak-to-trough fall of the equity curve, in percent of the peak."""
    if not equity:
        return 0.0
    values = np.array([initial, *(v for _, v in equity)], dtype=np.float64)
    peaks = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdowns = np.where(peaks > 0, (peaks - values) / peaks, 0.0)
    return float(np.max(drawdowns) * 100.0)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Every metric of a run, typed; `to_dict()` is the result JSON's `metrics` object.

    Field order is the JSON key order (the result hash covers it): add fields at the end.
    """

    trades: int
    wins: int
    losses: int
    win_rate: float
    net_pnl: float
    return_pct: float
    initial_capital: float
    final_equity: float
    gross_profit: float
    gross_loss: float
    profit_factor: float | None
    expectancy: float
    avg_win: float
    avg_loss: float
    sharpe: float | None
    sortino: float | None
    max_drawdown_pct: float
    exposure_pct: float
    avg_hold_minutes: float
    exits: Mapping[str, int]
    fees: float
    slippage: float
    funding: float
    funding_default_instants: int
    signals_generated: int
    signals_accepted: int
    signals_rejected: int
    signals_blocked: int
    signals_dropped: int
    bars: int

    def to_dict(self) -> dict[str, object]:
        """The JSON form (values exactly as computed, in field order)."""
        data = fields_dict(self)
        data["exits"] = dict(self.exits)
        return data


def metrics_of(
    trades: Sequence[Trade],
    equity: Sequence[tuple[int, float]],
    signals: Sequence[SignalRecord],
    totals: dict[str, float | int],
    initial_capital: float,
    final_equity: float,
) -> Metrics:
    """Every metric of a run as a typed record."""
    pnls = [t.pnl for t in trades]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p <= 0]
    gross_profit = sum(wins)
    gross_loss = -sum(losses)
    net_pnl = final_equity - initial_capital
    holds = [(t.exit_ms - t.entry_ms) / 60_000 for t in trades]
    sharpe, sortino = sharpe_sortino(daily_returns(equity, initial_capital))
    exits: Counter[str] = Counter(t.exit_reason for t in trades)
    statuses = Counter(s.status for s in signals)
    bars = int(totals["bars"])
    return Metrics(
        trades=len(trades),
        wins=len(wins),
        losses=len(losses),
        win_rate=len(wins) / len(trades) * 100.0 if trades else 0.0,
        net_pnl=net_pnl,
        return_pct=net_pnl / initial_capital * 100.0,
        initial_capital=initial_capital,
        final_equity=final_equity,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        profit_factor=_clean(gross_profit / gross_loss) if gross_loss > 0 else None,
        expectancy=sum(pnls) / len(pnls) if pnls else 0.0,
        avg_win=sum(wins) / len(wins) if wins else 0.0,
        avg_loss=sum(losses) / len(losses) if losses else 0.0,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown_pct=max_drawdown_pct(equity, initial_capital),
        exposure_pct=int(totals["bars_in_market"]) / bars * 100.0 if bars else 0.0,
        avg_hold_minutes=sum(holds) / len(holds) if holds else 0.0,
        exits={reason: exits.get(reason, 0) for reason in EXIT_REASONS},
        fees=float(totals["fees"]),
        slippage=float(totals["slippage"]),
        funding=float(totals["funding"]),
        funding_default_instants=int(totals["funding_default_instants"]),
        signals_generated=len(signals),
        signals_accepted=statuses.get("accepted", 0),
        signals_rejected=statuses.get("rejected", 0),
        signals_blocked=statuses.get("blocked", 0),
        signals_dropped=statuses.get("dropped", 0),
        bars=bars,
    )


def compute_metrics(
    trades: Sequence[Trade],
    equity: Sequence[tuple[int, float]],
    signals: Sequence[SignalRecord],
    totals: dict[str, float | int],
    initial_capital: float,
    final_equity: float,
) -> dict[str, object]:
    """Every metric of the result JSON (`metrics`): `metrics_of(...).to_dict()`."""
    return metrics_of(trades, equity, signals, totals, initial_capital, final_equity).to_dict()


def rejections_by_reason(signals: Sequence[SignalRecord]) -> dict[str, int]:
    """Counts of rejected signals by reason, sorted by reason."""
    counts = Counter(s.reason for s in signals if s.status == "rejected")
    return dict(sorted(counts.items()))


def blocks_by_breaker(signals: Sequence[SignalRecord]) -> dict[str, int]:
    """Counts of blocked signals by circuit breaker, sorted by breaker."""
    counts = Counter(s.breaker or "" for s in signals if s.status == "blocked")
    return dict(sorted(counts.items()))
