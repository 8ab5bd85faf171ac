"""Parameter sweeps: check one up front, queue it on the sweep worker, read, cancel, resume
and delete them.

A sweep is a `SweepRequest`: a base run (pair, strategy, timeframe, range, fixed params,
risk overrides, the circuit-breaker switch) and how to search it (grid, sampler, trials,
objective, walk-forward, engine, workers, seed, verification). Everything it refers to is
checked before it is stored (`create_sweep`), so a bad request stores and queues nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from scalplab.backtests.sweeps.jobs import create_sweep, resume_plan
from scalplab.backtests.sweeps.records import SweepRequest
from scalplab.backtests.sweeps.report import trial_json
from scalplab.backtests.sweeps.store import SweepStore, request_from_json
from scalplab.backtests.sweeps.worker import SweepWorker
from scalplab.config import Settings
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import NoDataError
from scalplab.orders.runs import RunRequest
from scalplab.services.references import References
from scalplab.storage.db import Database
from scalplab.storage.models_research import Sweep
from scalplab.timeutil import iso_ms, to_ms


@dataclass(frozen=True, slots=True)
class SweepRecord:
    """A stored sweep: its request, job state, estimated time left and summary."""

    id: str
    status: str
    pair: str
    strategy: str
    strategy_version: str | None
    timeframe: str
    start: datetime
    end: datetime
    objective: str
    sampler: str
    engine: str
    request: Mapping[str, Any]
    progress: float
    tasks_done: int
    tasks_total: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    eta_seconds: float | None
    error: str | None
    summary: Mapping[str, Any] | None

    @classmethod
    def of(cls, row: Sweep, now: datetime) -> SweepRecord:
        """The record of a `sweeps` row, its time left estimated at `now`."""
        return cls(
            id=row.id,
            status=row.status,
            pair=row.pair,
            strategy=row.strategy,
            strategy_version=row.strategy_version,
            timeframe=row.timeframe,
            start=row.start,
            end=row.end,
            objective=row.objective,
            sampler=row.sampler,
            engine=row.engine,
            request=search_of(row.request),
            progress=row.progress,
            tasks_done=row.tasks_done,
            tasks_total=row.tasks_total,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            eta_seconds=eta_seconds(row, now),
            error=row.error,
            summary=row.summary,
        )


def search_of(stored: Mapping[str, Any]) -> dict[str, Any]:
    """What a stored request asks beyond the base run's pair, strategy, timeframe and range:
    the search (walk-forward as `60d/30d`), the fixed params, the risk overrides, the
    breaker switch, the run properties set."""
    request = request_from_json(stored)
    return {
        "grid": list(request.grid),
        "sampler": request.sampler,
        "trials": request.trials,
        "objective": request.objective,
        "walk_forward": None if request.walk_forward is None else request.walk_forward.to_text(),
        "engine": request.engine,
        "workers": request.workers,
        "seed": request.seed,
        "verify_top": request.verify_top,
        "verify_sample": request.verify_sample,
        "fast_path": request.fast_path,
        "params": dict(request.run.params),
        "risk": dict(request.run.risk),
        "breakers": request.run.breakers,
        "properties": request.run.properties.to_dict(),
    }


def eta_seconds(row: Sweep, now: datetime) -> float | None:
    """Seconds left of a running sweep: the time since it started per task done, times the
    tasks left; None until a task is done, and once the sweep has ended."""
    if row.status != "running" or row.started_at is None or row.tasks_done <= 0:
        return None
    elapsed = max((now - row.started_at).total_seconds(), 0.0)
    return elapsed / row.tasks_done * max(row.tasks_total - row.tasks_done, 0)


class SweepService:
    """The sweep actions: thin over `create_sweep`, `SweepStore` and `SweepWorker`."""

    def __init__(
        self,
        settings: Settings,
        references: References,
        database: Database,
        worker: SweepWorker,
    ) -> None:
        self.settings = settings
        self.references = references
        self.store = SweepStore(database)
        self.database = database
        self.worker = worker

    def submit(self, request: SweepRequest) -> SweepRecord:
        """Check every input, store the sweep as queued and queue it on the worker.

        `InputError` (one line) for an unknown pair, strategy, timeframe, param, objective,
        sampler or engine, a fixed param of the wrong JSON type, a grid with no values or
        values outside a param's bounds, more trials than the space holds, a walk-forward
        window shorter than the strategy's warm-up; `NoDataError` when the store lacks
        candles of the range. Nothing is stored or queued then.
        """
        run = request.run
        symbol = self.references.symbol_with_candles(run.pair)
        info = self.references.strategy(run.strategy)
        self.references.timeframe(run.timeframe)
        self.references.params(info, run.params)  # strict JSON types, as a backtest takes them
        run = replace(run, pair=symbol, strategy=info.name)
        self._check_candles(run)
        request = replace(request, run=run)
        sweep_id, plan = create_sweep(
            request, self.settings, self.database, self.references.registry
        )
        try:
            self.worker.submit(sweep_id, plan)
        except BaseException as exc:
            self.store.finish(sweep_id, "failed", None, f"could not queue the sweep: {exc}")
            raise
        return self.get(sweep_id)

    def _check_candles(self, run: RunRequest) -> None:
        """Every trial runs on stored candles: the store must hold the whole range."""
        first, last, _ = self.references.candles.span(run.pair, run.timeframe)
        end_stored = last + timeframe_ms(run.timeframe)
        start_ms, end_ms = to_ms(run.start), to_ms(run.end)
        if start_ms < end_ms and (start_ms < first or end_ms > end_stored):
            raise NoDataError(
                f"the stored {run.pair} {run.timeframe} candles ({iso_ms(first)} to "
                f"{iso_ms(end_stored)}) do not cover {iso_ms(start_ms)} to {iso_ms(end_ms)}: "
                "narrow the range to the stored candles, or import or download the rest"
            )

    def list(self, limit: int = 100, offset: int = 0) -> list[SweepRecord]:
        """Sweeps, newest first."""
        now = datetime.now(UTC)
        return [SweepRecord.of(row, now) for row in self.store.recent(limit, offset)]

    def get(self, sweep_id: str) -> SweepRecord:
        """One sweep (`NotFoundError` when there is none)."""
        return SweepRecord.of(self.store.get(sweep_id), datetime.now(UTC))

    def trials(
        self, sweep_id: str, kind: str | None = None, window: int | None = None
    ) -> builtins.list[dict[str, Any]]:
        """The sweep's stored tasks as JSON values, by window, kind and number."""
        self.store.get(sweep_id)  # NotFoundError for an unknown sweep
        return [trial_json(trial) for trial in self.store.trials(sweep_id, kind, window)]

    def cancel(self, sweep_id: str) -> SweepRecord:
        """Stop a queued or running sweep (`ConflictError` once it has ended): a queued one
        is cancelled at once and never runs, a running one stops at its next finished task.
        Its stored trials stay; it can resume."""
        self.store.request_cancel(sweep_id)
        if self.worker.cancel(sweep_id):
            self.store.finish(sweep_id, "cancelled", None, "cancelled before it started")
        return self.get(sweep_id)

    def resume(self, sweep_id: str) -> SweepRecord:
        """Queue a failed, cancelled or interrupted sweep again (`ConflictError` otherwise);
        its stored trials are kept and not run again. The request is checked again first
        (the data or the plugin may have changed since)."""
        self.references.strategy(self.store.request(sweep_id).run.strategy)
        plan = resume_plan(sweep_id, self.settings, self.database, self.references.registry)
        try:
            self.worker.submit(sweep_id, plan)
        except BaseException as exc:
            self.store.finish(sweep_id, "failed", None, f"could not queue the sweep: {exc}")
            raise
        return self.get(sweep_id)

    def delete(self, sweep_id: str) -> None:
        """Delete an ended sweep with its trials and windows (`ConflictError` while it is
        queued or running)."""
        self.store.delete(sweep_id)
