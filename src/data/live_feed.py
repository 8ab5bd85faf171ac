"""`QueueFeed`: a live Backtrader feed that plays closed candles pushed to it.

A Cerebro over it runs with `runonce=False, preload=False`, in a thread of its
own or, in the paper-trading engine, as a greenlet of the driver thread (see
cooperative mode below). Closed candles are handed over with `push()`, from any
thread; the simulation's driver (`scalplab.simulation.driver`) pushes the candles of
a candle stream (`scalplab.data.stream`) that way.

How it behaves inside Cerebro:
- `islive()` is True, so Cerebro disables preload and runonce and asks the
  feed for one bar at a time through `_load()`;
- cooperative mode: with `on_empty` set, `_load()` calls it instead of waiting
  when no bar is queued — the simulation's driver runs every pair's Cerebro as
  a greenlet of one thread and `on_empty` switches back to it;
- `_load()` first serves the optional warm-up `history` (marked `history = 1`
  on the extra line of that name, and announced with a `DELAYED` data
  notification), then takes pushed bars in order, each exactly once. When no
  bar is queued it waits on a condition variable for at most `poll_seconds`
  and returns None ("no bar yet"): Cerebro's loop runs its notifications and
  asks again, so an idle feed wakes a few times a second instead of spinning,
  and a pushed bar wakes it at once;
- the feed ends — `_load()` returns False and Cerebro stops after calling the
  strategy's `stop()` — when `finish()` was called and the queue is drained,
  right after the bar whose open time is `last_open_ms` (when the stream knows
  its last bar), or at once when the stop event is set (`request_stop()` or a
  shared `threading.Event`); `stopped` tells a stop from a natural end.

Like `CandleArrayFeed` it carries each bar's UTC open time in epoch ms on the
`open_ms` line, so strategies, the execution model and the engine see exactly
the bars a backtest sees, and stamps Backtrader's clock with the open time plus
`stamp_offset_ms` (an extra feed's alignment, `scalplab.strategies.feeds`).

An extra feed of a strategy is a *follower* (`leader=` the strategy's base feed): it
never waits for a bar (the driver queues its bars before it steps the strategy), and
it ends when its leader does.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import backtrader as bt

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)
from scalplab.data.bars import Bar
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import ConflictError, DataError, InputError
from scalplab.timeutil import iso_ms

# As in `scalplab.data.feeds`: Backtrader's date number of 1970-01-01 and ms per day.
_EPOCH_DATENUM = 719163.0
_MS_PER_DAY = 86_400_000.0


def _datenum(open_ms: int) -> float:
    """Backtrader's date number of a UTC epoch-ms instant (same arithmetic as the array feed)."""
    return open_ms / _MS_PER_DAY + _EPOCH_DATENUM


