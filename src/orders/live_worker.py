"""One thread that runs the live venue's exchange calls in order.

REST calls to Binance never run under the engine's lock: the venue hands each one to
this worker (`put`), which runs them one at a time in submission order — so an entry is
sent before its protection, and a cancel after the placement it cancels. A call that
must wait (a lookup after a timeout, a retry) is scheduled with `later`. A failing call
is logged and the worker goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Task = Callable[[], None]


class Worker:
    """A single background thread running tasks in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: queue.Queue[Task | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._timers: set[threading.Timer] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def put(self, task: Task) -> None:
        """Run `task` after every task put before it."""
        if not self._stopped.is_set():
            self._tasks.put(task)

    def later(self, delay_s: float, task: Task) -> None:
        """Run `task` after `delay_s` seconds (then in order with the others)."""
        if self._stopped.is_set():
            return

        def due() -> None:
            with self._lock:
                self._timers.discard(timer)
            self.put(task)

        timer = threading.Timer(delay_s, due)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def idle(self, timeout: float) -> bool:
        """Wait until every task put so far has run; False on timeout."""
        done = threading.Event()
        self.put(done.set)
        return done.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the tasks already queued; scheduled ones are dropped."""
        self._stopped.set()
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
        self._tasks.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            try:
                task()
            except Exception:
                log.exception("live venue task failed")
