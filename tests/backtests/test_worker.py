"""The job function the worker process runs (`run_job`), exercised in-process on real data."""

from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

from scalplab.api.worker import _crash_reason, _worker_store, progress_writer, run_job
from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.errors import NoDataError
from scalplab.orders.runs import RunRequest

WEEK = (datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 24, tzinfo=UTC))


def test_run_job_stores_a_done_result(settings: Settings) -> None:
    store = ResultStore(settings)
    request = RunRequest("ETHUSDT", "sma_cross", "30m", *WEEK, {"slow": 20})
    job_id = store.create_job(request)
    assert run_job(settings, job_id, request) == "done"
    job = store.job(job_id)
    assert job.status == "done" and job.result is not None
    assert job.result["id"] == job_id and job.result["params"]["slow"] == 20
    assert _worker_store(settings) is _worker_store(settings)  # one store per process
    store.close()


def test_run_job_records_a_domain_failure(settings: Settings) -> None:
    store = ResultStore(settings)
    # past the stored week: the runner reports that no candles are in range
    july = (datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC))
    request = RunRequest("ETHUSDT", "sma_cross", "1m", *july, {})
    job_id = store.create_job(request)
    assert run_job(settings, job_id, request) == "failed"
    job = store.job(job_id)
    assert job.status == "failed"
    assert job.error is not None and job.error.startswith("no ETHUSDT 1m candles from 2025-07-01")
    store.close()


def test_run_job_records_an_unexpected_crash(settings: Settings) -> None:
    store = ResultStore(settings)
    request = RunRequest("ETHUSDT", "sma_cross", "1m", *WEEK, params=None)  # type: ignore[arg-type]
    job_id = store.create_job(RunRequest("ETHUSDT", "sma_cross", "1m", *WEEK, {}))
    assert run_job(settings, job_id, request) == "failed"
    assert store.job(job_id).error == "unexpected TypeError: 'NoneType' object is not iterable"
    store.close()


def test_run_job_skips_a_deleted_job(settings: Settings) -> None:
    store = ResultStore(settings)
    request = RunRequest("ETHUSDT", "sma_cross", "1h", *WEEK, {})
    job_id = store.create_job(request)
    store.delete(job_id)
    assert run_job(settings, job_id, request) == "deleted"
    assert store.count() == 0
    store.close()


def test_progress_is_throttled(settings: Settings, tmp_path: Path) -> None:
    store = ResultStore(settings)
    request = RunRequest("ETHUSDT", "sma_cross", "1h", *WEEK, {})
    job_id = store.create_job(request)
    store.set_running(job_id)
    report = progress_writer(store, job_id)
    report(0.5)
    assert store.job(job_id).progress == 0.5
    report(0.9)  # too soon after the last write
    assert store.job(job_id).progress == 0.5
    time.sleep(0.3)
    report(0.505)  # too small a step
    assert store.job(job_id).progress == 0.5
    report(0.95)
    assert store.job(job_id).progress == 0.95
    store.close()


def test_crash_reasons_are_one_readable_line() -> None:
    assert _crash_reason(BrokenProcessPool("gone")) == (
        "the backtest worker process died (out of memory or killed)"
    )
    assert _crash_reason(NoDataError("no candles")) == "no candles"
    assert _crash_reason(OSError("disk full")) == "backtest worker error: OSError: disk full"
