"""The backtest runner: stored candles → Cerebro → the order pipeline → a result dict.

One run = one pair, one strategy, one timeframe, `[start, end)` in UTC. The strategy
runs in Backtrader on lean array feeds (`stdstats=False`; the sandbox keeps the books)
and drives the same order pipeline as paper trading — checks and sizing, `min_rr` and
every circuit breaker on bar time, the idempotent queue (in memory) — with order
confirmation off. The platform is at least as fast as a default Cerebro while applying
the futures execution semantics exactly.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import backtrader as bt
import numpy as np

from scalplab.config import Settings
from scalplab.data.feeds import CandleArrayFeed
from scalplab.errors import InputError, ScalpLabError, StrategyError
from scalplab.orders.execution import ExecutionConfig
from scalplab.orders.executor import BookExecutor
from scalplab.orders.models import Bar, BookKey
from scalplab.orders.pipeline import OrderPipeline
from scalplab.orders.results import SignalLog, build_result
from scalplab.orders.runs import PreparedRun, RunRequest, prepare_run, run_settings
from scalplab.orders.sandbox import Sandbox, open_sandbox
from scalplab.strategies.breakers import needs_atr
from scalplab.strategies.registry import Registry

PROGRESS_EVERY = 2000
"""Bars between two progress reports."""


@dataclass(frozen=True)
class EngineMode:
    """Backtrader engine switches; results must not depend on them."""

    runonce: bool = True
    preload: bool = True


@dataclass
class RunBooks:
    """A finished run's sandbox (books, queue, gate) and its signals."""

    sandbox: Sandbox
    log: SignalLog


class _ProgressExecutor(BookExecutor):
    """A book executor that also reports how far the run got."""

    def __init__(
        self, pipeline: OrderPipeline, book: str, total: int, report: Callable[[float], None]
    ) -> None:
        super().__init__(pipeline, book)
        self._total = max(total, 1)
        self._report = report
        self._seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.pipeline.on_bar(self.book, bar)
        self._seen += 1
        if self._seen % PROGRESS_EVERY == 0:
            self._report(min(self._seen / self._total, 1.0))


def open_run(run: PreparedRun, settings: Settings) -> tuple[RunBooks, str]:
    """The run's sandbox with its book registered (confirmation off, queue in memory)."""
    log = SignalLog()
    sandbox = open_sandbox(
        ExecutionConfig.from_settings(settings),
        run.risk,
        listener=log,
        track_atr=run.risk.active("extreme_volatility") or needs_atr(run.info.cls.breakers),
    )
    book = sandbox.model.add_book(
        BookKey(run.pair, run.info.name), run.rules, run.funding, last_open_ms=run.last_open_ms
    )
    return RunBooks(sandbox, log), book


def execute(
    run: PreparedRun,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    mode: EngineMode = EngineMode(),
) -> RunBooks:
    """Run the strategy through Cerebro; returns the sandbox holding the books."""
    random.seed(settings.random_seed)
    np.random.seed(settings.random_seed)
    books, book = open_run(run, settings)
    pipeline = books.sandbox.pipeline
    executor = (
        BookExecutor(pipeline, book)
        if progress is None
        else _ProgressExecutor(pipeline, book, len(run.candles), progress)
    )
    try:
        strategy = _run_cerebro(run, executor, mode)
    except ScalpLabError:
        raise
    except Exception as exc:
        if mode.runonce:
            # Backtrader's vectorised pass breaks when the warm-up outruns the data;
            # the bar-by-bar pass does not, and tells the warm-up the strategy needs.
            _check_warmup(run, _warmup_bars(run, settings))
        raise StrategyError(
            f"strategy {run.info.name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    _check_warmup(run, int(strategy._minperiod))
    if progress is not None:
        progress(1.0)
    return books


def _run_cerebro(run: PreparedRun, executor: BookExecutor, mode: EngineMode) -> Any:
    cerebro = bt.Cerebro(
        stdstats=False, runonce=mode.runonce, preload=mode.preload, maxcpus=1, quicknotify=True
    )
    cerebro.adddata(CandleArrayFeed(run.candles), name=run.pair)
    for extra in run.extras:
        cerebro.adddata(CandleArrayFeed(extra.candles, extra.stamp_offset_ms), name=extra.name)
    cerebro.addstrategy(
        run.info.cls, executor=executor, market=run.market, external=run.external, **run.params
    )
    [strategy] = cerebro.run()
    return strategy


def _warmup_bars(run: PreparedRun, settings: Settings) -> int:
    books, book = open_run(run, settings)
    try:
        strategy = _run_cerebro(
            run, BookExecutor(books.sandbox.pipeline, book), EngineMode(runonce=False)
        )
    except Exception:
        return 0
    return int(strategy._minperiod)


def warmup_bars(run: PreparedRun, settings: Settings, probe_bars: int = 16) -> int:
    """The bars the strategy needs before its first signal with the run's params
    (Backtrader's minimum period), found on the run's first `probe_bars` bars only: the
    indicators a strategy builds fix it before any bar is played."""
    probe = dataclasses.replace(run, candles=run.candles.head(probe_bars))
    return _warmup_bars(probe, settings)


def _check_warmup(run: PreparedRun, warmup: int) -> None:
    """A range shorter than the strategy's warm-up can give no signal at all: say so."""
    bars = len(run.candles)
    if warmup > bars:
        raise InputError(
            f"strategy {run.info.name!r} needs {warmup} bars of warm-up with these params but "
            f"the range has only {bars} {run.request.timeframe} bars: widen the range, use a "
            "shorter timeframe or shorter indicator periods"
        )


def run_backtest(
    request: RunRequest,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    mode: EngineMode = EngineMode(),
    registry: Registry | None = None,
) -> dict[str, object]:
    """Validate, load, run and summarise one backtest (not stored: see `ResultStore`),
    with the request's properties in force."""
    settings = run_settings(settings, request)
    run = prepare_run(request, settings, registry)
    books = execute(run, settings, progress, mode)
    return build_result(
        run, books.sandbox.model, books.log.records, settings, settings.initial_capital
    )
