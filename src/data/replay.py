"""`ReplaySource`: stored candles played back as a live candle stream.

The candles of every `(symbol, timeframe)` subscription are read from the
`CandleStore` once, exactly as a backtest reads them (`CandleStore.read` over
`[start_ms, end_ms)`, higher timeframes resampled from 1m), and kept as numpy
arrays. Iterating the source yields a closed-candle `CandleEvent` per bar,
all subscriptions merged by the time the candle closes (ties: subscription
order) with a heap over the subscriptions' cursors — no pandas access per row,
so 50 symbols × 30 days of 1m bars replay in seconds.

Pacing: `speed=None` plays as fast as the consumer takes events (yielding to the
event loop every few hundred events); `speed=N` keeps N× real time against a
monotonic clock — a 1m bar takes 60/N s of wall time — without drifting when
the consumer is briefly slow. A hole in the data is compressed to at most one
bar of the longest subscribed timeframe, so a missing day does not stall a
replay. Waits are cut into short slices, so `stop()` (thread-safe) ends the
stream promptly; `aclose()` does the same from the event loop. `controls`
(`scalplab.data.replay_clock.ReplayClock`) pauses, steps and re-paces the timeline
from any thread without changing what is played; `progress()` says how many bars of
the base stream (the `base` subscriptions: the pairs' own timeframes) were played.

`last_open_ms(symbol, timeframe)` is known before the first event, so the consumer
can mark the final bar exactly as a backtest does, and `resume_close_ms` continues
an interrupted replay after the bars that closed by then (the consumer commits whole
close-time groups, so every subscription resumes at the same instant).
"""

from __future__ import annotations

import asyncio
import heapq
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scalplab.data.bars import Bar
from scalplab.data.candles import CandleStore
from scalplab.data.replay_clock import ReplayClock, ReplayProgress
from scalplab.data.stream import CandleEvent
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError
from scalplab.limits import check_replay_speed

Sleep = Callable[[float], Awaitable[None]]

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
CHUNK_ROWS = 2048
"""Rows converted from numpy to Python floats at a time, per subscription."""
YIELD_EVERY = 256
"""At full speed, events between two `asyncio.sleep(0)` so other tasks keep running."""
MAX_WAIT_SLICE = 0.25
"""Longest single wait in seconds, so a stop request is noticed quickly."""
PARK_SLICE = 0.02
"""Wait slice (s) while paused, so a step or resume is taken at once."""


@dataclass(slots=True)
class _Track:
    """One subscription's candles and its read cursor."""

    symbol: str
    timeframe: str
    step_ms: int
    times: np.ndarray
    prices: np.ndarray  # (rows, 5) float64: open high low close volume
    last_open_ms: int
    cursor: int = 0
    chunk_start: int = 0
    chunk_times: list[int] = field(default_factory=list)
    chunk_prices: list[list[float]] = field(default_factory=list)

    def close_ms(self) -> int:
        """Close time of the bar under the cursor."""
        return int(self.times[self.cursor]) + self.step_ms

    def take(self) -> Bar:
        """The bar under the cursor; the cursor moves on."""
        i = self.cursor - self.chunk_start
        if i >= len(self.chunk_times):
            self.chunk_start = self.cursor
            end = self.cursor + CHUNK_ROWS
            self.chunk_times = self.times[self.cursor : end].tolist()
            self.chunk_prices = self.prices[self.cursor : end].tolist()
            i = 0
        self.cursor += 1
        o, h, lo, c, v = self.chunk_prices[i]
        return Bar(self.chunk_times[i], o, h, lo, c, v)

    @property
    def remaining(self) -> int:
        return len(self.times) - self.cursor


