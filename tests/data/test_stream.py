"""Candle events, frame → bars, and the fan-in merge of live streams, on real candles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from scalplab.data.bars import Bar
from scalplab.data.stream import CandleEvent, CandleStream, bars_from_frame, merge_streams
from scalplab.data.timeframes import resample
from tests.conftest import real_klines


def test_bars_from_frame_keeps_every_real_row() -> None:
    frame = real_klines("BTCUSDT").head(500)
    bars = bars_from_frame(frame)
    assert len(bars) == 500
    first = frame.iloc[0]
    assert bars[0] == Bar(
        int(first.open_time), first.open, first.high, first.low, first.close, first.volume
    )
    assert all(type(bar.open_ms) is int for bar in bars)
    fifteen = bars_from_frame(resample(frame, "15m"))
    assert [b.open_ms % 900_000 for b in fifteen] == [0] * len(fifteen)


def test_candle_event_close_time() -> None:
    bar = bars_from_frame(real_klines("ETHUSDT").head(1))[0]
    assert CandleEvent("ETHUSDT", "1m", bar).close_ms == bar.open_ms + 60_000
    assert CandleEvent("ETHUSDT", "1h", bar, final=False).close_ms == bar.open_ms + 3_600_000


async def _paced(symbol: str, bars: list[Bar], delay: float) -> AsyncIterator[CandleEvent]:
    for bar in bars:
        await asyncio.sleep(delay)
        yield CandleEvent(symbol, "1m", bar)


def test_merge_streams_interleaves_by_arrival_and_ends_with_the_last() -> None:
    btc = bars_from_frame(real_klines("BTCUSDT").head(5))
    eth = bars_from_frame(real_klines("ETHUSDT").head(20))

    async def main() -> list[CandleEvent]:
        streams: list[CandleStream] = [_paced("BTCUSDT", btc, 0.02), _paced("ETHUSDT", eth, 0.0)]
        return [event async for event in merge_streams(streams)]

    events = asyncio.run(main())
    assert len(events) == 25
    # The fast stream is not held back by the slow one, and each keeps its own order.
    assert [e.bar for e in events if e.symbol == "BTCUSDT"] == btc
    assert [e.bar for e in events if e.symbol == "ETHUSDT"] == eth
    assert events[-1].symbol == "BTCUSDT"
    assert events.index(next(e for e in events if e.symbol == "BTCUSDT")) > 10


def test_merge_streams_raises_a_source_error_and_cancels_the_rest() -> None:
    bars = bars_from_frame(real_klines("SOLUSDT").head(3))
    cancelled = asyncio.Event()

    async def broken() -> AsyncIterator[CandleEvent]:
        yield CandleEvent("SOLUSDT", "1m", bars[0])
        raise ConnectionError("socket closed")

    async def endless() -> AsyncIterator[CandleEvent]:
        try:
            while True:
                await asyncio.sleep(0.01)
                yield CandleEvent("XRPUSDT", "1m", bars[1])
        finally:
            cancelled.set()

    async def main() -> None:
        async for _ in merge_streams([broken(), endless()]):
            pass

    async def run() -> bool:
        with pytest.raises(ConnectionError, match="socket closed"):
            await main()
        return cancelled.is_set()

    assert asyncio.run(run())


def test_closing_the_merged_stream_cancels_its_readers() -> None:
    bars = bars_from_frame(real_klines("DOGEUSDT").head(2))
    stopped = asyncio.Event()

    async def endless() -> AsyncIterator[CandleEvent]:
        try:
            while True:
                await asyncio.sleep(0)
                yield CandleEvent("DOGEUSDT", "1m", bars[0])
        finally:
            stopped.set()

    async def main() -> int:
        merged = merge_streams([endless(), endless()])
        seen = 0
        async for _ in merged:
            seen += 1
            if seen == 10:
                break
        await merged.aclose()  # type: ignore[attr-defined]
        return seen

    async def run() -> bool:
        assert await main() == 10
        return stopped.is_set()

    assert asyncio.run(run())


def test_merging_nothing_ends_at_once() -> None:
    async def main() -> list[CandleEvent]:
        return [event async for event in merge_streams([])]

    assert asyncio.run(main()) == []
