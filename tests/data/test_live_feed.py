"""QueueFeed: a live Backtrader feed pushed from another thread plays exactly the backtest's bars.

The key check: on real BTCUSDT candles (1m and 15m resampled from 1m), a
`Cerebro(runonce=False, preload=False)` over a `QueueFeed` fed by a producer
thread, running the `sma_cross` and `smc` plugins through a sandbox (the order pipeline,
risk gate and execution model) wired as `scalplab.backtests.runner.execute` wires it,
records exactly the signals, trades and equity curve of the `CandleArrayFeed` backtest.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import backtrader as bt
import pytest

from scalplab.backtests.runner import RunBooks, execute, open_run
from scalplab.config import Settings
from scalplab.data.bars import Bar
from scalplab.data.candles import CandleStore
from scalplab.data.live_feed import QueueFeed
from scalplab.data.replay import ReplaySource
from scalplab.data.stream import bars_from_frame
from scalplab.data.timeframes import resample
from scalplab.errors import ConflictError, DataError, InputError
from scalplab.orders.executor import BookExecutor
from scalplab.orders.models import SignalRecord
from scalplab.orders.runs import PreparedRun, RunRequest, prepare_run
from tests.conftest import make_settings, real_klines

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
START_MS, END_MS = int(START.timestamp() * 1000), int(END.timestamp() * 1000)
MINUTE = 60_000


def _prepared(
    data_dir: Path, strategy: str, tf: str, days: int = 7
) -> tuple[PreparedRun, Settings]:
    settings = make_settings(data_dir)
    end = START.replace(day=START.day + days)
    return prepare_run(RunRequest("BTCUSDT", strategy, tf, START, end), settings), settings


def _live_books(
    run: PreparedRun, settings: Settings, last_open_ms: int | None
) -> tuple[RunBooks, BookExecutor]:
    """The sandbox exactly as `runner.execute` sets it up, its final bar as announced."""
    books, book = open_run(run, settings)
    books.sandbox.model.set_last_open(book, last_open_ms)
    return books, BookExecutor(books.sandbox.pipeline, book)


def _run_live(
    run: PreparedRun,
    executor: BookExecutor,
    feed: QueueFeed,
    producer: Callable[[], None],
    exactbars: int = 0,
) -> Any:
    """Cerebro over `feed` in this thread while `producer` pushes from another one."""
    cerebro = bt.Cerebro(
        stdstats=False,
        runonce=False,
        preload=False,
        exactbars=exactbars,
        maxcpus=1,
        quicknotify=True,
    )
    cerebro.adddata(feed, name=run.pair)
    cerebro.addstrategy(run.info.cls, executor=executor, **run.params)
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            producer()
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
            feed.request_stop()

    thread = threading.Thread(target=produce, name="ws-adapter")
    thread.start()
    try:
        [strategy] = cerebro.run()
    finally:
        feed.detach()
        thread.join(timeout=30)
    assert not errors, errors
    return strategy


def _signals(books: RunBooks) -> list[SignalRecord]:
    """The signal records, each naming its order by the (deterministic) client order id
    rather than by the queue's fresh internal id."""
    queue = books.sandbox.queue
    return [
        record
        if record.order_id is None
        else replace(record, order_id=queue.get(record.order_id).client_order_id)
        for record in books.log.records
    ]


def _assert_same_books(live: RunBooks, backtest: RunBooks) -> None:
    assert _signals(live) == _signals(backtest)
    ours, theirs = live.sandbox.model, backtest.sandbox.model
    assert ours.trades == theirs.trades
    assert ours.equity_curve == theirs.equity_curve
    assert ours.totals() == theirs.totals()
    assert ours.cash == theirs.cash
    assert live.sandbox.gate.state() == backtest.sandbox.gate.state()


