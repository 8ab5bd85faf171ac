"""A replay's controls on a fake clock: a pause freezes the timeline, a step plays one base
bar at once, a new speed re-paces what is left; the candles played never change."""

from __future__ import annotations

import asyncio

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.replay import PARK_SLICE, ReplaySource
from scalplab.data.replay_clock import ReplayProgress
from scalplab.data.stream import CandleEvent
from scalplab.errors import InputError
from tests.conftest import real_klines
from tests.data.test_replay import MINUTE, START, FakeTime


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CandleStore:
    """The first real hour of BTCUSDT 1m candles of 2025-06-17."""
    store = CandleStore(tmp_path_factory.mktemp("replay_clock") / "data")
    frame = real_klines("BTCUSDT")
    frame = frame[(frame.open_time >= START) & (frame.open_time < START + 60 * MINUTE)]
    store.merge("BTCUSDT", "1m", frame.reset_index(drop=True))
    return store


def source_of(store: CandleStore, fake: FakeTime, speed: float | None = 60) -> ReplaySource:
    """BTCUSDT 1m (the base stream) and 5m, ten minutes from START, on the fake clock."""
    return ReplaySource(
        store,
        [("BTCUSDT", "1m"), ("BTCUSDT", "5m")],
        START,
        START + 10 * MINUTE,
        speed=speed,
        sleep=fake.sleep,
        clock=fake.clock,
        base=[("BTCUSDT", "1m")],
    )


def keys(events: list[CandleEvent]) -> list[tuple[str, int]]:
    return [(event.timeframe, event.bar.open_ms) for event in events]


def test_a_new_speed_re_paces_the_rest_from_the_cursor(store: CandleStore) -> None:
    fake = FakeTime()
    source = source_of(store, fake)

    async def main() -> list[CandleEvent]:
        events = []
        async for event in source:
            events.append(event)
            if event.timeframe == "1m" and event.bar.open_ms == START + 2 * MINUTE:
                source.controls.set_speed(120)
        return events

    events = asyncio.run(main())
    assert keys(events) == keys(asyncio.run(_all(source_of(store, FakeTime(), None))))
    # Two minutes at 60x (2 s), then seven at 120x (3.5 s).
    assert sum(fake.sleeps) == pytest.approx(5.5)
    assert source.progress().bar == source.progress().bars == 10
    with pytest.raises(InputError, match="replay speed must be"):
        source.controls.set_speed(0)


async def _all(source: ReplaySource) -> list[CandleEvent]:
    return [event async for event in source]


def test_a_pause_parks_a_step_plays_one_base_bar_and_resume_goes_on(store: CandleStore) -> None:
    fake = FakeTime()
    source = source_of(store, fake)
    controls = source.controls
    seen: list[tuple[int, int]] = []
    parks = 0
    real_sleep = fake.sleep

    async def sleep(seconds: float) -> None:
        nonlocal parks
        if controls.paused:
            assert seconds == PARK_SLICE
            parks += 1
            if parks == 1:
                seen.append((source.progress().bar, source.emitted))
                controls.step()
            elif parks == 3:
                seen.append((source.progress().bar, source.emitted))
                controls.resume()
            return
        await real_sleep(seconds)

    source._sleep = sleep

    async def main() -> list[CandleEvent]:
        events = []
        async for event in source:
            events.append(event)
            if len(events) == 4:
                controls.pause()
                assert source.progress().paused
        return events

    events = asyncio.run(main())
    assert keys(events) == keys(asyncio.run(_all(source_of(store, FakeTime(), None))))
    # Paused after bar 4; the step played bar 5 with the 5m bar closing with it (no wait),
    # and the replay parked again there.
    assert seen == [(4, 4), (5, 6)]
    # Nine one-second steps uninterrupted; the stepped bar took no wall time.
    assert sum(fake.sleeps) == pytest.approx(8.0)
    assert source.progress() == ReplayProgress(10, 10, False, 60)
