"""Backtest jobs: validate a request up front, queue it on the worker, read and delete results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scalplab.api.services.market import datetime_to_ms, ms_to_datetime
from scalplab.api.services.references import References
from scalplab.api.worker import BacktestWorker
from scalplab.backtests.storage import BacktestJob, BacktestSummary, ResultStore
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NoDataError
from scalplab.orders.runs import RunRequest

MIN_RANGE = timedelta(days=1)
MAX_RANGE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """A job accepted by `submit`."""

    id: str
    status: str


def check_range(start: datetime, end: datetime) -> None:
    """`[start, end)` must span 1 to 30 days."""
    if end <= start:
        raise InputError(f"end {end.isoformat()} must be after start {start.isoformat()}")
    span = end - start
    if span < MIN_RANGE or span > MAX_RANGE:
        days = span.total_seconds() / 86_400
        raise InputError(f"the range must span 1 to 30 days, not {days:g} days")


class BacktestService:
    """The `/backtests` actions: thin over `ResultStore` and `BacktestWorker`."""

    def __init__(self, references: References, store: ResultStore, worker: BacktestWorker) -> None:
        self.references = references
        self.store = store
        self.worker = worker

    def submit(
        self,
        pair: str,
        strategy: str,
        timeframe: str,
        start: datetime,
        end: datetime,
        params: Mapping[str, object],
    ) -> QueuedJob:
        """Validate everything a run needs, index the job as queued and queue it."""
        symbol = self.references.symbol_with_candles(pair)
        info = self.references.strategy(strategy)
        self.references.timeframe(timeframe)
        check_range(start, end)
        resolved = info.resolve(dict(params))
        self._check_candles(symbol, timeframe, start, end)
        request = RunRequest(
            pair=symbol,
            strategy=info.name,
            timeframe=timeframe,
            start=start,
            end=end,
            params=dict(params),
        )
        # the row shows every param value the run uses, defaults included
        job_id = self.store.create_job(
            replace(request, params=resolved), strategy_version=info.version
        )
        try:
            self.worker.submit(job_id, request)
        except BaseException as exc:
            self.store.set_failed(job_id, f"could not queue the backtest: {exc}")
            raise
        return QueuedJob(job_id, "queued")

    def _check_candles(self, symbol: str, timeframe: str, start: datetime, end: datetime) -> None:
        first, last, _ = self.references.candles.span(symbol, timeframe)
        step = timeframe_ms(timeframe)
        start_ms, end_ms = datetime_to_ms(start), datetime_to_ms(end)
        if end_ms <= first or start_ms > last:
            raise NoDataError(
                f"no {symbol} {timeframe} candles from {_iso(start)} to {_iso(end)}; "
                f"stored: {_iso(ms_to_datetime(first))} to "
                f"{_iso(ms_to_datetime(last + step))}"
            )

    def list(self, limit: int | None = None, offset: int = 0) -> list[BacktestSummary]:
        """Every backtest, newest first."""
        return self.store.list(limit=limit, offset=offset)

    def job(self, job_id: str) -> BacktestJob:
        """State and (when done) result of one backtest."""
        return self.store.job(job_id)

    def delete(self, job_id: str) -> None:
        """Delete one backtest (a queued one is also taken off the worker's queue)."""
        self.store.delete(job_id)
        self.worker.cancel(job_id)

    def delete_all(self) -> int:
        """Delete every backtest; returns how many."""
        for job_id in self.worker.pending():
            self.worker.cancel(job_id)
        return self.store.delete_all()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
