"""The backtest worker: the job function (`run_job`) in-process on real data, and the pool
(one child process, its initializer, shutdown)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scalplab.backtests.storage import ResultStore
from scalplab.backtests.worker import (
    BacktestWorker,
    crash_reason,
    process_gone,
    progress_writer,
    run_job,
    warm_child,
    worker_store,
)
from scalplab.config import Settings
from scalplab.errors import NoDataError
from scalplab.orders.runs import RunRequest
from tests.conftest import make_settings

WEEK = (datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 24, tzinfo=UTC))
MARKER = "worker-initialised"


@pytest.fixture
def settings(sample_week_dir: Path, tmp_path: Path) -> Settings:
    """A fresh copy of the bundled real sample (the jobs write results and rows into it)."""
    data_dir = tmp_path / "data"
    shutil.copytree(sample_week_dir, data_dir)
    return make_settings(data_dir)


def mark_initialised(settings: Settings) -> None:
    """A worker initializer (module level: the pool pickles it by name)."""
    (settings.data_dir / MARKER).write_text(str(os.getpid()), encoding="utf-8")


def test_run_job_stores_a_done_result(settings: Settings) -> None:
    store = ResultStore(settings)
    request = RunRequest("ETHUSDT", "sma_cross", "30m", *WEEK, {"slow": 20})
    job_id = store.create_job(request)
    assert run_job(settings, job_id, request) == "done"
    job = store.job(job_id)
    assert job.status == "done" and job.result is not None
    assert job.result["id"] == job_id and job.result["params"]["slow"] == 20
    assert worker_store(settings) is worker_store(settings)  # one store per process
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
    assert crash_reason(BrokenProcessPool("gone")) == (
        "the backtest worker process died (out of memory or killed)"
    )
    assert crash_reason(NoDataError("no candles")) == "no candles"
    assert crash_reason(OSError("disk full")) == "backtest worker error: OSError: disk full"


def test_the_initializer_runs_in_the_child_before_its_first_job(settings: Settings) -> None:
    store = ResultStore(settings)
    worker = BacktestWorker(settings, store, mark_initialised)
    request = RunRequest("ETHUSDT", "sma_cross", "1h", *WEEK, {})
    job_id = store.create_job(request)
    worker.submit(job_id, request)
    deadline = time.monotonic() + 90
    while store.job(job_id).status not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.1)
    assert store.job(job_id).status == "done"
    child = int((settings.data_dir / MARKER).read_text(encoding="utf-8"))
    assert child != os.getpid() and worker.process_ids() == [child]
    worker.shutdown()
    store.close()


def test_warm_up_loads_the_backtest_code_in_the_child_before_any_job(settings: Settings) -> None:
    assert 0 < warm_child(settings) < 60  # in-process: the imports, the registry, the store
    store = ResultStore(settings)
    worker = BacktestWorker(settings, store, mark_initialised)
    assert worker.process_ids() == []
    worker.warm()
    deadline = time.monotonic() + 90
    while not (settings.data_dir / MARKER).exists() or not worker.process_ids():
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.05)
    [child] = worker.process_ids()
    assert worker.pending() == []  # the warm-up is not a job
    request = RunRequest("ETHUSDT", "sma_cross", "1h", *WEEK, {})
    job_id = store.create_job(request)
    worker.submit(job_id, request)
    while store.job(job_id).status not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)
    assert store.job(job_id).status == "done" and worker.process_ids() == [child]
    worker.shutdown()
    store.close()


def test_shutdown_fails_the_jobs_still_in_the_worker(settings: Settings) -> None:
    store = ResultStore(settings)
    worker = BacktestWorker(settings, store)
    request = RunRequest(
        "BTCUSDT",
        "sma_cross",
        "1m",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 24, tzinfo=UTC),
        {},
    )
    job_ids = [store.create_job(request) for _ in range(2)]
    for job_id in job_ids:
        worker.submit(job_id, request)
    assert sorted(worker.pending()) == sorted(job_ids)
    worker.shutdown()  # long before the child has even imported Backtrader
    for job_id in job_ids:
        job = store.job(job_id)
        assert (job.status, job.error) == ("failed", "interrupted by shutdown")
    late = store.create_job(request)
    worker.submit(late, request)  # refused once closing
    assert store.job(late).error == "the server is shutting down"
    store.close()


OWNER = """
import sys, time
from pathlib import Path
from scalplab.backtests.storage import ResultStore
from scalplab.backtests.worker import BacktestWorker
from tests.conftest import make_settings

settings = make_settings(Path(sys.argv[1]))
worker = BacktestWorker(settings, ResultStore(settings))
worker.warm()
while not worker.process_ids():
    time.sleep(0.05)
print(worker.process_ids()[0], flush=True)
time.sleep(600)
"""


def test_a_killed_server_leaves_no_worker_behind(settings: Settings) -> None:
    """`kill -9` of the process that owns the worker ends the worker too (while the
    killed owner is a zombie, not yet reaped), so nothing holds its pipes."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(settings.data_dir)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        text=True,
    )
    try:
        assert owner.stdout is not None
        child = int(owner.stdout.readline())
        assert not process_gone(child)
        os.kill(owner.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not process_gone(child):
            assert time.monotonic() < deadline, "the worker outlived its server"
            time.sleep(0.1)
        assert process_gone(owner.pid)  # a zombie until reaped: ended all the same
    finally:
        owner.kill()
        owner.wait()
