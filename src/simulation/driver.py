"""`Driver`: one thread that plays a candle stream into every pair's strategy.

The driver thread runs the stream (a candle source: a replay of stored candles today,
the live WebSocket adapter next; any async iterable of `CandleEvent`) on its own
asyncio loop. Every pair's Cerebro is a greenlet of that thread (`PairRunner`): a
closed candle is pushed into every feed that takes it — the base feed of the pairs
trading that symbol and timeframe, the extra feeds of the pairs that declared it — and
a pair whose base bar arrived is stepped at once, so the candle's bar and signal are
applied before the next candle is even read. A pair with extra feeds is stepped when
every candle closing at the same instant has been pushed (the end of the close-time
group), so it sees its extra bars exactly as a backtest does. The candles of one
close-time group that the stream had ready together form one burst, committed at
once. Nothing waits on another thread: with 50 pairs there are no 50 threads
contending for the GIL and the engine lock. The objects that live as long as the run
are frozen out of the garbage collector while it runs.

When the stream ends every feed is finished (its pair closes as a backtest does);
when it is stopped every feed ends without playing more. Either way each runner's
Cerebro returns before the thread does.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import threading
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from scalplab.data.live_feed import QueueFeed
from scalplab.data.stream import CandleEvent
from scalplab.errors import ScalpLabError
from scalplab.simulation.runner import PairRunner

log = logging.getLogger(__name__)


class Bursts(Protocol):
    """Groups the steps of one burst of candles into one commit (the engine's stepper)."""

    def open_burst(self) -> None:
        """The first candle of a burst is about to be stepped."""

    def close_burst(self) -> None:
        """The burst is over: commit its changes, then publish their events."""


STATUS_EVERY_S = 1.0
"""A replay's status event (its "bar X of N") goes out at most this often while it plays."""


class StatusTicker:
    """`Bursts` that also publish the run's status (its progress) with a burst's commit,
    at most every `STATUS_EVERY_S`: the stream follows a replay bar by bar at a slow
    speed without a status event per bar at full speed."""

    def __init__(self, inner: Bursts, publish_status: Callable[[], None]) -> None:
        self.inner = inner
        self.publish_status = publish_status
        self._last = 0.0

    def open_burst(self) -> None:
        """The first candle of a burst is about to be stepped."""
        self.inner.open_burst()

    def close_burst(self) -> None:
        """The status (when due) joins the burst's events; the burst commits."""
        try:
            now = time.monotonic()
            if now - self._last >= STATUS_EVERY_S:
                self._last = now
                self.publish_status()
        finally:
            self.inner.close_burst()


@dataclass(frozen=True, slots=True)
class Route:
    """Where the candles of one `(symbol, timeframe)` go: a runner's base or extra feed."""

    runner: PairRunner
    feed: QueueFeed
    base: bool


def routes_of(
    runners: Sequence[PairRunner], keys: dict[str, list[tuple[str, str]]]
) -> dict[tuple[str, str], list[Route]]:
    """Routes by `(symbol, timeframe)`: `keys[book]` lists a runner's base key first, then
    the keys of its extra feeds in declaration order."""
    routes: dict[tuple[str, str], list[Route]] = {}
    for runner in runners:
        base, *extras = keys[runner.book]
        routes.setdefault(base, []).append(Route(runner, runner.feed, True))
        for key, (_, feed) in zip(extras, runner.extras, strict=True):
            routes.setdefault(key, []).append(Route(runner, feed, False))
    return routes


class Driver(threading.Thread):
    """Plays `stream` into the runners along `routes` on one thread.

    With `bursts`, the candles of one close-time group the stream has ready at once
    (it says so with a `ready()` method, as `ReplaySource` does) are stepped as one
    burst, committed together; without `ready()` every candle ends its group.
    """

    def __init__(
        self,
        stream: AsyncIterable[CandleEvent],
        runners: Sequence[PairRunner],
        routes: dict[tuple[str, str], list[Route]],
        on_error: Callable[[str], None],
        bursts: Bursts | None = None,
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(name="sim-driver", daemon=True)
        self.prepare = prepare
        self.stream = stream
        self.runners = list(runners)
        self.routes = routes
        self.on_error = on_error
        self.bursts = bursts
        self.candles = 0
        self._group_close: int | None = None
        self._deferred: list[PairRunner] = []
        self._in_burst = False
        # The context of whoever started the run (an API request's correlation id, say):
        # what the run does is logged under it.
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(self._run)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except ScalpLabError as exc:
            self._fail(exc.message)
        except Exception as exc:
            log.exception("candle stream failed")
            self._fail(f"the candle stream failed: {type(exc).__name__}: {exc}")
        finally:
            for runner in self.runners:
                for feed in runner.feeds:
                    feed.finish()
                if runner.started:
                    runner.step()
                else:
                    runner.begin()  # the source failed first: Cerebro starts and ends
            gc.unfreeze()

    def _fail(self, message: str) -> None:
        self.on_error(message)
        for runner in self.runners:
            runner.feed.request_stop()

    async def _main(self) -> None:
        if self.prepare is not None:
            await self.prepare()  # a live source connects and learns its warm-up first
        for runner in self.runners:
            runner.begin()
        # Everything built so far (the strategies, their warm-up) lives as long as the
        # run: keep it out of the collector, whose full passes over it paused the thread
        # for 100+ ms in mid-run (measured); unfrozen when the run ends.
        gc.collect()
        gc.freeze()
        await self._play()

    async def _play(self) -> None:
        ready: Callable[[], bool] | None = getattr(self.stream, "ready", None)
        settle: Callable[[], Awaitable[bool]] | None = getattr(self.stream, "settle", None)
        try:
            async for event in self.stream:
                if not event.final:
                    continue
                routes = self.routes.get((event.symbol, event.timeframe))
                if not routes:
                    continue
                close_ms = event.close_ms
                if self._group_close is not None and close_ms != self._group_close:
                    self._end_group()
                self._group_close = close_ms
                self._apply(event, routes)
                if ready is None or not (ready() or (settle is not None and await settle())):
                    self._end_group()
        finally:
            self._end_group()

    def _apply(self, event: CandleEvent, routes: list[Route]) -> None:
        for route in routes:
            runner = route.runner
            if runner.done or not route.feed.push(event.bar, event.received_ns):
                continue
            if not route.base:
                continue
            self._open_burst()
            self.candles += 1
            if runner.extras:
                self._deferred.append(runner)
            else:
                runner.step()

    def _end_group(self) -> None:
        deferred, self._deferred = self._deferred, []
        for runner in deferred:
            runner.step()
        self._group_close = None
        if self._in_burst:
            self._in_burst = False
            if self.bursts is not None:
                self.bursts.close_burst()

    def _open_burst(self) -> None:
        if not self._in_burst:
            self._in_burst = True
            if self.bursts is not None:
                self.bursts.open_burst()
