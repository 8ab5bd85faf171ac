"""Waiting for the end of a backtest job without polling.

The backtest worker calls `JobEnds.notify(job_id)` from its callback thread when a job
ends (done or failed, its row written); a request that holds its answer until then
(`GET /backtests/{id}?wait=…`) awaits `JobEnds.watch(job_id)` in the server's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from threading import Lock


class JobEnd:
    """One waiter's view of a job's end: `wait(seconds)` returns True once it ended."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def set(self) -> None:
        """Mark the job ended (from any thread)."""
        self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for the job's end; whether it ended."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        return self._event.is_set()


class JobEnds:
    """Who waits for which job to end; `notify` wakes them."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._waiting: dict[str, list[JobEnd]] = {}

    def notify(self, job_id: str) -> None:
        """Job `job_id` ended: wake everyone waiting for it (safe from any thread)."""
        with self._lock:
            waiters = self._waiting.pop(job_id, [])
        for waiter in waiters:
            waiter.set()

    def waiting(self) -> int:
        """How many waiters are registered now."""
        with self._lock:
            return sum(len(waiters) for waiters in self._waiting.values())

    @asynccontextmanager
    async def watch(self, job_id: str) -> AsyncIterator[JobEnd]:
        """Register for the end of `job_id` (before reading its state, so an end in
        between is not missed); unregistered on exit."""
        waiter = JobEnd()
        with self._lock:
            self._waiting.setdefault(job_id, []).append(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                waiters = self._waiting.get(job_id, [])
                if waiter in waiters:
                    waiters.remove(waiter)
                if not waiters:
                    self._waiting.pop(job_id, None)
