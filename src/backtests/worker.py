"""Backtests run in a worker process, never in the server's event loop.

`BacktestWorker` owns a `ProcessPoolExecutor` with one worker (forkserver where
available, else spawn), so runs queue up one after another and a crashing or
memory-hungry run cannot take the API down. The job itself (`run_job`) executes
in the child: it writes status and progress straight into the job's database
row and stores the result file; the parent only notices a child that died.
The child runs `initializer(settings)` first when one is given (the server passes
its JSON log set-up, so the child logs like the server).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from threading import Lock
from typing import TYPE_CHECKING

from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.storage.db import Database

if TYPE_CHECKING:
    from scalplab.orders.runs import RunRequest

log = logging.getLogger(__name__)

PROGRESS_MIN_STEP = 0.01
PROGRESS_MIN_SECONDS = 0.25
SHUTDOWN_JOIN_SECONDS = 5.0

# One store per database URL in a worker process, opened on its first job.
_stores: dict[str, ResultStore] = {}


def worker_store(settings: Settings) -> ResultStore:
    """The worker process's result store for `settings` (opened on first use)."""
    store = _stores.get(settings.database_url)
    if store is None:
        store = ResultStore(settings, Database(settings))
        _stores[settings.database_url] = store
    return store


ORPHAN_CHECK_SECONDS = 1.0


def process_gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie, killed but not yet reaped, has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return state in ("Z", "X")


def _exit_when_gone(server_pid: int) -> None:
    while not process_gone(server_pid):
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def _start_child(
    initializer: Callable[[Settings], None] | None, settings: Settings, server_pid: int
) -> None:
    """Child start-up: a watch that ends the child when the server process has ended (a
    `kill -9` of the server must not leave an orphan holding its files and pipes; the
    child's parent is the forkserver, so the server is watched by its pid), then the
    worker's initializer, if it has one."""
    threading.Thread(
        target=_exit_when_gone, args=(server_pid,), name="orphan-watch", daemon=True
    ).start()
    if initializer is not None:
        initializer(settings)


def progress_writer(store: ResultStore, job_id: str) -> Callable[[float], None]:
    """A progress callback that writes at most every 1 % and every 0.25 s."""
    last_value = 0.0
    last_time = 0.0

    def report(fraction: float) -> None:
        nonlocal last_value, last_time
        now = time.monotonic()
        if fraction - last_value >= PROGRESS_MIN_STEP and now - last_time >= PROGRESS_MIN_SECONDS:
            store.set_progress(job_id, fraction)
            last_value, last_time = fraction, now

    return report


def run_job(settings: Settings, job_id: str, request: RunRequest) -> str:
    """Run one backtest in the worker process; returns the final status.

    Every failure is recorded on the job row as one line; only a failure to
    write to the database itself escapes (the parent then records it).
    """
    from scalplab.backtests.runner import run_backtest

    store = worker_store(settings)
    if not store.set_running(job_id):
        log.info("backtest %s was deleted before it started", job_id)
        return "deleted"
    started = time.perf_counter()
    try:
        result = run_backtest(request, settings, progress=progress_writer(store, job_id))
        store.set_done(job_id, result)
    except ScalpLabError as exc:
        store.set_failed(job_id, exc.message)
        log.info("backtest %s failed: %s", job_id, exc.message, extra={"job_id": job_id})
        return "failed"
    except Exception as exc:
        store.set_failed(job_id, f"unexpected {type(exc).__name__}: {exc}")
        log.exception("backtest %s crashed", job_id, extra={"job_id": job_id})
        return "failed"
    log.info(
        "backtest %s done in %.2f s",
        job_id,
        time.perf_counter() - started,
        extra={"job_id": job_id},
    )
    return "done"


def warm_child(settings: Settings) -> float:
    """Load what a job needs (Backtrader and the runner, the strategy registry, numba,
    the result store) in the worker process, so the first job starts at once; returns
    the seconds it took."""
    started = time.perf_counter()
    from scalplab.backtests.runner import run_backtest
    from scalplab.strategies.registry import get_registry
    from scalplab.strategies.vectorised import jit

    del run_backtest, jit  # imported for their side effect: loaded modules
    get_registry(settings.plugin_dir)
    worker_store(settings)
    return time.perf_counter() - started