@pytest.mark.parametrize(
    ("strategy", "tf", "days", "exactbars"),
    [
        ("sma_cross", "15m", 7, 0),
        ("smc", "15m", 7, 0),
        ("sma_cross", "1m", 2, 0),
        ("smc", "1m", 2, 0),
        # The memory-saving mode a long-running pair runner can use: same books.
        ("smc", "1m", 2, 1),
        ("sma_cross", "1m", 2, 1),
    ],
)
def test_pushed_from_a_thread_it_gives_exactly_the_backtest(
    real_week_dir: Path, strategy: str, tf: str, days: int, exactbars: int
) -> None:
    run, settings = _prepared(real_week_dir, strategy, tf, days)
    backtest = execute(run, settings)  # CandleArrayFeed, runonce + preload, as the runner runs
    assert backtest.sandbox.model.trades, "the real sample must trade, or the test proves nothing"

    bars = bars_from_frame(run.candles)
    if tf == "15m":  # the store resamples the real 1m candles exactly as `resample` does
        minutes = real_klines("BTCUSDT")
        week = minutes[(minutes.open_time >= START_MS) & (minutes.open_time < END_MS)]
        assert bars == bars_from_frame(resample(week, "15m"))
    last = bars[-1].open_ms
    live, executor = _live_books(run, settings, last_open_ms=last)
    feed = QueueFeed(tf=tf, last_open_ms=last)

    def producer() -> None:  # a WS adapter: one closed candle at a time, then end of stream
        for bar in bars:
            assert feed.push(bar)
        feed.finish()

    _run_live(run, executor, feed, producer, exactbars)
    _assert_same_books(live, backtest)
    # Every pushed candle reached the strategy once, in order (on_bar runs in prenext and next).
    assert [ms for ms, _ in live.sandbox.model.equity_curve] == [bar.open_ms for bar in bars]
    assert feed.delivered == len(bars) and feed.dropped == 0 and feed.ended
    assert not feed.stopped


@pytest.mark.parametrize("strategy", ["sma_cross", "smc"])
def test_replay_through_the_queue_feed_gives_exactly_the_backtest(
    real_week_dir: Path, strategy: str
) -> None:
    run, settings = _prepared(real_week_dir, strategy, "15m")
    backtest = execute(run, settings)
    source = ReplaySource(
        CandleStore(real_week_dir), [("BTCUSDT", "15m")], START_MS, END_MS, speed=None
    )
    last = source.last_open_ms("BTCUSDT", "15m")
    live, executor = _live_books(run, settings, last_open_ms=last)
    feed = QueueFeed(tf="15m", last_open_ms=last, max_pending=64)
    pushed: list[int] = []

    async def play() -> int:
        played = 0
        async for event in source:
            played += feed.push(event.bar, event.received_ns)  # blocks while the queue is full
        feed.finish()
        return played

    def producer() -> None:  # the candle stream, on its own thread and asyncio loop
        pushed.append(asyncio.run(play()))

    _run_live(run, executor, feed, producer)
    _assert_same_books(live, backtest)
    assert pushed == [len(run.candles)] == [feed.delivered]


# ----- mechanics, on real candles with a recording strategy ---------------------------------