class ReplaySource:
    """Closed candles of stored `(symbol, timeframe)` series, merged in time order.

    Iterate it once with `async for event in source`. Construction reads the
    store (raising `NoDataError` / `DataError` / `InputError` as
    `CandleStore.read` does) and validates the arguments, so a bad request fails
    before anything is played.
    """

    def __init__(
        self,
        store: CandleStore,
        subscriptions: Sequence[tuple[str, str]],
        start_ms: int | None = None,
        end_ms: int | None = None,
        speed: float | None = None,
        sleep: Sleep = asyncio.sleep,
        resume_close_ms: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        stop_event: threading.Event | None = None,
        base: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        if not subscriptions:
            raise InputError("a replay needs at least one (symbol, timeframe) subscription")
        if speed is not None:
            check_replay_speed(speed)
        keys = [(normalize_symbol(symbol), tf) for symbol, tf in subscriptions]
        if len(set(keys)) != len(keys):
            raise InputError("a replay subscription is listed twice")
        self._tracks = [
            self._load(store, s, tf, start_ms, end_ms, resume_close_ms) for s, tf in keys
        ]
        self._resume_close_ms = resume_close_ms
        self.controls = ReplayClock(speed, clock)
        self._sleep = sleep
        self._stop = stop_event if stop_event is not None else threading.Event()
        self._gap_cap_ms = max(track.step_ms for track in self._tracks)
        self._heap = [(t.close_ms(), i) for i, t in enumerate(self._tracks) if t.remaining]
        heapq.heapify(self._heap)
        self._emitted = 0
        self._prev_ms: int | None = None
        self._virtual_ms = 0
        self._promised = False
        base_keys = {(normalize_symbol(s), tf) for s, tf in (keys if base is None else base)}
        self._base = [(t.symbol, t.timeframe) in base_keys for t in self._tracks]
        closes = [t.times + t.step_ms for t, b in zip(self._tracks, self._base, strict=True) if b]
        self._base_closes = np.unique(np.concatenate(closes)) if closes else np.empty(0, np.int64)
        self._base_played_ms = -1 if resume_close_ms is None else resume_close_ms

    @staticmethod
    def _load(
        store: CandleStore,
        symbol: str,
        tf: str,
        start_ms: int | None,
        end_ms: int | None,
        resume_close_ms: int | None,
    ) -> _Track:
        step = timeframe_ms(tf)
        frame = store.read(symbol, tf, start_ms, end_ms, checked=True)
        times = frame["open_time"].to_numpy(dtype=np.int64)
        prices = np.ascontiguousarray(frame[list(PRICE_COLUMNS)].to_numpy(dtype=np.float64))
        track = _Track(symbol, tf, step, times, prices, last_open_ms=int(times[-1]))
        if resume_close_ms is not None:
            track.cursor = int(np.searchsorted(times + step, resume_close_ms, side="right"))
        return track

    def history(self, symbol: str, timeframe: str) -> list[Bar]:
        """Warm-up of a resumed replay: the bars that closed by `resume_close_ms`."""
        if self._resume_close_ms is None:
            return []
        return self.bars_until(symbol, timeframe, self._resume_close_ms)

    def bars_until(self, symbol: str, timeframe: str, close_ms: int) -> list[Bar]:
        """The bars of a subscription that closed by `close_ms` (a resumed run's warm-up)."""
        track = self._track(symbol, timeframe)
        count = int(np.searchsorted(track.times + track.step_ms, close_ms, side="right"))
        times = track.times[:count].tolist()
        return [Bar(t, *row) for t, row in zip(times, track.prices[:count].tolist(), strict=True)]

    # ----- what is known up front --------------------------------------------------

    @property
    def subscriptions(self) -> list[tuple[str, str]]:
        """The `(symbol, timeframe)` pairs, normalised, in subscription order."""
        return [(t.symbol, t.timeframe) for t in self._tracks]

    def last_open_ms(self, symbol: str, timeframe: str) -> int:
        """Open time of the final bar the replay holds for `symbol` at `timeframe`."""
        return self._track(symbol, timeframe).last_open_ms

    def _track(self, symbol: str, timeframe: str) -> _Track:
        name = normalize_symbol(symbol)
        for track in self._tracks:
            if track.symbol == name and track.timeframe == timeframe:
                return track
        raise InputError(f"{name} {timeframe} is not subscribed in this replay")

    @property
    def total(self) -> int:
        """Closed candles this replay will emit in all (after `resume_close_ms`)."""
        return self._emitted + sum(t.remaining for t in self._tracks)

    @property
    def emitted(self) -> int:
        """Closed candles emitted so far."""
        return self._emitted

    def progress(self) -> ReplayProgress:
        """Bars of the base stream played (a resumed replay counts those before it too)
        of all in its range, whether it is paused, and its pace."""
        played = int(np.searchsorted(self._base_closes, self._base_played_ms, side="right"))
        controls = self.controls
        return ReplayProgress(played, len(self._base_closes), controls.paused, controls.speed)

    # ----- stopping ------------------------------------------------------------------

    def stop(self) -> None:
        """End the stream at the next event or wait slice; safe from any thread."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        """True once `stop()` / `aclose()` was called (or the shared stop event is set)."""
        return self._stop.is_set()

    async def aclose(self) -> None:
        """End the stream (the async-iterator way to stop it)."""
        self.stop()

    def ready(self) -> bool:
        """True when the next candle can be had without waiting: it is due already (a
        paced replay), or the replay runs at full speed. False once it has ended.

        A consumer handles what is ready as one burst (closes of the same minute
        come due together) and settles up before it waits for the next one.
        """
        ready = self._ready()
        self._promised = ready  # the candle said ready is played even if a pause comes
        return ready

    def _ready(self) -> bool:
        if not self._heap or self._stop.is_set():
            return False
        close_ms = self._heap[0][0]
        same = self._prev_ms is not None and close_ms <= self._prev_ms
        controls = self.controls
        if controls.paused:
            return same  # a paused replay parks between instants, its burst committed
        if controls.speed is None or self._prev_ms is None:
            return controls.speed is None
        if same:
            return True
        step = min(close_ms - self._prev_ms, self._gap_cap_ms)
        return controls.due_in(self._virtual_ms + step) <= 0

    # ----- iteration -----------------------------------------------------------------

    def __aiter__(self) -> ReplaySource:
        return self

    async def __anext__(self) -> CandleEvent:
        heap = self._heap
        if not heap or self._stop.is_set():
            self.controls.end()
            raise StopAsyncIteration
        close_ms, index = heap[0]
        promised, self._promised = self._promised, False
        await self._pace(close_ms, promised)
        if self._stop.is_set():
            self.controls.end()
            raise StopAsyncIteration
        track = self._tracks[index]
        base = self._base[index]
        due_ns = self.controls.emitted(self._virtual_ms, base and close_ms > self._base_played_ms)
        if due_ns is None and self._emitted % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        bar = track.take()
        if track.remaining:
            heapq.heapreplace(heap, (track.close_ms(), index))
        else:
            heapq.heappop(heap)
        self._emitted += 1
        if base:
            self._base_played_ms = close_ms
        return CandleEvent(track.symbol, track.timeframe, bar, received_ns=due_ns)

    async def _pace(self, close_ms: int, promised: bool) -> None:
        """Wait until this candle may be played: the controls let it through (not paused,
        or a step) and the wall clock reached its place in the N× timeline."""
        prev = self._prev_ms
        same = prev is not None and close_ms <= prev
        if prev is None:
            self.controls.start(0.0)
        elif close_ms > prev:
            self._virtual_ms += min(close_ms - prev, self._gap_cap_ms)
        self._prev_ms = close_ms
        controls = self.controls
        while not self._stop.is_set():
            if not (promised or controls.may_emit(same)):
                await self._sleep(PARK_SLICE)
                continue
            delay = 0.0 if promised else controls.due_in(self._virtual_ms)
            if delay <= 0:
                return
            await self._sleep(min(delay, MAX_WAIT_SLICE))
