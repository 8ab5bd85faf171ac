"""`Driver`: one thread that plays a candle stream into every pair's strategy.

The driver thread runs the stream (a `ReplaySource` today, the live WebSocket
adapter later: any async iterable of `CandleEvent`) on its own asyncio loop.
Every pair's Cerebro is a greenlet of that thread (`PairRunner`): a closed
candle is pushed into its pair's `QueueFeed` and that pair's strategy is
stepped at once, so the candle's bar and signal are applied before the next
candle is even read; the candles the stream had ready together (one burst)
are committed at once when it runs dry. Nothing waits on another thread: with 50 pairs
there are no 50 threads contending for the GIL and the engine lock, and a
burst of simultaneous closes is worked through back to back. The objects that
live as long as the run are frozen out of the garbage collector while it runs.

When the stream ends every feed is finished (its pair closes as a backtest
does); when it is stopped every feed ends without playing more. Either way
each runner's Cerebro returns before the thread does.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import threading
from collections.abc import AsyncIterable, Callable, Mapping
from typing import Protocol

from scalplab.data.stream import CandleEvent
from scalplab.errors import ScalpLabError
from scalplab.simulation.runner import PairRunner

log = logging.getLogger(__name__)


class Bursts(Protocol):
    """Groups the steps of one burst of candles into one commit (the engine)."""

    def open_burst(self) -> None:
        """The first candle of a burst is about to be stepped."""

    def close_burst(self) -> None:
        """The burst is over: commit its changes, then publish their events."""


class Driver(threading.Thread):
    """Plays `stream` into `runners` (keyed by `(symbol, timeframe)`) on one thread.

    With `bursts`, the candles the stream has ready at once (it says so with a
    `ready()` method, as `ReplaySource` does) are stepped as one burst of at
    most one candle per runner, committed together; without `ready()` every
    candle is its own burst.
    """

    def __init__(
        self,
        stream: AsyncIterable[CandleEvent],
        runners: Mapping[tuple[str, str], PairRunner],
        on_error: Callable[[str], None],
        bursts: Bursts | None = None,
    ) -> None:
        super().__init__(name="sim-driver", daemon=True)
        self.stream = stream
        self.runners = dict(runners)
        self.on_error = on_error
        self.bursts = bursts
        self.candles = 0
        self._in_burst = 0
        # The context of whoever started the run (an API request's correlation id, say):
        # what the run does is logged under it.
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(self._run)

    def _run(self) -> None:
        try:
            for runner in self.runners.values():
                runner.begin()
            # Everything built so far (the strategies, their warm-up) lives as long as the
            # run: keep it out of the collector, whose full passes over it paused the thread
            # for 100+ ms in mid-run (measured); unfrozen when the run ends.
            gc.collect()
            gc.freeze()
            asyncio.run(self._play())
        except ScalpLabError as exc:
            self._fail(exc.message)
        except Exception as exc:
            log.exception("candle stream failed")
            self._fail(f"the candle stream failed: {type(exc).__name__}: {exc}")
        finally:
            for runner in self.runners.values():
                runner.feed.finish()
                runner.step()
            gc.unfreeze()

    def _fail(self, message: str) -> None:
        self.on_error(message)
        for runner in self.runners.values():
            runner.feed.request_stop()

    async def _play(self) -> None:
        runners = self.runners
        ready: Callable[[], bool] | None = getattr(self.stream, "ready", None)
        limit = max(1, len(runners))
        try:
            async for event in self.stream:
                if not event.final:
                    continue
                runner = runners.get((event.symbol, event.timeframe))
                if runner is None or runner.done:
                    continue
                self._open()
                if runner.feed.push(event.bar, event.received_ns):
                    self.candles += 1
                    runner.step()
                if ready is None or self._in_burst >= limit or not ready():
                    self._close()
        finally:
            self._close()

    def _open(self) -> None:
        if self.bursts is not None and not self._in_burst:
            self.bursts.open_burst()
        self._in_burst += 1

    def _close(self) -> None:
        if self._in_burst:
            self._in_burst = 0
            if self.bursts is not None:
                self.bursts.close_burst()