class Recorder(bt.Strategy):  # type: ignore[misc]
    """Records what next() sees, and the feed's data notifications."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float, float, float]] = []
        self.statuses: list[str] = []
        self.pending: list[int] = []

    def notify_data(self, data: Any, status: int, *args: Any, **kwargs: Any) -> None:
        self.statuses.append(data._getstatusname(status))

    def next(self) -> None:
        data = self.data
        self.seen.append(
            (int(data.open_ms[0]), float(data.close[0]), float(data.history[0]), time.time())
        )
        self.pending.append(data.pending)


@pytest.fixture(scope="module")
def real_bars() -> list[Bar]:
    """The first 300 real BTCUSDT 1m candles."""
    return bars_from_frame(real_klines("BTCUSDT").head(300))


def _cerebro(feed: QueueFeed) -> bt.Cerebro:
    cerebro = bt.Cerebro(stdstats=False, runonce=False, preload=False, maxcpus=1)
    cerebro.adddata(feed, name="BTCUSDT")
    cerebro.addstrategy(Recorder)
    return cerebro


class Running:
    """A Cerebro running in a background thread (like the engine's pair runner)."""

    def __init__(self, feed: QueueFeed) -> None:
        self.feed = feed
        self.result: list[Recorder] = []
        self.error: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result.extend(_cerebro(self.feed).run())
        except BaseException as exc:
            self.error.append(exc)
        finally:
            self.feed.detach()

    def join(self, timeout: float = 10.0) -> Recorder:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "Cerebro did not stop"
        assert not self.error, self.error
        [strategy] = self.result
        return strategy


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for item in started:  # never leave a Cerebro thread behind a failed test
        item.feed.request_stop()
        item.thread.join(5)


def test_warm_up_history_is_played_first_and_marked(real_bars: list[Bar]) -> None:
    history, live = real_bars[:100], real_bars[100:]
    feed = QueueFeed(history, tf="1m")
    assert feed.history_until_ms == history[-1].open_ms
    # A reconnecting adapter resends candles the history already holds: they are dropped.
    assert not feed.push(history[-1])
    assert not feed.push(history[50])
    for bar in live:
        assert feed.push(bar)
    feed.finish()
    [strategy] = _cerebro(feed).run()
    assert [(ms, close) for ms, close, _, _ in strategy.seen] == [
        (bar.open_ms, bar.close) for bar in real_bars
    ]
    assert [flag for _, _, flag, _ in strategy.seen] == [1.0] * 100 + [0.0] * 200
    assert strategy.statuses == ["DELAYED", "LIVE", "DISCONNECTED"]
    assert feed.delivered == 200 and feed.dropped == 2


def test_an_idle_feed_waits_without_spinning_and_stops_on_finish(
    real_bars: list[Bar], running: list[Running]
) -> None:
    loads = 0

    class Counting(QueueFeed):
        def _load(self) -> bool | None:
            nonlocal loads
            loads += 1
            return super()._load()

    feed = Counting(poll_seconds=2.0)
    running.append(Running(feed))
    time.sleep(0.3)
    assert loads <= 2  # blocked on the condition, not a busy loop
    pushed_at = time.time()
    feed.push(real_bars[0])
    feed.push(real_bars[1])
    deadline = time.time() + 5
    while feed.delivered < 2 and time.time() < deadline:
        time.sleep(0.005)
    feed.finish()  # wakes the waiting feed at once, long before its 2 s poll
    strategy = running[0].join(timeout=1.5)
    assert [ms for ms, *_ in strategy.seen] == [real_bars[0].open_ms, real_bars[1].open_ms]
    assert strategy.seen[0][3] - pushed_at < 1.0  # woken by the push, not by the 2 s poll
    assert strategy.statuses == ["LIVE", "DISCONNECTED"]
    assert feed.ended and feed.finished and not feed.stopped


def test_idle_rounds_follow_the_poll_interval(running: list[Running]) -> None:
    loads = 0

    class Counting(QueueFeed):
        def _load(self) -> bool | None:
            nonlocal loads
            loads += 1
            return super()._load()

    feed = Counting(poll_seconds=0.05)
    running.append(Running(feed))
    time.sleep(0.5)
    assert 2 <= loads <= 20  # ~10 rounds in 0.5 s: Cerebro's loop stays alive, idle
    feed.finish()
    assert running[0].join().seen == []


def test_a_stop_ends_at_once_without_playing_queued_bars(
    real_bars: list[Bar], running: list[Running]
) -> None:
    shared = threading.Event()
    feed = QueueFeed(stop_event=shared, poll_seconds=0.05)
    feed.push(real_bars[0])
    running.append(Running(feed))
    deadline = time.time() + 5
    while feed.delivered < 1 and time.time() < deadline:
        time.sleep(0.01)
    shared.set()  # e.g. the engine's stop, shared by every pair runner
    started = time.time()
    strategy = running[0].join()
    assert time.time() - started < 2.0
    assert feed.stopped and feed.ended
    assert [ms for ms, *_ in strategy.seen] == [real_bars[0].open_ms]
    assert not feed.push(real_bars[1])  # a push after the stop is dropped, not queued
    assert feed.pending == 0


def test_request_stop_drops_what_is_queued(real_bars: list[Bar]) -> None:
    feed = QueueFeed()
    for bar in real_bars[:10]:
        feed.push(bar)
    feed.request_stop()
    [strategy] = _cerebro(feed).run()
    assert strategy.seen == []
    assert feed.stopped and feed.pending == 10


def test_the_announced_last_bar_ends_the_feed_without_finish(real_bars: list[Bar]) -> None:
    feed = QueueFeed(last_open_ms=real_bars[-1].open_ms)
    for bar in real_bars:
        feed.push(bar)
    [strategy] = _cerebro(feed).run()  # no finish(): the last bar is known
    assert len(strategy.seen) == len(real_bars)
    assert not feed.finished and feed.ended


def test_last_bar_announced_while_running(real_bars: list[Bar], running: list[Running]) -> None:
    feed = QueueFeed(poll_seconds=0.05)
    running.append(Running(feed))
    for bar in real_bars[:20]:
        feed.push(bar)
    with pytest.raises(ConflictError, match="before a candle already received"):
        feed.set_last_open_ms(real_bars[5].open_ms)
    feed.set_last_open_ms(real_bars[29].open_ms)
    assert feed.last_open_ms == real_bars[29].open_ms
    for bar in real_bars[20:30]:
        feed.push(bar)
    with pytest.raises(ConflictError, match="after the announced last bar"):
        feed.push(real_bars[30])
    strategy = running[0].join()
    assert [ms for ms, *_ in strategy.seen] == [bar.open_ms for bar in real_bars[:30]]


def test_a_bounded_feed_applies_backpressure(real_bars: list[Bar], running: list[Running]) -> None:
    feed = QueueFeed(max_pending=8, poll_seconds=0.05)
    running.append(Running(feed))
    for bar in real_bars:
        assert feed.push(bar)
        assert feed.pending <= 8
    feed.finish()
    strategy = running[0].join()
    assert [ms for ms, *_ in strategy.seen] == [bar.open_ms for bar in real_bars]
    assert max(strategy.pending) <= 8


def test_bad_pushes_are_refused_with_a_reason(real_bars: list[Bar]) -> None:
    bar = real_bars[0]
    feed = QueueFeed(tf="1m")
    with pytest.raises(DataError, match="malformed candle"):
        feed.push(Bar(bar.open_ms, bar.open, bar.low - 1, bar.low, bar.close, 1.0))
    with pytest.raises(DataError, match="malformed candle"):
        feed.push(Bar(bar.open_ms, float("nan"), bar.high, bar.low, bar.close, 1.0))
    with pytest.raises(DataError, match="volume"):
        feed.push(Bar(bar.open_ms, bar.open, bar.high, bar.low, bar.close, -1.0))
    with pytest.raises(DataError, match="not on the timeframe grid"):
        feed.push(Bar(bar.open_ms + 1, bar.open, bar.high, bar.low, bar.close, 1.0))
    assert feed.push(bar)
    assert not feed.push(bar)  # a duplicate is dropped
    assert feed.dropped == 1 and feed.pending == 1
    feed.finish()
    with pytest.raises(ConflictError, match="after finish"):
        feed.push(real_bars[1])
    closed = QueueFeed()
    closed.detach()
    with pytest.raises(ConflictError, match="closed"):
        closed.push(bar)


def test_bad_construction_is_refused(real_bars: list[Bar]) -> None:
    with pytest.raises(DataError, match="strictly increasing"):
        QueueFeed([real_bars[1], real_bars[0]])
    with pytest.raises(InputError, match="poll_seconds"):
        QueueFeed(poll_seconds=0)
    with pytest.raises(InputError, match="max_pending"):
        QueueFeed(max_pending=-1)
    with pytest.raises(InputError, match="unknown timeframe"):
        QueueFeed(tf="7m")
    with pytest.raises(ConflictError, match="before a candle already received"):
        QueueFeed(real_bars[:10], last_open_ms=real_bars[5].open_ms)


def test_a_push_to_a_closed_bounded_feed_does_not_hang(real_bars: list[Bar]) -> None:
    feed = QueueFeed(max_pending=2, poll_seconds=0.05)
    feed.push(real_bars[0])
    feed.push(real_bars[1])
    threading.Timer(0.2, feed.detach).start()  # the Cerebro died while the producer waits
    started = time.time()
    with pytest.raises(ConflictError, match="closed"):
        feed.push(real_bars[2])
    assert time.time() - started < 2


def test_a_push_waiting_for_room_gives_up_on_stop(real_bars: list[Bar]) -> None:
    feed = QueueFeed(max_pending=2, poll_seconds=0.05)
    feed.push(real_bars[0])
    feed.push(real_bars[1])
    threading.Timer(0.2, feed.request_stop).start()
    assert not feed.push(real_bars[2])  # dropped: the engine is stopping
    assert feed.pending == 2 and feed.stopped


def test_a_stop_also_cuts_a_warm_up_short(real_bars: list[Bar]) -> None:
    feed = QueueFeed(real_bars)

    class StopEarly(Recorder):
        def next(self) -> None:
            super().next()
            if len(self.seen) == 10:
                feed.request_stop()

    cerebro = bt.Cerebro(stdstats=False, runonce=False, preload=False)
    cerebro.adddata(feed)
    cerebro.addstrategy(StopEarly)
    [strategy] = cerebro.run()
    assert len(strategy.seen) == 10 and feed.stopped and feed.ended
    assert strategy.statuses == ["DELAYED", "DISCONNECTED"]
