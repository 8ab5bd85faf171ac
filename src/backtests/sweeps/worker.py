"""Sweeps of the server run on one background thread, one sweep at a time.

`SweepWorker` owns a thread and a queue of checked sweeps (id and plan). It runs each
with `execute_sweep`, which spreads the trials over the sweep's own engine, so a second
sweep waits, queued, until the first has ended. Progress, trials and the end state are
written to the database as the job goes. A sweep cancelled while it waits is dropped and
never starts; one cancelled while it runs stops at its next finished task. At shutdown
the running sweep stops at its next finished task and every sweep that has not ended
becomes `interrupted` (resumable), as `SweepStore.interrupt_unfinished` leaves the
sweeps of a process that died.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from scalplab.backtests.sweeps.jobs import execute_sweep
from scalplab.backtests.sweeps.planning import SweepPlan
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.backtests.sweeps.sweeper import SweepCancelledError
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.storage.db import Database

log = logging.getLogger(__name__)

SHUTDOWN_JOIN_SECONDS = 10.0
"""How long shutdown waits for the running sweep to stop at its next finished task."""
SHUTTING_DOWN = "interrupted by shutdown"
"""The error of a sweep the server stopped (it resumes like any interrupted sweep)."""


class SweepStoppedError(ScalpLabError):
    """The server is shutting down: the running sweep stops and becomes `interrupted`."""


class SweepWorker:
    """Runs queued sweeps one after another on a background thread (started on first use)."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.store = SweepStore(database)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[tuple[str, SweepPlan]] = deque()
        self._current: str | None = None
        self._cancel_current = False
        self._closing = False
        self._thread: threading.Thread | None = None

    def submit(self, sweep_id: str, plan: SweepPlan) -> None:
        """Queue sweep `sweep_id` (its row must exist, status queued)."""
        with self._wake:
            closing = self._closing
            if not closing:
                self._queue.append((sweep_id, plan))
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="sweep-worker", daemon=True
                    )
                    self._thread.start()
                self._wake.notify()
        if closing:
            self.store.finish(sweep_id, "interrupted", None, SHUTTING_DOWN)

    def cancel(self, sweep_id: str) -> bool:
        """Stop sweep `sweep_id`: True when it was waiting (it is dropped, never started);
        False when it is running (it stops at its next finished task) or not queued here."""
        with self._lock:
            for item in self._queue:
                if item[0] == sweep_id:
                    self._queue.remove(item)
                    return True
            if self._current == sweep_id:
                self._cancel_current = True
            return False

    def pending(self) -> list[str]:
        """Ids of the sweeps running or waiting here, the running one first."""
        with self._lock:
            waiting = [sweep_id for sweep_id, _ in self._queue]
            return waiting if self._current is None else [self._current, *waiting]

    def shutdown(self) -> None:
        """Stop the running sweep at its next finished task, drop the waiting ones; both
        become `interrupted`."""
        with self._wake:
            self._closing = True
            waiting = [sweep_id for sweep_id, _ in self._queue]
            self._queue.clear()
            thread = self._thread
            self._wake.notify_all()
        for sweep_id in waiting:
            self._interrupt(sweep_id)
        if thread is not None:
            thread.join(SHUTDOWN_JOIN_SECONDS)
            if thread.is_alive():
                log.warning("the running sweep did not stop within %.0f s", SHUTDOWN_JOIN_SECONDS)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closing:
                    self._wake.wait()
                if self._closing:
                    return
                sweep_id, plan = self._queue.popleft()
                self._current, self._cancel_current = sweep_id, False
            try:
                self._run(sweep_id, plan)
            except Exception:  # the thread outlives any one sweep
                log.exception("sweep %s: the sweep worker failed", sweep_id)
            finally:
                with self._lock:
                    self._current = None

    def _run(self, sweep_id: str, plan: SweepPlan) -> None:
        """Run one sweep; every way it ends is on its row (`execute_sweep` writes it)."""
        started = time.perf_counter()
        log.info("sweep %s started: %d tasks", sweep_id, plan.tasks_total)
        try:
            summary = execute_sweep(sweep_id, plan, self.settings, self.database, self._on_task)
        except SweepStoppedError:
            self._interrupt(sweep_id)
            log.info("sweep %s interrupted by shutdown", sweep_id)
            return
        except ScalpLabError as exc:
            log.info("sweep %s failed: %s", sweep_id, exc.message)
            return
        except Exception:  # recorded on the row by execute_sweep; the thread goes on
            log.exception("sweep %s crashed", sweep_id)
            return
        log.info(
            "sweep %s %s in %.2f s",
            sweep_id,
            "cancelled" if summary is None else "done",
            time.perf_counter() - started,
        )

    def _on_task(self, done: int, total: int) -> None:
        """After each finished task: stop when the sweep was cancelled or the server stops."""
        with self._lock:
            sweep_id, cancel, closing = self._current, self._cancel_current, self._closing
        if cancel:
            raise SweepCancelledError(f"sweep {sweep_id} was cancelled")
        if closing:
            raise SweepStoppedError(f"sweep {sweep_id}: {SHUTTING_DOWN}")

    def _interrupt(self, sweep_id: str) -> None:
        try:
            self.store.finish(sweep_id, "interrupted", None, SHUTTING_DOWN)
        except ScalpLabError as exc:
            log.error("cannot mark sweep %s interrupted: %s", sweep_id, exc.message)