class QueueFeed(bt.feed.DataBase):  # type: ignore[misc]
    """A live feed of closed candles: warm-up `history` first, then whatever is pushed.

    Thread-safe producer side: `push`, `finish`, `set_last_open_ms`,
    `request_stop`, `detach`. Everything else runs on Cerebro's thread.
    `max_pending > 0` bounds the queue: a producer that finds it full waits
    until the strategy has taken half of it (backpressure for fast replays).
    """

    lines = ("open_ms", "history")

    def __init__(
        self,
        history: Sequence[Bar] = (),
        *,
        tf: str | None = None,
        last_open_ms: int | None = None,
        poll_seconds: float = 0.1,
        max_pending: int = 0,
        stop_event: threading.Event | None = None,
        stamp_offset_ms: int = 0,
        leader: QueueFeed | None = None,
    ) -> None:
        super().__init__()
        self._stamp_offset_ms = int(stamp_offset_ms)
        self.leader = leader
        if poll_seconds <= 0:
            raise InputError(f"poll_seconds must be positive, not {poll_seconds}")
        if max_pending < 0:
            raise InputError(f"max_pending must be 0 (unbounded) or positive, not {max_pending}")
        self._step_ms = timeframe_ms(tf) if tf is not None else None
        self._history = self._checked_history(history)
        self._poll = float(poll_seconds)
        self._max_pending = int(max_pending)
        self._stop_event = stop_event if stop_event is not None else threading.Event()
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._not_full = threading.Condition(self._lock)
        self._items: deque[Bar] = deque()
        # Wall-clock arrival (time.time_ns) of each queued candle, for latency measurements.
        self._pushed_ns: deque[int] = deque()
        self.last_ingress_ns: int | None = None
        self._finished = False
        self._closed = False
        self._last_open_ms = last_open_ms
        self._last_pushed_ms: int | None = self._history[-1].open_ms if self._history else None
        if last_open_ms is not None and self._last_pushed_ms is not None:
            self._check_last(last_open_ms, self._last_pushed_ms)
        self._history_pos = 0
        self._delivered = 0
        self._dropped = 0
        self._ended = False
        self._reached_last = False
        self._live_announced = False
        self.on_empty: Callable[[], None] | None = None
        """Cooperative mode: called (on Cerebro's thread) instead of waiting when no bar is
        queued; it hands control to the producer, which pushes and hands it back (the
        simulation driver steps every pair's Cerebro this way from one thread)."""

    # ----- producer side (any thread) -------------------------------------------------

    def push(self, bar: Bar, received_ns: int | None = None) -> bool:
        """Queue a closed candle; False when it is stale (not newer than the last one) or stopped.

        `received_ns` is when the candle reached the platform (`CandleEvent.received_ns`;
        default: now), kept as `last_ingress_ns` for latency measurements.

        Raises `DataError` for a malformed candle or one off the timeframe grid,
        `ConflictError` after `finish()`, after the announced last bar, or once
        the consuming Cerebro has stopped (`detach()`). Blocks while a bounded
        queue is full.
        """
        self._check_bar(bar)
        with self._lock:
            if not self._accepts(bar):
                return False
            if self._max_pending and len(self._items) >= self._max_pending:
                low_water = self._max_pending // 2
                while len(self._items) > low_water and self._open():
                    self._not_full.wait(self._poll)
                if not self._accepts(bar):
                    return False
            self._items.append(bar)
            self._pushed_ns.append(time.time_ns() if received_ns is None else received_ns)
            self._last_pushed_ms = bar.open_ms
            self._not_empty.notify()
        return True

    def set_history(self, history: Sequence[Bar]) -> None:
        """Give the warm-up history before Cerebro starts (a live feed learns it once
        connected); raises `ConflictError` once bars were pushed or played."""
        bars = self._checked_history(history)
        with self._lock:
            if self._items or self._history_pos or self._delivered:
                raise ConflictError("warm-up history can only be set before the feed starts")
            self._history = bars
            self._last_pushed_ms = bars[-1].open_ms if bars else None

    def _checked_history(self, history: Sequence[Bar]) -> list[Bar]:
        bars = list(history)
        for before, after in pairwise(bars):
            if after.open_ms <= before.open_ms:
                raise DataError(
                    f"warm-up history is not in strictly increasing time order at "
                    f"{iso_ms(after.open_ms)}"
                )
        for bar in bars:
            self._check_bar(bar)
        return bars

    def finish(self) -> None:
        """End of stream: Cerebro stops once the queued bars are played (idempotent)."""
        with self._lock:
            self._finished = True
            self._not_empty.notify_all()

    def set_last_open_ms(self, open_ms: int) -> None:
        """Announce the open time of the stream's final bar; the feed ends right after it."""
        with self._lock:
            if self._last_pushed_ms is not None:
                self._check_last(open_ms, self._last_pushed_ms)
            self._last_open_ms = int(open_ms)

    def request_stop(self) -> None:
        """Stop now: Cerebro ends at its next `_load`, queued bars are not played."""
        self._stop_event.set()
        with self._lock:
            self._not_empty.notify_all()
            self._not_full.notify_all()

    def detach(self) -> None:
        """The consumer is gone (Cerebro stopped or failed): pushes raise from now on."""
        with self._lock:
            self._closed = True
            self._not_full.notify_all()
            self._not_empty.notify_all()

    # ----- state ----------------------------------------------------------------------

    @property
    def last_open_ms(self) -> int | None:
        """Open time of the stream's final bar, when known (for `ExecutionModel.add_feed`)."""
        return self._last_open_ms

    @property
    def history_until_ms(self) -> int | None:
        """Open time of the last warm-up bar (bars up to it are history), or None."""
        return self._history[-1].open_ms if self._history else None

    @property
    def pending(self) -> int:
        """Bars pushed but not yet played."""
        return len(self._items)

    @property
    def delivered(self) -> int:
        """Pushed (non-history) bars played to the strategy so far."""
        return self._delivered

    @property
    def dropped(self) -> int:
        """Stale pushes ignored (a bar not newer than the previous one)."""
        return self._dropped

    @property
    def finished(self) -> bool:
        """True once `finish()` was called."""
        return self._finished

    @property
    def stopped(self) -> bool:
        """True once a stop was requested (the feed ends without playing queued bars)."""
        return self._stop_event.is_set()

    @property
    def ended(self) -> bool:
        """True once the feed told Cerebro there are no more bars."""
        return self._ended

    # ----- Backtrader side (Cerebro's thread) -------------------------------------------

    def islive(self) -> bool:
        return True

    def haslivedata(self) -> bool:
        return bool(self._items)

    def start(self) -> None:
        super().start()
        self._history_pos = 0
        self._live_announced = False
        self.put_notification(self.DELAYED if self._history else self.LIVE)

    def stop(self) -> None:
        super().stop()
        self.detach()

    def _load(self) -> bool | None:
        if self._reached_last or self._stop_event.is_set():
            return self._end()
        if self.leader is not None and self.leader.ended:
            return self._end()
        if self._history_pos < len(self._history):
            self._fill(self._history[self._history_pos], history=True)
            self._history_pos += 1
            return True
        bar: Bar | None
        if self.on_empty is not None and not (self._items or self._finished or self.stopped):
            self.on_empty()
        with self._lock:
            if (
                not self._items
                and not self._finished
                and self.on_empty is None
                and self.leader is None
            ):
                self._not_empty.wait(self._poll)
            if self._stop_event.is_set():
                bar = None
            elif self._items:
                bar = self._items.popleft()
                self.last_ingress_ns = self._pushed_ns.popleft()
                if self._max_pending and len(self._items) <= self._max_pending // 2:
                    self._not_full.notify_all()
            elif self._finished:
                bar = None
            else:
                return None  # nothing yet: Cerebro idles one round and asks again
        if bar is None:
            return self._end()
        if not self._live_announced and self._history:
            self._live_announced = True
            self.put_notification(self.LIVE)
        self._fill(bar, history=False)
        self._delivered += 1
        if self._last_open_ms is not None and bar.open_ms >= self._last_open_ms:
            self._reached_last = True
        return True

    # ----- internals --------------------------------------------------------------------

    def _end(self) -> bool:
        self._ended = True
        self.put_notification(self.DISCONNECTED)
        return False

    def _fill(self, bar: Bar, history: bool) -> None:
        lines: Any = self.lines
        lines.datetime[0] = _datenum(bar.open_ms + self._stamp_offset_ms)
        lines.open[0] = bar.open
        lines.high[0] = bar.high
        lines.low[0] = bar.low
        lines.close[0] = bar.close
        lines.volume[0] = bar.volume
        lines.openinterest[0] = 0.0
        lines.open_ms[0] = float(bar.open_ms)
        lines.history[0] = 1.0 if history else 0.0

    def _open(self) -> bool:
        return not (self._closed or self._stop_event.is_set())

    def _accepts(self, bar: Bar) -> bool:
        """Under the lock: may `bar` be queued? Raises for a push the feed must refuse."""
        name = self._name or "feed"
        if self._stop_event.is_set():
            return False  # stopping: late candles are expected and ignored
        if self._closed:
            raise ConflictError(f"{name}: the feed is closed (its Cerebro has stopped)")
        if self._finished:
            raise ConflictError(f"{name}: candle {iso_ms(bar.open_ms)} pushed after finish()")
        if self._last_pushed_ms is not None and bar.open_ms <= self._last_pushed_ms:
            self._dropped += 1
            return False
        if self._last_open_ms is not None and bar.open_ms > self._last_open_ms:
            raise ConflictError(
                f"{name}: candle {iso_ms(bar.open_ms)} is after the announced last bar "
                f"{iso_ms(self._last_open_ms)}"
            )
        return True

    def _check_bar(self, bar: Bar) -> None:
        if not (bar.low <= min(bar.open, bar.close) and max(bar.open, bar.close) <= bar.high):
            raise DataError(
                f"malformed candle at {iso_ms(bar.open_ms)}: open {bar.open}, high {bar.high}, "
                f"low {bar.low}, close {bar.close}"
            )
        if not bar.volume >= 0:
            raise DataError(f"malformed candle at {iso_ms(bar.open_ms)}: volume {bar.volume}")
        if self._step_ms is not None and bar.open_ms % self._step_ms:
            raise DataError(f"candle {iso_ms(bar.open_ms)} is not on the timeframe grid")

    @staticmethod
    def _check_last(last_open_ms: int, seen_ms: int) -> None:
        if last_open_ms < seen_ms:
            raise ConflictError(
                f"last bar {iso_ms(last_open_ms)} is before a candle already received "
                f"({iso_ms(seen_ms)})"
            )
