"""Walk-forward: rolling train/test windows, the stitched out-of-sample result, and how
stable the chosen params are from window to window.

Window k trains on `[start + k·test, start + k·test + train)` and tests on the `test` that
follows; windows roll forward by the test length, so the test ranges tile the data after
the first training range without overlap. A final test range shorter than `test` is not
run (its result would not be comparable); the summary says which range was covered.
The stitched curve chains the test runs: each starts from the initial capital, and its
P&L is added to what the earlier windows ended with. Seed 002's go-live gates are computed
for the stitched result (its positions, drawdown and Sharpe) and, in sample, as the mean of
each window's best params re-run on its train range (`scalplab.orders.gates`).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from scalplab.backtests.sweeps.records import TrialOutcome, WalkForward, Window
from scalplab.backtests.sweeps.space import ParamValue
from scalplab.errors import InputError, snippet
from scalplab.orders.gates import GateCheck, evaluate, mean_gates
from scalplab.orders.metrics import daily_returns, max_drawdown_pct, sharpe_sortino

Point = TypeVar("Point")
"""A point of a curve (`compact` keeps them as they are)."""

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000}
MAX_WINDOWS = 1000


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """One window: where to optimise and, in a walk-forward, where to test."""

    index: int
    train: Window
    test: Window | None


def parse_walk_forward(text: str) -> WalkForward:
    """`60d/30d` (also hours `h` and minutes `m`)."""
    train_text, sep, test_text = text.partition("/")
    if not sep:
        raise InputError(f"--walk-forward {snippet(text)} must look like TRAIN/TEST, e.g. 60d/30d")
    return WalkForward(_duration(train_text, text), _duration(test_text, text))


def _duration(part: str, whole: str) -> int:
    match = _DURATION.match(part)
    if match is None or int(match.group(1)) <= 0:
        raise InputError(
            f"--walk-forward {snippet(whole)}: {snippet(part)} is not a positive duration "
            "like 60d, 12h or 90m"
        )
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def plan_windows(start_ms: int, end_ms: int, walk_forward: WalkForward | None) -> list[WindowPlan]:
    """The windows of a sweep over `[start_ms, end_ms)` (one window without walk-forward)."""
    if walk_forward is None:
        return [WindowPlan(0, Window(0, start_ms, end_ms), None)]
    train, test = walk_forward.train_ms, walk_forward.test_ms
    plans: list[WindowPlan] = []
    index = 0
    while start_ms + index * test + train + test <= end_ms:
        train_start = start_ms + index * test
        test_start = train_start + train
        plans.append(
            WindowPlan(
                index,
                Window(index, train_start, test_start),
                Window(index, test_start, test_start + test),
            )
        )
        index += 1
        if index > MAX_WINDOWS:
            raise InputError(
                f"--walk-forward {walk_forward.to_text()} makes over {MAX_WINDOWS} windows"
            )
    if not plans:
        raise InputError(
            f"--walk-forward {walk_forward.to_text()} needs at least "
            f"{_days(train + test)} of data, "
            f"the range has {_days(end_ms - start_ms)}"
        )
    return plans


def _days(ms: int) -> str:
    return f"{ms / 86_400_000:g} days"


@dataclass(frozen=True, slots=True)
class StitchedResult:
    """The out-of-sample test runs chained into one account."""

    equity: tuple[tuple[int, float], ...]
    trades: int
    net_pnl: float
    return_pct: float
    win_rate: float
    profit_factor: float | None
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    fees: float
    funding: float


def stitch(tests: Sequence[TrialOutcome], initial_capital: float) -> StitchedResult:
    """Chain the test windows' runs (in window order) into one out-of-sample result."""
    equity: list[tuple[int, float]] = []
    pnls: list[float] = []
    carried = 0.0
    fees = funding = 0.0
    for outcome in tests:
        for ms, value in outcome.equity:
            equity.append((ms, value + carried))
        pnls.extend(pnl for _, pnl in outcome.trade_pnls)
        if outcome.score is not None:
            carried += outcome.score.net_pnl
            fees += outcome.score.fees
            funding += outcome.score.funding
    wins = [p for p in pnls if p > 0]
    gross_loss = -sum(p for p in pnls if p <= 0)
    sharpe, sortino = sharpe_sortino(daily_returns(equity, initial_capital))
    return StitchedResult(
        equity=tuple(equity),
        trades=len(pnls),
        net_pnl=carried,
        return_pct=carried / initial_capital * 100.0,
        win_rate=len(wins) / len(pnls) * 100.0 if pnls else 0.0,
        profit_factor=sum(wins) / gross_loss if gross_loss > 0 else None,
        max_drawdown_pct=max_drawdown_pct(equity, initial_capital) if equity else 0.0,
        sharpe=sharpe,
        sortino=sortino,
        fees=fees,
        funding=funding,
    )


def out_of_sample_gates(
    tests: Sequence[TrialOutcome], stitched: StitchedResult, days: float
) -> list[GateCheck]:
    """The go-live gates of the stitched out-of-sample result: every test window's positions
    in order, the stitched curve's drawdown and Sharpe, `days` of test ranges."""
    positions = [p for outcome in tests for p in outcome.positions]
    return evaluate(positions, stitched.max_drawdown_pct, stitched.sharpe, days)


def in_sample_gates(tests: Sequence[TrialOutcome]) -> list[GateCheck]:
    """The in-sample go-live gates: the mean over the windows of their best params' gates on
    the train range (windows whose in-sample run failed are left out)."""
    return mean_gates([outcome.in_sample_gates for outcome in tests if outcome.in_sample_gates])


@dataclass(frozen=True, slots=True)
class ParamStability:
    """How one param's chosen value moved across windows."""

    name: str
    values: tuple[ParamValue, ...]
    distinct: int
    mean: float | None
    stdev: float | None
    cv: float | None
    """Coefficient of variation (stdev / |mean|): 0 = the same value in every window."""


def stability(
    names: Sequence[str], chosen: Sequence[dict[str, ParamValue]]
) -> list[ParamStability]:
    """Per swept param, the values the windows chose and their spread."""
    report: list[ParamStability] = []
    for name in names:
        values = tuple(params[name] for params in chosen if name in params)
        numbers = [
            float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        mean = stdev = cv = None
        if numbers and len(numbers) == len(values):
            mean = statistics.fmean(numbers)
            stdev = statistics.pstdev(numbers) if len(numbers) > 1 else 0.0
            cv = stdev / abs(mean) if mean != 0 and math.isfinite(mean) else None
        report.append(ParamStability(name, values, len(set(values)), mean, stdev, cv))
    return report


def compact(equity: Sequence[Point], points: int = 500) -> list[Point]:
    """At most `points` evenly spaced samples of a curve, first and last kept (what is stored)."""
    if len(equity) <= points:
        return list(equity)
    step = (len(equity) - 1) / (points - 1)
    return [equity[round(i * step)] for i in range(points)]
