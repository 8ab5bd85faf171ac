"""Where trials run: in this process, or in a pool of worker processes over the cores.

Every engine takes a batch of tasks and yields their outcomes as they finish. Workers get
the base request and settings once, when they start, and load each window's data from the
stores themselves (`TrialRunner`); a task carries only its window and params. At most
`2 × workers` tasks are in flight, so cancelling a sweep never waits for a long queue.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol

from pydantic import SecretStr

from scalplab.backtests.sweeps.records import TrialOutcome, TrialTask
from scalplab.backtests.sweeps.trials import TrialRunner
from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.runs import RunRequest

MAX_WORKERS = 256
IN_FLIGHT_PER_WORKER = 2


class Engine(Protocol):
    """Runs batches of tasks; `close` releases its workers."""

    workers: int

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Outcomes of `tasks`, in the order they finish."""
        ...

    def close(self) -> None:
        """Stop the workers."""
        ...


def check_workers(workers: int) -> int:
    """`workers` if it is a usable pool size (`InputError` otherwise)."""
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")
    return workers


def research_settings(settings: Settings) -> Settings:
    """The settings a worker gets: every secret blanked (a trial never needs an API key, and
    a Ray cluster's object store is no place for one)."""
    secrets = {
        name: SecretStr("")
        for name, value in settings.__dict__.items()
        if isinstance(value, SecretStr)
    }
    return settings.model_copy(update=secrets)


def worker_name() -> str:
    """`host:pid` of the running process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stamped(outcome: TrialOutcome) -> TrialOutcome:
    """The outcome with the worker that ran it and that worker's peak RSS."""
    from dataclasses import replace

    return replace(outcome, worker=worker_name(), worker_rss_mb=peak_rss_mb())


class InlineEngine:
    """Runs tasks one by one in this process (one worker)."""

    def __init__(self, base: RunRequest, settings: Settings) -> None:
        self.workers = 1
        self._runner = TrialRunner(base, settings)

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Each task's outcome, in order."""
        for task in tasks:
            yield stamped(self._runner.run(task))

    def close(self) -> None:
        """Nothing to release."""


_RUNNER: TrialRunner | None = None


def _start_worker(base: RunRequest, settings: Settings) -> None:
    global _RUNNER  # noqa: PLW0603  (one runner per worker process, by design)
    _RUNNER = TrialRunner(base, settings)


def _run_task(task: TrialTask) -> TrialOutcome:
    assert _RUNNER is not None, "worker started without its runner"
    return stamped(_RUNNER.run(task))


class PoolEngine:
    """A pool of worker processes (`spawn`: no state inherited from a threaded parent)."""

    def __init__(self, base: RunRequest, settings: Settings, workers: int) -> None:
        self.workers = check_workers(workers)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(base, research_settings(settings)),
        )

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Outcomes as they finish, with at most `2 × workers` tasks submitted at a time."""
        pending = list(reversed(tasks))
        running: set[Future[TrialOutcome]] = set()
        limit = self.workers * IN_FLIGHT_PER_WORKER
        try:
            while pending or running:
                while pending and len(running) < limit:
                    running.add(self._pool.submit(_run_task, pending.pop()))
                done, running = _wait(running)
                for future in done:
                    yield future.result()
        finally:
            for future in running:
                future.cancel()

    def close(self) -> None:
        """Stop the workers (tasks in flight are abandoned)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _wait(
    running: set[Future[TrialOutcome]],
) -> tuple[set[Future[TrialOutcome]], set[Future[TrialOutcome]]]:
    done, still = wait(running, return_when=FIRST_COMPLETED)
    return set(done), set(still)


def local_engine(base: RunRequest, settings: Settings, workers: int) -> Engine:
    """The engine `--engine local --workers N` asks for."""
    if check_workers(workers) == 1:
        return InlineEngine(base, settings)
    return PoolEngine(base, settings, workers)
