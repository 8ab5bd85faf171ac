"""`CandleArrayFeed`: its one-shot preload and tick attributes match Backtrader's own
bar-by-bar loading, in every engine mode, on real candles."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import backtrader as bt
import pytest

from scalplab.data.feeds import CandleArrayFeed
from tests.conftest import real_klines

FIELDS = ("datetime", "open", "high", "low", "close", "volume", "openinterest", "open_ms")
TICKS = ("tick_open", "tick_high", "tick_low", "tick_close", "tick_volume", "tick_open_ms")


class BarByBarFeed(CandleArrayFeed):
    """The same feed loaded and ticked by Backtrader's own generic code."""

    preload = bt.feed.DataBase.preload
    _tick_fill = bt.feed.DataBase._tick_fill
    _tick_nullify = bt.feed.DataBase._tick_nullify


class Recorder(bt.Strategy):  # type: ignore[misc]
    """Keeps what a strategy sees on every bar, SMA and tick attributes included."""

    def __init__(self) -> None:
        self.sma = bt.indicators.SMA(self.data.close, period=30)
        self.seen: list[tuple[Any, ...]] = []

    def prenext(self) -> None:
        self.next()

    def next(self) -> None:
        data = self.data
        row = tuple(getattr(data.lines, name)[0] for name in FIELDS)
        ticks = tuple(getattr(data, name) for name in TICKS)
        sma = self.sma[0]
        self.seen.append(
            (len(data), *row, *ticks, data.tick_last, None if math.isnan(sma) else sma)
        )


def seen(feed: CandleArrayFeed, **engine: Any) -> list[tuple[Any, ...]]:
    cerebro = bt.Cerebro(stdstats=False, **engine)
    cerebro.adddata(feed)
    cerebro.addstrategy(Recorder)
    [strategy] = cerebro.run()
    return list(strategy.seen)


@pytest.fixture(scope="module")
def candles() -> Any:
    return real_klines("BTCUSDT").head(600)


@pytest.mark.parametrize(
    "engine",
    [{}, {"runonce": False}, {"preload": False}],
    ids=["runonce", "bar-by-bar", "no-preload"],
)
def test_the_feed_shows_strategies_what_backtraders_own_loading_shows(
    candles: Any, engine: dict[str, bool]
) -> None:
    fast = seen(CandleArrayFeed(candles, stamp_offset_ms=60_000), **engine)
    plain = seen(BarByBarFeed(candles, stamp_offset_ms=60_000), **engine)
    assert len(fast) == len(candles)
    assert fast == plain
    first = fast[0]
    assert first[FIELDS.index("open_ms") + 1] == float(candles["open_time"].iloc[0])
    assert first[len(FIELDS) + 1 + TICKS.index("tick_close")] == candles["close"].iloc[0]


def test_a_date_window_falls_back_to_bar_by_bar_loading(candles: Any) -> None:
    fromdate = datetime.fromtimestamp(int(candles["open_time"].iloc[100]) / 1000, tz=UTC)
    fast = seen(CandleArrayFeed(candles, fromdate=fromdate.replace(tzinfo=None)))
    plain = seen(BarByBarFeed(candles, fromdate=fromdate.replace(tzinfo=None)))
    assert fast == plain
    assert len(fast) == len(candles) - 100


class CountingFeed(CandleArrayFeed):
    """Counts the bars loaded one at a time."""

    def _load(self) -> bool:
        self.one_by_one = getattr(self, "one_by_one", 0) + 1
        return bool(super()._load())


def test_a_preloaded_run_loads_every_bar_at_once(candles: Any) -> None:
    feed = CountingFeed(candles)
    assert len(seen(feed)) == len(candles)
    assert getattr(feed, "one_by_one", 0) == 0
    windowed = CountingFeed(candles, todate=datetime(2030, 1, 1))
    assert len(seen(windowed)) == len(candles)
    assert windowed.one_by_one == len(candles) + 1  # the last call says "no more"
