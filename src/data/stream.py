"""Candle streams: the one shape in which closed candles travel from a source to the engine.

A *candle stream* is any `AsyncIterator[CandleEvent]` (`CandleStream`). Sources
produce it — `scalplab.data.replay.ReplaySource` from the Parquet store today, the
Binance WebSocket adapter later — and consumers read it without knowing which
source it is; the simulation's driver (`scalplab.simulation.driver`) hands the events
to Backtrader feeds.

Contract of a stream:
- one event per candle update; `final=True` marks a closed candle (Binance's
  kline `x` flag). Trading decisions use closed candles only; a source may also
  emit in-progress updates (`final=False`), which consumers are free to ignore;
- per `(symbol, timeframe)`, closed candles arrive in strictly increasing
  `open_ms` order, each at most once (a source that reconnects must not resend
  a candle it delivered; consumers drop stale ones defensively anyway);
- a stream ends when its source has nothing more to say (end of a replay); a
  live source runs until it is closed (`aclose()`) or its task is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from scalplab.data.bars import Bar
from scalplab.data.timeframes import timeframe_ms


@dataclass(frozen=True, slots=True)
class CandleEvent:
    """One candle of `symbol`/`timeframe`; `final` is True once the candle has closed."""

    symbol: str
    timeframe: str
    bar: Bar
    final: bool = True
    received_ns: int | None = None
    """Wall-clock instant (`time.time_ns()`) the candle reached the platform: a WebSocket
    frame's arrival, or, in a paced replay, the instant its close came due on the replay
    clock (so a candle read late, behind others of the same close, is not stamped late).
    None: unknown, the consumer stamps it on arrival."""

    @property
    def close_ms(self) -> int:
        """When the candle closes (its open time plus the timeframe), UTC epoch ms."""
        return self.bar.open_ms + timeframe_ms(self.timeframe)


CandleStream: TypeAlias = AsyncIterator[CandleEvent]
"""A source of candle events (see the module docstring for the ordering contract)."""


def bars_from_frame(candles: pd.DataFrame) -> list[Bar]:
    """A candle frame (`open_time` epoch ms + OHLCV, as the store returns it) → `Bar`s."""
    times = candles["open_time"].to_numpy(dtype=np.int64).tolist()
    columns = [
        candles[name].to_numpy(dtype=np.float64).tolist()
        for name in ("open", "high", "low", "close", "volume")
    ]
    return [Bar(*row) for row in zip(times, *columns, strict=True)]


_DONE = object()


async def merge_streams(streams: Sequence[CandleStream]) -> CandleStream:
    """Fan-in: the events of several streams in arrival order, until every stream has ended.

    Each stream is read by its own task, so a quiet stream never holds back a
    busy one (the right merge for live sources; a replay orders its own
    subscriptions by time). An error in any stream cancels the others and is
    raised to the reader; closing the merged stream cancels every reader task.
    """
    queue: asyncio.Queue[CandleEvent | object] = asyncio.Queue(maxsize=max(64, 16 * len(streams)))
    failures: list[BaseException] = []

    async def read(stream: CandleStream) -> None:
        try:
            async for event in stream:
                await queue.put(event)
        except Exception as exc:
            failures.append(exc)
        await queue.put(_DONE)  # not reached when cancelled: nobody is reading then

    tasks = [asyncio.create_task(read(stream)) for stream in streams]
    running = len(tasks)
    try:
        while running:
            item = await queue.get()
            if item is _DONE:
                running -= 1
                if failures:
                    raise failures[0]
                continue
            assert isinstance(item, CandleEvent)
            yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
