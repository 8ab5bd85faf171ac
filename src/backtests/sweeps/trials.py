"""Running one trial: the worker side of a sweep, whichever engine hosts it.

A `TrialRunner` loads a window's data (candles, funding, symbol rules) from the stores the
first time a task needs it and keeps it for every later trial on that window, so a worker
reads Parquet once per window, never once per trial, and nothing but the task crosses
the process boundary. A trial on a window is exactly `scalplab backtest` over that window
with those params: the same `prepare_run`, the same pipeline.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping

from scalplab.backtests.fast import FastPathUnsupported, run_fast, verify
from scalplab.backtests.runner import RunBooks, execute
from scalplab.backtests.sweeps.records import (
    TrialOutcome,
    TrialPath,
    TrialScore,
    TrialTask,
    VerificationRecord,
    Window,
)
from scalplab.backtests.sweeps.space import ParamValue
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.orders.gates import GateCheck, evaluate, positions_of
from scalplab.orders.metrics import Metrics, metrics_of
from scalplab.orders.results import build_result
from scalplab.orders.runs import PreparedRun, RunRequest, prepare_run, run_settings
from scalplab.strategies.registry import Registry, get_registry
from scalplab.strategies.vector import CandleArrays
from scalplab.timeutil import from_ms

MAX_ERROR_CHARS = 500
"""Longest error text stored with a failed trial."""
_DAY_MS = 86_400_000

log = logging.getLogger(__name__)


class TrialRunner:
    """Runs trials of one base request (its properties in force); holds each window's
    loaded data."""

    def __init__(self, base: RunRequest, settings: Settings, registry: Registry | None = None):
        self.base = base
        self.settings = run_settings(settings, base)
        self.registry = registry or get_registry(settings.plugin_dir)
        self._runs: dict[Window, PreparedRun] = {}
        self._arrays: dict[Window, CandleArrays] = {}

    def has(self, window: Window) -> bool:
        """Whether the window's data is loaded."""
        return window in self._runs

    def preload(self, window: Window, run: PreparedRun) -> None:
        """Use `run`'s data for the window (a Ray worker gets it from the object store)."""
        self._runs[window] = run

    def load(self, window: Window) -> PreparedRun:
        """The window's run with the base params, loaded from the stores."""
        return self.run_for(window, {})

    def run_for(self, window: Window, params: Mapping[str, ParamValue]) -> PreparedRun:
        """The prepared run of `params` on `window` (its data loaded once per window)."""
        merged = {**self.base.params, **params}
        request = dataclasses.replace(
            self.base,
            start=from_ms(window.start_ms),
            end=from_ms(window.end_ms),
            params=merged,
        )
        cached = self._runs.get(window)
        if cached is None or cached.market is not None:
            # market features depend on the params: a plugin that declares them loads per trial
            cached = prepare_run(request, self.settings, self.registry)
            self._runs[window] = cached
            return cached
        return dataclasses.replace(
            cached, request=request, params=cached.info.resolve(dict(merged))
        )

    def arrays(self, window: Window, run: PreparedRun) -> CandleArrays:
        """The window's candles as arrays for the fast path (built once per window)."""
        arrays = self._arrays.get(window)
        if arrays is None:
            arrays = CandleArrays.from_frame(run.candles)
            self._arrays[window] = arrays
        return arrays

    def run(self, task: TrialTask) -> TrialOutcome:
        """Run one task; a trial that raises is an outcome with its error, never an exception."""
        started = time.perf_counter()
        path: TrialPath = "backtrader"
        try:
            run = self.run_for(task.window, task.params)
            if task.kind == "screen":
                fast_metrics = self._try_fast(task.window, run) if task.fast_path else None
                if fast_metrics is not None:
                    path = "fast"
                    return self._done(task, TrialScore.of(fast_metrics), path, started)
                metrics, _ = self._backtrader(run)
                return self._done(task, TrialScore.of(metrics), path, started)
            if task.kind == "verify":
                return self._verify(task, run, started)
            metrics, books = self._backtrader(run)
            model = books.sandbox.model
            return dataclasses.replace(
                self._done(task, TrialScore.of(metrics), path, started),
                equity=tuple(model.equity_curve),
                trade_pnls=tuple((trade.exit_ms, trade.pnl) for trade in model.trades),
                positions=tuple(positions_of(model.trades, books.log.records)),
                in_sample_gates=self._in_sample_gates(task),
            )
        except ScalpLabError as exc:
            return self._failed(task, exc.message, path, started)
        except Exception as exc:
            return self._failed(task, f"{type(exc).__name__}: {exc}", path, started)

    def _in_sample_gates(self, task: TrialTask) -> tuple[GateCheck, ...]:
        """The go-live gates of the task's params on its train range (a test task's
        in-sample side); empty, and logged, when that run fails."""
        window = task.in_sample
        if window is None:
            return ()
        try:
            metrics, books = self._backtrader(self.run_for(window, task.params))
        except Exception as exc:
            log.warning("in-sample gates of trial %s on window %s: %s", task.number, window, exc)
            return ()
        positions = positions_of(books.sandbox.model.trades, books.log.records)
        days = (window.end_ms - window.start_ms) / _DAY_MS
        return tuple(evaluate(positions, metrics.max_drawdown_pct, metrics.sharpe, days))

    def _try_fast(self, window: Window, run: PreparedRun) -> Metrics | None:
        try:
            return run_fast(run, self.settings, self.arrays(window, run)).metrics
        except FastPathUnsupported:
            return None

    def _backtrader(self, run: PreparedRun) -> tuple[Metrics, RunBooks]:
        books = execute(run, self.settings)
        model = books.sandbox.model
        metrics = metrics_of(
            model.trades,
            model.equity_curve,
            books.log.records,
            model.totals(),
            self.settings.initial_capital,
            model.equity,
        )
        return metrics, books

    def _verify(self, task: TrialTask, run: PreparedRun, started: float) -> TrialOutcome:
        fast = run_fast(run, self.settings, self.arrays(task.window, run))
        metrics, books = self._backtrader(run)
        result = build_result(
            run,
            books.sandbox.model,
            books.log.records,
            self.settings,
            self.settings.initial_capital,
        )
        check = verify(fast, result)
        record = VerificationRecord(
            ok=check.ok,
            trades_fast=check.trades_fast,
            trades_backtrader=check.trades_backtrader,
            net_pnl_rel_diff=check.net_pnl_rel_diff,
            first_difference=check.first_difference,
        )
        return dataclasses.replace(
            self._done(task, TrialScore.of(metrics), "backtrader", started), verification=record
        )

    @staticmethod
    def _done(task: TrialTask, score: TrialScore, path: TrialPath, started: float) -> TrialOutcome:
        return TrialOutcome(task, score, path, None, (time.perf_counter() - started) * 1000.0)

    @staticmethod
    def _failed(task: TrialTask, error: str, path: TrialPath, started: float) -> TrialOutcome:
        return TrialOutcome(
            task, None, path, error[:MAX_ERROR_CHARS], (time.perf_counter() - started) * 1000.0
        )
