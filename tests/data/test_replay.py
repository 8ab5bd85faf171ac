"""ReplaySource over a real Parquet store: merge order, pacing, resume, stop and bad input."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.integrity import CorruptCandlesError
from scalplab.data.replay import MAX_WAIT_SLICE, ReplaySource
from scalplab.data.stream import CandleEvent, bars_from_frame
from scalplab.errors import InputError, NoDataError
from tests.conftest import corrupt_candle_file, real_klines

DAY = 86_400_000
MINUTE = 60_000
START = 1_750_118_400_000  # 2025-06-17T00:00:00Z
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CandleStore:
    """Two real days of 1m candles of six symbols; ETHUSDT has a real 3-hour hole cut out."""
    store = CandleStore(tmp_path_factory.mktemp("replay") / "data")
    for symbol in SYMBOLS:
        frame = real_klines(symbol)
        frame = frame[(frame.open_time >= START) & (frame.open_time < START + 2 * DAY)]
        if symbol == "ETHUSDT":
            hole = (frame.open_time >= START + 10 * 3_600_000) & (
                frame.open_time < START + 13 * 3_600_000
            )
            frame = frame[~hole]
        store.merge(symbol, "1m", frame.reset_index(drop=True))
    return store


def _collect(source: ReplaySource) -> list[CandleEvent]:
    async def main() -> list[CandleEvent]:
        return [event async for event in source]

    return asyncio.run(main())


class FakeTime:
    """A monotonic clock that only the injected sleep moves (plus explicit work)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_events_are_the_stored_bars_merged_by_close_time(store: CandleStore) -> None:
    subs = [("ETHUSDT", "1m"), ("btcusdt", "15m"), ("BTCUSDT", "1m")]
    source = ReplaySource(store, subs, START, START + DAY)
    assert source.subscriptions == [("ETHUSDT", "1m"), ("BTCUSDT", "15m"), ("BTCUSDT", "1m")]
    total = source.total
    events = _collect(source)
    assert len(events) == total == source.emitted
    for symbol, tf in source.subscriptions:
        expected = bars_from_frame(store.read(symbol, tf, START, START + DAY))
        got = [e.bar for e in events if (e.symbol, e.timeframe) == (symbol, tf)]
        assert got == expected
        assert source.last_open_ms(symbol, tf) == expected[-1].open_ms
    assert all(e.final for e in events)
    order = {key: i for i, key in enumerate(source.subscriptions)}
    keys = [(e.close_ms, order[(e.symbol, e.timeframe)]) for e in events]
    assert keys == sorted(keys)
    # At a quarter hour the 15m bar closes with the 1m bar that ends it, in subscription order.
    quarter = [e for e in events if e.close_ms == START + 15 * MINUTE]
    assert [(e.symbol, e.timeframe) for e in quarter] == [
        ("ETHUSDT", "1m"),
        ("BTCUSDT", "15m"),
        ("BTCUSDT", "1m"),
    ]
    # A resumed run's warm-up: the bars of a subscription that closed by an instant.
    assert source.bars_until("BTCUSDT", "15m", START + 15 * MINUTE) == [quarter[1].bar]
    assert source.bars_until("ethusdt", "1m", START + 15 * MINUTE) == [
        e.bar for e in events if e.symbol == "ETHUSDT" and e.close_ms <= START + 15 * MINUTE
    ]
    assert source.bars_until("BTCUSDT", "1m", START) == []


def test_last_open_ms_is_known_up_front_per_subscription(store: CandleStore) -> None:
    source = ReplaySource(store, [("SOLUSDT", "1m"), ("BTCUSDT", "5m"), ("BTCUSDT", "1h")])
    assert source.last_open_ms("solusdt", "1m") == START + 2 * DAY - MINUTE
    assert source.last_open_ms("BTCUSDT", "5m") == START + 2 * DAY - 5 * MINUTE
    assert source.last_open_ms("BTCUSDT", "1h") == START + 2 * DAY - 3_600_000
    with pytest.raises(InputError, match="ETHUSDT 1m is not subscribed"):
        source.last_open_ms("ETHUSDT", "1m")
    with pytest.raises(InputError, match="SOLUSDT 5m is not subscribed"):
        source.last_open_ms("SOLUSDT", "5m")
    with pytest.raises(InputError, match="BTCUSDT 1m is not subscribed"):
        source.bars_until("BTCUSDT", "1m", START + DAY)