def _warmed(future: Future[float]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is None:
        log.info("backtest worker warmed up in %.2f s", future.result())
    else:
        log.warning("backtest worker warm-up failed: %s", crash_reason(error))


def _context() -> multiprocessing.context.BaseContext:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


class BacktestWorker:
    """Queues backtest jobs on a single worker process.

    `initializer` (a module-level function, it is pickled by name) runs once in the
    child with the settings before its first job.
    """

    def __init__(
        self,
        settings: Settings,
        store: ResultStore,
        initializer: Callable[[Settings], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.initializer = initializer
        self._lock = Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[str]] = {}
        self._closing = False
        self._listeners: list[Callable[[str], None]] = []

    def add_listener(self, listener: Callable[[str], None]) -> None:
        """Call `listener(job_id)` whenever a job ends (done or failed, its row written);
        it runs on the pool's callback thread, so it must return quickly."""
        self._listeners.append(listener)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=_context(),
                initializer=_start_child,
                initargs=(self.initializer, self.settings, os.getpid()),
            )
        return self._executor

    def warm(self) -> None:
        """Start the worker process now and load the backtest code in it, in the
        background, so the first backtest after start does not wait for it."""
        with self._lock:
            if self._closing:
                return
            future = self._pool().submit(warm_child, self.settings)
        future.add_done_callback(_warmed)

    def submit(self, job_id: str, request: RunRequest) -> None:
        """Queue job `job_id` (its row must exist, status queued)."""
        with self._lock:
            if self._closing:
                self.store.set_failed(job_id, "the server is shutting down")
                return
            try:
                future = self._pool().submit(run_job, self.settings, job_id, request)
            except BrokenProcessPool:
                log.warning("backtest worker pool was broken; starting a new one")
                self._executor = None
                future = self._pool().submit(run_job, self.settings, job_id, request)
            self._futures[job_id] = future
        future.add_done_callback(lambda done: self._finished(job_id, done))

    def cancel(self, job_id: str) -> bool:
        """Drop a job that has not started yet; True if it was cancelled."""
        with self._lock:
            future = self._futures.get(job_id)
        return future.cancel() if future is not None else False

    def process_ids(self) -> list[int]:
        """Pids of the worker processes running now (none before the first job)."""
        with self._lock:
            executor = self._executor
        return [] if executor is None else list(_processes(executor))

    def pending(self) -> list[str]:
        """Ids of jobs queued or running in this worker."""
        with self._lock:
            return [job_id for job_id, future in self._futures.items() if not future.done()]

    def _finished(self, job_id: str, future: Future[str]) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
            closing = self._closing
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            reason = "interrupted by shutdown" if closing else crash_reason(error)
            log.error("backtest %s: %s", job_id, reason, extra={"job_id": job_id})
            try:
                self.store.set_failed(job_id, reason)
            except ScalpLabError as exc:
                log.error("cannot record the failure of backtest %s: %s", job_id, exc.message)
        if closing:
            return
        for listener in list(self._listeners):
            try:
                listener(job_id)
            except Exception:  # a listener never breaks the worker
                log.exception("backtest listener failed for %s", job_id)

    def shutdown(self) -> None:
        """Cancel queued jobs, stop the running one, mark both failed."""
        with self._lock:
            self._closing = True
            executor, self._executor = self._executor, None
            unfinished = list(self._futures)
        if executor is None:
            return
        # The pool has no public way to stop a running task: end its process.
        processes = list(_processes(executor).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(SHUTDOWN_JOIN_SECONDS)
        for job_id in unfinished:
            try:
                self.store.set_failed(job_id, "interrupted by shutdown")
            except ScalpLabError as exc:
                log.error("cannot mark backtest %s interrupted: %s", job_id, exc.message)


def _processes(executor: ProcessPoolExecutor) -> dict[int, multiprocessing.Process]:
    """The pool's worker processes by pid (the standard library keeps them private)."""
    return dict(executor._processes or {})


def crash_reason(error: BaseException) -> str:
    """Why a job's future failed, as one line for the job row."""
    if isinstance(error, BrokenProcessPool):
        return "the backtest worker process died (out of memory or killed)"
    if isinstance(error, ScalpLabError):
        return error.message
    return f"backtest worker error: {type(error).__name__}: {error}"
