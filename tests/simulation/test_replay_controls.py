"""Pause, step and speed of a running replay (real sample, real threads): the clock stops,
a step applies exactly one bar, and the trades equal the backtest's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.errors import ConflictError
from scalplab.orders.models import trade_dict
from scalplab.orders.runs import RunRequest
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.views import EngineStatus, FeedSpec, PairSpec
from scalplab.timeutil import parse_utc, to_ms
from tests.simulation.conftest import WEEK_END, WEEK_START

Make = Callable[..., SimulationEngine]
START_MS = to_ms(parse_utc(WEEK_START, "start"))
END_MS = to_ms(parse_utc(WEEK_END, "end"))
WEEK_BARS = 672
PAIR = PairSpec("BTCUSDT", "sma_cross", "15m")


def progress(status: EngineStatus) -> int:
    assert status.replay is not None
    return status.replay.bar


def wait_for(engine: SimulationEngine, bars: int) -> None:
    deadline = time.monotonic() + 20
    while progress(engine.status()) < bars and time.monotonic() < deadline:
        time.sleep(0.005)


def test_a_paused_stepped_and_re_paced_replay_trades_as_the_backtest(
    make_engine: Make, settings: Settings
) -> None:
    engine = make_engine(pairs=[PAIR])
    with pytest.raises(ConflictError, match="no replay is running"):
        engine.replay.pause()
    # 15m bars at 9000x: one every 0.1 s.
    started = engine.start(FeedSpec(speed=9000, start_ms=START_MS, end_ms=END_MS))
    assert started.replay is not None and started.replay.bars == WEEK_BARS
    with pytest.raises(ConflictError, match="pause the replay before stepping"):
        engine.replay.step()
    wait_for(engine, 2)
    paused = engine.replay.pause()
    assert paused.replay is not None and paused.replay.paused and paused.state == "running"
    at = progress(paused)
    assert 2 <= at < WEEK_BARS
    assert paused.pairs[0].bars == at
    time.sleep(0.3)  # three bars' time: the clock stands still
    assert progress(engine.status()) == at
    assert engine.status().pairs[0].bars == at
    for n in range(1, 4):
        stepped = engine.replay.step()
        assert progress(stepped) == at + n
        assert stepped.pairs[0].bars == at + n
        assert stepped.candles_processed == at + n
    # A new speed while paused: taken when resumed, kept by the run's spec.
    sped = engine.replay.set_speed(900_000)
    assert sped.speed == 900_000 and sped.replay is not None and sped.replay.paused
    resumed = engine.replay.resume()
    assert resumed.replay is not None and not resumed.replay.paused
    wait_for(engine, at + 40)
    again = engine.replay.pause()
    assert progress(again) < WEEK_BARS
    assert progress(engine.replay.step()) == progress(again) + 1
    engine.replay.resume()
    assert engine.replay.set_speed(None).speed is None  # full speed while running
    assert engine.wait(60)
    status = engine.status()
    assert status.finished and status.pairs[0].bars == WEEK_BARS
    assert status.replay is not None and status.replay.bar == WEEK_BARS
    assert not status.replay.paused
    with pytest.raises(ConflictError, match="no replay is running"):
        engine.replay.resume()

    backtest = run_backtest(
        RunRequest(
            "BTCUSDT", "sma_cross", "15m", parse_utc(WEEK_START, "s"), parse_utc(WEEK_END, "e")
        ),
        settings,
    )
    assert backtest["trades"]
    assert [trade_dict(t) for t in engine.account.model.trades] == backtest["trades"]
    assert engine.read.portfolio().equity == pytest.approx(
        backtest["metrics"]["final_equity"],  # type: ignore[index]
        rel=1e-12,
    )


def test_progress_counts_the_bars_before_a_restart_and_reset_clears_it(make_engine: Make) -> None:
    engine = make_engine(pairs=[PAIR])
    engine.start(FeedSpec(speed=9000, start_ms=START_MS, end_ms=END_MS))
    wait_for(engine, 1)
    at = progress(engine.replay.pause())
    stopped = engine.stop()
    assert stopped.replay is not None and progress(stopped) == at and not stopped.replay.paused
    # Continued after its cursor: "bar X of N" still counts from the range's start.
    resumed = engine.start()
    assert resumed.replay is not None and resumed.replay.bars == WEEK_BARS
    assert progress(resumed) == at
    engine.stop()
    assert engine.reset().replay is None


def test_status_events_follow_a_playing_replay_and_each_control(make_engine: Make) -> None:
    engine = make_engine(pairs=[PAIR])

    async def scenario() -> list[tuple[int, bool]]:
        subscription = engine.subscribe()
        # 15m bars at 36000x: one every 0.025 s, about 40 a second.
        engine.start(FeedSpec(speed=36_000, start_ms=START_MS, end_ms=END_MS))
        seen: list[tuple[int, bool]] = []
        deadline = time.monotonic() + 20
        while len(seen) < 2 and time.monotonic() < deadline:
            event = await asyncio.wait_for(subscription.get(), 5)
            if event.kind == "status" and isinstance(event.data, EngineStatus):
                replay = event.data.replay
                assert replay is not None and replay.bars == WEEK_BARS
                if replay.bar > 0:  # a status while it plays (the start's has bar 0)
                    seen.append((replay.bar, replay.paused))
        paused = await asyncio.to_thread(engine.replay.pause)
        while True:
            event = await asyncio.wait_for(subscription.get(), 5)
            if event.kind == "status" and isinstance(event.data, EngineStatus):
                replay = event.data.replay
                assert replay is not None
                if replay.paused:
                    assert replay.bar == progress(paused)
                    break
        subscription.close()
        engine.stop()
        return seen

    seen = asyncio.run(scenario())
    assert [bar for bar, _ in seen] == sorted(bar for bar, _ in seen)
    assert not any(paused for _, paused in seen)
    # At most one status a second while it plays: far fewer than the bars played.
    assert seen[-1][0] - seen[0][0] > 2 * (len(seen) - 1)
