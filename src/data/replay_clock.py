"""`ReplayClock`: a replay's N× timeline, and a person's controls over it.

A paced replay plays its candles on a virtual timeline: a candle whose close lies
`v` ms into the replay (holes compressed by the source) is due `v / speed` ms of wall
time after the timeline's anchor. The controls (any thread) act on that timeline:

- `pause()` freezes it where it is: no candle comes due while paused; `resume()`
  goes on from the same virtual instant (the wait left for the next candle is kept);
- `step()`, while paused, lets exactly one more bar of the run's base stream through
  (with every candle closing at the same instant), at once;
- `set_speed()` re-anchors the timeline at the current virtual instant, so the run
  continues from its cursor at the new pace (`None`: as fast as the consumer takes
  the candles).

None of them changes which candles are played or in what order, so a replay paused,
stepped and sped up gives exactly the results of an uninterrupted one.

The source asks `due_in(virtual_ms)` while it waits for a candle and reports what it
does (`parked()` when it waits because of a pause, `emitted()`, `ended()`), so a
control can wait until it took effect (`wait_parked`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from scalplab.limits import check_replay_speed

CONTROL_WAIT_S = 10.0
"""Longest a control waits for the replay to take it into account (a big burst)."""


@dataclass(frozen=True, slots=True)
class ReplayProgress:
    """How far a replay got: `bar` of `bars` bars of its base stream, paused or not."""

    bar: int
    bars: int
    paused: bool
    speed: float | None


class ReplayClock:
    """The virtual timeline of one replay, and the pause / step / speed controls."""

    def __init__(self, speed: float | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._speed = speed
        self._paused = False
        self._steps = 0
        self._anchored = False
        self._anchor_wall = 0.0
        self._anchor_ns = 0
        self._anchor_virtual = 0.0
        self._parks = 0
        self._parked = False
        self._ended = False

    # ----- controls (any thread) ---------------------------------------------------------

    @property
    def speed(self) -> float | None:
        """The pace: a multiple of real time, None for as fast as possible."""
        return self._speed

    @property
    def paused(self) -> bool:
        """Whether the timeline is frozen."""
        return self._paused

    @property
    def ended(self) -> bool:
        """Whether the replay played its last candle (or was stopped)."""
        return self._ended

    def pause(self) -> int:
        """Freeze the timeline; the park count to wait past (`wait_parked`)."""
        with self._cond:
            if not self._paused:
                self._anchor_virtual = self._virtual_now()
                self._paused = True
            return self._parks - (1 if self._parked else 0)

    def resume(self) -> None:
        """Go on from the virtual instant the pause froze (pending steps are dropped)."""
        with self._cond:
            if self._paused:
                self._paused = False
                self._parked = False
                self._steps = 0
                self._reanchor(self._anchor_virtual)

    def step(self) -> int:
        """While paused, let one more bar of the base stream through; the park count
        to wait past (`wait_parked`)."""
        with self._cond:
            self._steps += 1
            return self._parks

    def set_speed(self, speed: float | None) -> None:
        """Continue at `speed` from the current virtual instant (a paused timeline keeps
        its instant and takes the new pace when resumed)."""
        if speed is not None:
            check_replay_speed(speed)
        with self._cond:
            if not self._paused:
                self._reanchor(self._virtual_now())
            self._speed = speed

    def wait_parked(self, parks: int, timeout: float = CONTROL_WAIT_S) -> None:
        """Wait until the source parked more than `parks` times, or ended."""
        with self._cond:
            self._cond.wait_for(lambda: self._parks > parks or self._ended, timeout)

    # ----- the source's side ---------------------------------------------------------------

    def start(self, virtual_ms: float) -> None:
        """The first candle: the timeline starts now at `virtual_ms`."""
        with self._cond:
            if not self._anchored:
                self._anchored = True
                self._reanchor(virtual_ms)

    def may_emit(self, same_instant: bool) -> bool:
        """Whether a candle may be played now as far as the pause goes: not paused, or
        it closes with the candle played last (`same_instant`), or a step is owed."""
        if not self._paused:
            return True
        with self._cond:
            allowed = not self._paused or same_instant or self._steps > 0
            if allowed:
                self._parked = False
            elif not self._parked:
                self._parked = True
                self._parks += 1
                self._cond.notify_all()
            return allowed

    def due_in(self, virtual_ms: float) -> float:
        """Seconds of wall time until `virtual_ms` comes due (≤ 0: due; paused or at
        full speed: 0, the pause is `may_emit`'s business)."""
        if self._speed is None:
            return 0.0
        with self._cond:
            if self._paused or self._speed is None:
                return 0.0
            due = self._anchor_wall + (virtual_ms - self._anchor_virtual) / 1000.0 / self._speed
            return due - self._clock()

    def emitted(self, virtual_ms: float, base: bool) -> int | None:
        """A candle at `virtual_ms` was played (`base`: the first bar of the base stream
        closing at its instant); the wall-clock ns at which it came due (None at full
        speed)."""
        if not self._paused and self._speed is None:
            # Full speed, the hot path: no lock (only the source's thread writes the
            # anchor while nothing paces; a control reading it a candle late re-anchors
            # one candle earlier, which changes no result).
            self._anchor_virtual = virtual_ms
            return None
        with self._cond:
            if self._paused:
                self._anchor_virtual = max(self._anchor_virtual, virtual_ms)
                if base and self._steps > 0:
                    self._steps -= 1
                return time.time_ns()
            if self._speed is None:
                self._anchor_virtual = virtual_ms
                return None
            offset = (virtual_ms - self._anchor_virtual) / 1000.0 / self._speed
            return self._anchor_ns + round(offset * 1e9)

    def end(self) -> None:
        """The replay played its last candle or was stopped."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    # ----- internals -----------------------------------------------------------------------

    def _virtual_now(self) -> float:
        """The timeline's current instant (ms); at full speed, the last played one."""
        if self._paused or self._speed is None or not self._anchored:
            return self._anchor_virtual
        return self._anchor_virtual + (self._clock() - self._anchor_wall) * 1000.0 * self._speed

    def _reanchor(self, virtual_ms: float) -> None:
        self._anchor_virtual = virtual_ms
        self._anchor_wall = self._clock()
        self._anchor_ns = time.time_ns()
