"""Replay controls of a running paper-trading replay: pause, resume, step, speed.

They act on the running replay's timeline (`scalplab.data.replay_clock.ReplayClock`):
what is played and in what order never changes, so a replay paused, stepped and sped
up trades exactly as an uninterrupted one (and as the backtest). `pause()` and
`step()` return once the replay took them into account — parked between two bar
instants with the last burst committed — so the status they answer with shows the bar
the replay stands at. Each control publishes a status event.

Pending confirmations keep their wall-clock TTL while a replay is paused: a
confirmation is a request to a person with a deadline in their time (as on the live
feed, which cannot be paused), and the countdown the dashboard shows stays true. A
confirmation decided while paused applies at the next bar the replay plays.

A live feed plays in real time: every control answers `ConflictError` there, as it
does when no replay is running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from scalplab.data.replay import ReplaySource
from scalplab.errors import ConflictError
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.journal import Journal
from scalplab.simulation.lifecycle import Lifecycle
from scalplab.simulation.views import EngineStatus

NOT_RUNNING = "no replay is running: start one first"
LIVE = "the live feed plays in real time: pause, step and speed are for a replay"
NOT_PAUSED = "pause the replay before stepping it"


class ReplayControls:
    """Pause, resume, step and re-pace the engine's running replay."""

    def __init__(
        self,
        lock: threading.RLock,
        account: PaperAccount,
        lifecycle: Lifecycle,
        journal: Journal,
        publish_status: Callable[[], None],
        status: Callable[[], EngineStatus],
    ) -> None:
        self.lock = lock
        self.account = account
        self.lifecycle = lifecycle
        self.journal = journal
        self.publish_status = publish_status
        self.status = status

    def _replay(self) -> ReplaySource:
        """The running replay (the caller holds the lock); `ConflictError` otherwise."""
        source = self.lifecycle.source
        spec = self.account.run.spec
        if self.account.run.state != "running" or source is None:
            raise ConflictError(NOT_RUNNING)
        if not isinstance(source, ReplaySource) or (spec is not None and spec.kind != "replay"):
            raise ConflictError(LIVE)
        return source

    def pause(self) -> EngineStatus:
        """Freeze the replay's clock: no bar is applied until `resume()` or `step()`."""
        with self.lock:
            controls = self._replay().controls
            parks = controls.pause()
        controls.wait_parked(parks)  # without the lock: the replay commits its burst first
        return self._published()

    def resume(self) -> EngineStatus:
        """Go on from where the pause froze the clock."""
        with self.lock:
            self._replay().controls.resume()
        return self._published()

    def step(self) -> EngineStatus:
        """Apply exactly one more bar of the paused replay's base stream (every candle
        closing at that instant with it); returns once it is committed."""
        with self.lock:
            controls = self._replay().controls
            if not controls.paused:
                raise ConflictError(NOT_PAUSED)
            parks = controls.step()
        controls.wait_parked(parks)
        return self._published()

    def set_speed(self, speed: float | None) -> EngineStatus:
        """Continue the running replay at `speed`× real time (None: as fast as possible)
        from its cursor, without restarting it; a later restart keeps the new speed."""
        with self.lock:
            source = self._replay()
            source.controls.set_speed(speed)
            spec = self.account.run.spec
            if spec is not None:
                self.account.run.spec = replace(spec, speed=speed)
            with self.journal.change():
                self.publish_status()
            return self.status()

    def _published(self) -> EngineStatus:
        with self.lock:
            with self.journal.change():
                self.publish_status()
            return self.status()
