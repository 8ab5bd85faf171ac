"""The driver thread: every pair's Cerebro stepped per candle on one thread (real bars)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

from scalplab.api.logs import request_id_var
from scalplab.data.candles import CandleStore
from scalplab.data.live_feed import QueueFeed
from scalplab.data.replay import ReplaySource
from scalplab.data.stream import CandleEvent
from scalplab.orders.models import Bar
from scalplab.simulation.driver import Driver, Route, routes_of
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.runner import PairRunner
from scalplab.simulation.views import PairSpec
from scalplab.strategies.registry import Registry
from tests.simulation.conftest import real_bars

Make = Callable[..., SimulationEngine]


def runner_for(engine: SimulationEngine, registry: Registry, symbol: str) -> PairRunner:
    executor = engine.attach(PairSpec(symbol, "sma_cross", "15m"))
    info = registry.get("sma_cross")
    return PairRunner(executor, info, info.resolve({}), QueueFeed(tf="15m"))


def routes(runners: list[PairRunner]) -> dict[tuple[str, str], list[Route]]:
    return routes_of(runners, {r.book: [(r.book.split("/")[0], "15m")] for r in runners})


async def candles(
    streams: dict[str, list[Bar]], seen: list[tuple[str, int]], fail_after: int | None = None
) -> AsyncIterator[CandleEvent]:
    for i, bars in enumerate(zip(*streams.values(), strict=True)):
        if fail_after is not None and i == fail_after:
            raise RuntimeError("socket closed")
        for symbol, bar in zip(streams, bars, strict=True):
            yield CandleEvent(symbol, "15m", bar, final=False)  # in progress: skipped
            seen.append((symbol, bar.open_ms))
            yield CandleEvent(symbol, "15m", bar)
        yield CandleEvent("SOLUSDT", "15m", bars[0])  # no pair trades it: skipped


def test_each_candle_is_applied_before_the_next_is_read(
    make_engine: Make, registry: Registry, data_dir: Path
) -> None:
    engine = make_engine()
    streams = {s: real_bars(data_dir, s)[:200] for s in ("BTCUSDT", "ETHUSDT")}
    runners = [runner_for(engine, registry, s) for s in streams]
    seen: list[tuple[str, int]] = []
    applied: list[list[tuple[str, int]]] = []
    request_ids: set[str | None] = set()
    original = engine.stepper.begin_bar

    def spy(book: str, bar: Bar, candle_in_ns: int | None) -> bool:
        applied.append(list(seen))  # what the stream had handed out when this bar was applied
        request_ids.add(request_id_var.get())
        return original(book, bar, candle_in_ns)

    engine.stepper.begin_bar = spy  # type: ignore[method-assign]
    errors: list[str] = []
    token = request_id_var.set("req-7f3a")  # the request that started the run
    try:
        driver = Driver(candles(streams, seen), runners, routes(runners), errors.append)
    finally:
        request_id_var.reset(token)
    driver.start()
    driver.join(60)
    assert not driver.is_alive() and errors == []
    assert driver.candles == 400 and all(r.done for r in runners)
    # Bar k is applied while candle k is the newest one read: nothing queues up behind it.
    assert [len(before) for before in applied] == list(range(1, 401))
    assert request_ids == {"req-7f3a"}  # its steps are logged under that request's id
    assert engine.account.bars == {"BTCUSDT/sma_cross": 200, "ETHUSDT/sma_cross": 200}
    model = engine.account.model
    assert all(model.position(b) is None for b in model.books())  # the natural end closed them


def test_a_failing_stream_ends_every_pair_and_reports_once(
    make_engine: Make, registry: Registry, data_dir: Path
) -> None:
    engine = make_engine()
    streams = {s: real_bars(data_dir, s)[:50] for s in ("BTCUSDT", "ETHUSDT")}
    runners = [runner_for(engine, registry, s) for s in streams]
    errors: list[str] = []
    driver = Driver(candles(streams, [], fail_after=30), runners, routes(runners), errors.append)
    driver.start()
    driver.join(60)
    assert not driver.is_alive()
    assert errors == ["the candle stream failed: RuntimeError: socket closed"]
    assert driver.candles == 60 and all(r.done for r in runners)
    assert all(r.feed.stopped for r in runners)


class Recorder:
    """The `Bursts` side: records how many candles each burst held."""

    def __init__(self, driver_candles: Callable[[], int]) -> None:
        self.candles = driver_candles
        self.sizes: list[int] = []
        self._start = 0
        self.open = False

    def open_burst(self) -> None:
        assert not self.open
        self.open, self._start = True, self.candles()

    def close_burst(self) -> None:
        assert self.open
        self.open = False
        self.sizes.append(self.candles() - self._start)


def test_a_burst_is_the_close_time_group_the_stream_has_ready(
    make_engine: Make, registry: Registry, data_dir: Path
) -> None:
    engine = make_engine()
    symbols = ("BTCUSDT", "ETHUSDT")
    runners = [runner_for(engine, registry, s) for s in symbols]
    source = ReplaySource(CandleStore(data_dir), [(s, "15m") for s in symbols], speed=None)
    driver = Driver(source, runners, routes(runners), lambda message: None)
    recorder = Recorder(lambda: driver.candles)
    driver.bursts = recorder
    driver.start()
    driver.join(60)
    assert not driver.is_alive() and not recorder.open
    # Full speed: everything is ready, so a burst is one close time: a candle per pair.
    assert set(recorder.sizes) == {2} and sum(recorder.sizes) == driver.candles == 2 * 672
