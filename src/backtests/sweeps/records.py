"""Typed records of a sweep: what to sweep, one trial to run, what a trial gave.

`TrialTask` and `TrialOutcome` cross process (and Ray) boundaries, so they hold only plain
values; the data a trial runs on is loaded by each worker once, never sent with a task.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from scalplab.backtests.sweeps.space import ParamValue
from scalplab.errors import InputError
from scalplab.orders.gates import GateCheck, PositionOutcome
from scalplab.orders.metrics import Metrics
from scalplab.orders.runs import RunRequest

Sampler = Literal["grid", "random", "tpe"]
SAMPLERS: tuple[Sampler, ...] = ("grid", "random", "tpe")
EngineName = Literal["local", "ray"]
ENGINES: tuple[EngineName, ...] = ("local", "ray")
TrialPath = Literal["fast", "backtrader"]
"""How a trial ran: the compiled screening path or the Backtrader pipeline."""
TaskKind = Literal["screen", "verify", "test"]
"""What a task asks: a screening trial (fast path when the plugin has one), a Backtrader
re-run of a screened trial compared with its fast result, or a walk-forward test window."""

OBJECTIVES: dict[str, bool] = {
    "sharpe": True,
    "sortino": True,
    "net_pnl": True,
    "return_pct": True,
    "profit_factor": True,
    "win_rate": True,
    "expectancy": True,
    "max_drawdown_pct": False,
}
"""Objectives by name, `True` when higher is better."""


def check_objective(name: str) -> str:
    """`name` if it is a known objective (`InputError` otherwise)."""
    if name not in OBJECTIVES:
        raise InputError(f"unknown objective {name!r} (one of {', '.join(OBJECTIVES)})")
    return name


@dataclass(frozen=True, slots=True)
class WalkForward:
    """Rolling windows: optimise on `train_ms`, then run the best params on the next `test_ms`."""

    train_ms: int
    test_ms: int

    def to_text(self) -> str:
        """`60d/30d`."""
        return f"{_days(self.train_ms)}/{_days(self.test_ms)}"


@dataclass(frozen=True, slots=True)
class SweepRequest:
    """A whole sweep: the base run (pair, strategy, tf, range, fixed params, risk) and how to
    search it."""

    run: RunRequest
    grid: tuple[str, ...]
    sampler: Sampler = "grid"
    trials: int | None = None
    objective: str = "sharpe"
    walk_forward: WalkForward | None = None
    engine: EngineName = "local"
    workers: int = 2
    seed: int = 42
    verify_top: int = 10
    verify_sample: int = 5
    fast_path: bool = True
    """Screen on the compiled fast path when the plugin has a vector form (False: every
    trial through Backtrader)."""


@dataclass(frozen=True, slots=True)
class Window:
    """A range of bars a trial runs on, `[start_ms, end_ms)`; `index` 0 for a plain sweep."""

    index: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class TrialTask:
    """One unit of work for a worker."""

    kind: TaskKind
    window: Window
    number: int
    """The trial's number in its window (a verification or test task: the screened trial's)."""
    params: Mapping[str, ParamValue]
    fast_path: bool = True
    """A screening task may use the fast path (when the plugin has one)."""
    in_sample: Window | None = None
    """A test task: its window's train range, where the same params also run through
    Backtrader for the in-sample go-live gates."""


@dataclass(frozen=True, slots=True)
class TrialScore:
    """The metrics a trial is ranked and shown by (the compact record that is stored)."""

    trades: int
    win_rate: float
    net_pnl: float
    return_pct: float
    max_drawdown_pct: float
    profit_factor: float | None
    sharpe: float | None
    sortino: float | None
    expectancy: float
    fees: float
    funding: float
    final_equity: float

    @classmethod
    def of(cls, metrics: Metrics) -> TrialScore:
        """The compact record of a run's metrics."""
        return cls(
            trades=metrics.trades,
            win_rate=metrics.win_rate,
            net_pnl=metrics.net_pnl,
            return_pct=metrics.return_pct,
            max_drawdown_pct=metrics.max_drawdown_pct,
            profit_factor=metrics.profit_factor,
            sharpe=metrics.sharpe,
            sortino=metrics.sortino,
            expectancy=metrics.expectancy,
            fees=metrics.fees,
            funding=metrics.funding,
            final_equity=metrics.final_equity,
        )

    def objective(self, name: str) -> float | None:
        """The objective's value; None when it cannot rank (no trade, undefined ratio)."""
        if self.trades == 0:
            return None
        value = getattr(self, name)
        return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    """A screened trial re-run through Backtrader: whether both paths agree."""

    ok: bool
    trades_fast: int
    trades_backtrader: int
    net_pnl_rel_diff: float
    first_difference: str | None


@dataclass(frozen=True, slots=True)
class TrialOutcome:
    """What one task gave: its score (None when it failed), the path it ran on, its error,
    how long it took; a verification for `verify` tasks, the equity for `test` tasks."""

    task: TrialTask
    score: TrialScore | None
    path: TrialPath
    error: str | None
    duration_ms: float
    verification: VerificationRecord | None = None
    equity: tuple[tuple[int, float], ...] = field(default_factory=tuple)
    trade_pnls: tuple[tuple[int, float], ...] = field(default_factory=tuple)
    """`(exit time ms, pnl)` of each trade (test windows: what the stitched curve needs)."""
    positions: tuple[PositionOutcome, ...] = field(default_factory=tuple)
    """Test windows: each position's P&L and initial risk (the stitched go-live gates)."""
    in_sample_gates: tuple[GateCheck, ...] = field(default_factory=tuple)
    """Test windows: the go-live gates of the same params on the train range (empty when
    that run failed)."""
    worker: str | None = None
    """Which worker ran it (`host:pid`)."""
    worker_rss_mb: float | None = None
    """The worker's peak resident memory after the task, MiB."""


def params_key(params: Mapping[str, ParamValue]) -> str:
    """A canonical text of a parameter set (the same set always gives the same key)."""
    return json.dumps(dict(sorted(params.items())), separators=(",", ":"))


def _days(ms: int) -> str:
    day = 86_400_000
    if ms % day == 0:
        return f"{ms // day}d"
    hour = 3_600_000
    return f"{ms // hour}h" if ms % hour == 0 else f"{ms // 60_000}m"