def paced(store: CandleStore, fake: FakeTime, minutes: int, speed: float) -> ReplaySource:
    """BTCUSDT and XRPUSDT 1m from START, paced at `speed` on the fake clock."""
    return ReplaySource(
        store,
        [("BTCUSDT", "1m"), ("XRPUSDT", "1m")],
        START,
        START + minutes * MINUTE,
        speed=speed,
        sleep=fake.sleep,
        clock=fake.clock,
    )


def test_speed_paces_bars_in_wall_time_and_compresses_holes(store: CandleStore) -> None:
    fake = FakeTime()
    source = ReplaySource(
        store,
        [("ETHUSDT", "1m")],
        START + 9 * 3_600_000,
        START + 14 * 3_600_000,
        speed=60,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    events = _collect(source)
    assert len(events) == 2 * 60  # 09:00-10:00 and 13:00-14:00 around the hole
    assert max(fake.sleeps) <= MAX_WAIT_SLICE
    # 119 steps of one minute at 60x = 119 s; the 3-hour hole counts as one bar, not 180.
    assert sum(fake.sleeps) == pytest.approx(119.0)
    assert fake.now - 1000.0 == pytest.approx(119.0)


def test_a_slow_consumer_is_not_made_to_wait_again(store: CandleStore) -> None:
    fake = FakeTime()
    source = paced(store, fake, 10, 120)

    async def main() -> int:
        seen = 0
        async for _ in source:
            seen += 1
            if seen == 2:
                fake.now += 3.0  # the consumer spent 3 s (6 bars' worth at 120x) on one bar
        return seen

    assert asyncio.run(main()) == 20
    # 9 steps x 0.5 s = 4.5 s of timeline; 3 s were spent working, so only 1.5 s is slept.
    assert sum(fake.sleeps) == pytest.approx(1.5)


def test_each_candle_is_stamped_with_the_instant_its_close_came_due(store: CandleStore) -> None:
    """A candle read late (behind others of the same close, or by a slow consumer) keeps
    its due instant as `received_ns`: latency measured from it includes the wait."""
    fake = FakeTime()
    source = paced(store, fake, 4, 60)

    async def main() -> list[int]:
        stamps = []
        async for event in source:
            assert event.received_ns is not None
            stamps.append(event.received_ns)
            fake.now += 0.25  # each candle takes a quarter of a second to handle
        return stamps

    stamps = asyncio.run(main())
    first = stamps[0]
    # Both closes of a minute share one instant; minutes are 1 s apart at 60x, however
    # long the consumer took (the second candle of each minute was read 0.25 s late).
    assert [round((t - first) / 1e9, 6) for t in stamps] == [0, 0, 1, 1, 2, 2, 3, 3]
    full_speed = ReplaySource(store, [("BTCUSDT", "1m")], START, START + MINUTE)
    assert [e.received_ns for e in _collect(full_speed)] == [None]


def test_resume_close_ms_continues_every_subscription_after_that_instant(
    store: CandleStore,
) -> None:
    subs = [("BTCUSDT", "1m"), ("ADAUSDT", "1m")]
    first = ReplaySource(store, subs, START, START + DAY)

    async def take(n: int) -> list[CandleEvent]:
        out = []
        async for event in first:
            out.append(event)
            if len(out) == n:
                await first.aclose()
        return out

    head = asyncio.run(take(101))
    assert len(head) == 101 and first.stopped
    # 50 whole minutes (BTC then ADA at each close), then BTC's bar of minute 50 alone:
    # a consumer commits whole close-time groups, so it resumes after the 00:50 closes.
    assert head[-1].symbol == "BTCUSDT" and head[-1].bar.open_ms == START + 50 * MINUTE
    committed = head[-2].close_ms
    assert committed == START + 50 * MINUTE
    second = ReplaySource(store, subs, START, START + DAY, resume_close_ms=committed)
    assert second.total == 2 * 1440 - 100
    tail = _collect(second)
    assert tail[0].bar == head[-1].bar  # the uncommitted bar is played again
    assert [e.bar for e in head[:100] + tail] == [
        e.bar for e in _collect(ReplaySource(store, subs, START, START + DAY))
    ]
    assert second.last_open_ms("ADAUSDT", "1m") == START + DAY - MINUTE
    # The warm-up of the resumed run: what closed by the committed instant.
    assert second.bars_until("ADAUSDT", "1m", committed) == [
        e.bar for e in head[:100] if e.symbol == "ADAUSDT"
    ]
    done = ReplaySource(store, subs, START, START + DAY, resume_close_ms=START + DAY)
    assert done.total == 0 and _collect(done) == []


def test_stop_from_another_thread_interrupts_a_long_wait(store: CandleStore) -> None:
    stop = threading.Event()
    source = ReplaySource(
        store, [("DOGEUSDT", "1m")], START, START + DAY, speed=1.0, stop_event=stop
    )

    async def main() -> int:
        return len([event async for event in source])

    threading.Timer(0.2, source.stop).start()  # the engine's stop, from the API thread
    started = time.monotonic()
    assert asyncio.run(main()) == 1  # the first bar at once, then a 60 s wait cut short
    assert time.monotonic() - started < 0.2 + MAX_WAIT_SLICE + 1.5  # not 60 s
    assert stop.is_set()


def test_ready_says_whether_the_next_candle_is_due_already(store: CandleStore) -> None:
    fake = FakeTime()
    source = paced(store, fake, 3, 60)

    async def main() -> list[tuple[str, bool]]:
        seen = []
        async for event in source:
            if len(seen) == 3:
                fake.now += 1.5  # slow on this candle: the next minute came due meanwhile
            seen.append((event.symbol, source.ready()))
        return seen

    # The other close of the same minute is ready at once; the next minute is not,
    # until its instant has passed; after the last candle nothing is.
    assert asyncio.run(main()) == [
        ("BTCUSDT", True),
        ("XRPUSDT", False),
        ("BTCUSDT", True),
        ("XRPUSDT", True),
        ("BTCUSDT", True),
        ("XRPUSDT", False),
    ]
    full_speed = ReplaySource(store, [("BTCUSDT", "1m")], START, START + 2 * MINUTE)
    assert full_speed.ready()
    _collect(full_speed)
    assert not full_speed.ready()


def test_full_speed_lets_other_tasks_run(store: CandleStore) -> None:
    source = ReplaySource(store, [(symbol, "1m") for symbol in SYMBOLS])

    async def main() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        count = 0
        async for _ in source:
            count += 1
        task.cancel()
        return count, ticks

    started = time.perf_counter()
    count, ticks = asyncio.run(main())
    elapsed = time.perf_counter() - started
    assert count == 6 * 2 * 1440 - 180
    assert ticks >= count // 300  # the loop was given back every few hundred events
    assert count / elapsed > 20_000  # several times what any Cerebro consumer takes


def test_bad_input_is_refused_before_anything_plays(store: CandleStore) -> None:
    with pytest.raises(InputError, match="at least one"):
        ReplaySource(store, [])
    with pytest.raises(InputError, match="listed twice"):
        ReplaySource(store, [("BTCUSDT", "1m"), ("btcusdt", "1m")])
    for speed in (0, -2, 5e-324, 2e6, float("inf"), float("nan")):
        with pytest.raises(InputError, match="speed"):
            ReplaySource(store, [("BTCUSDT", "1m")], speed=speed)
    with pytest.raises(InputError, match="unknown timeframe"):
        ReplaySource(store, [("BTCUSDT", "7m")])
    with pytest.raises(NoDataError, match="LTCUSDT"):
        ReplaySource(store, [("BTCUSDT", "1m"), ("LTCUSDT", "1m")])
    with pytest.raises(NoDataError, match="no BTCUSDT 1m candles from"):
        ReplaySource(store, [("BTCUSDT", "1m")], START - 10 * DAY, START - 9 * DAY)


def test_a_corrupted_file_is_refused_before_anything_plays(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    frame = real_klines("BTCUSDT")
    CandleStore(data_dir).merge("BTCUSDT", "1m", frame[frame.open_time >= START].iloc[:5000])
    summary = corrupt_candle_file(data_dir)
    with pytest.raises(CorruptCandlesError, match=re.escape(f"BTCUSDT 1m: {summary}; run")):
        ReplaySource(CandleStore(data_dir), [("BTCUSDT", "5m")])
