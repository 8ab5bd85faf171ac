"""Extra feeds a plugin declares: parsing, the registry, and what a strategy sees of them.

At the close of base bar t a strategy sees only extra-feed bars that have closed by
t's close, never a forming one; checked on real BTCUSDT and ETHUSDT candles.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import backtrader as bt
import pytest

from scalplab.backtests.runner import EngineMode, open_run, run_backtest
from scalplab.data.bars import Bar
from scalplab.data.candles import CandleStore
from scalplab.data.live_feed import QueueFeed
from scalplab.data.stream import bars_from_frame
from scalplab.errors import InputError, NoDataError
from scalplab.orders.executor import BookExecutor
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.feeds import FeedRef, parse_feed, parse_feeds, stamp_offset_ms
from scalplab.strategies.registry import Registry, discover
from scalplab.strategies.signal import Signal
from tests.conftest import WEEK_START_MS, make_settings, real_klines

MINUTE = 60_000
START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 19, tzinfo=UTC)


def test_a_timeframe_or_a_symbol_and_timeframe() -> None:
    assert parse_feed("1h") == FeedRef(None, "1h")
    assert parse_feed("BTCUSDT:5m") == FeedRef("BTCUSDT", "5m")
    assert parse_feed(" ethusdt:15m ") == FeedRef("ETHUSDT", "15m")
    assert FeedRef(None, "1h").resolve("SOLUSDT") == ("SOLUSDT", "1h")
    assert FeedRef("BTCUSDT", "5m").resolve("SOLUSDT") == ("BTCUSDT", "5m")
    assert [str(ref) for ref in parse_feeds(("1h", "BTCUSDT:5m"))] == ["1h", "BTCUSDT:5m"]
    assert parse_feeds(()) == ()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (("7m",), "feed '7m': unknown timeframe '7m'"),
        (("BTCUSDT:7m",), "feed 'BTCUSDT:7m': unknown timeframe '7m'"),
        (("BTC USDT:5m",), "feed 'BTC USDT:5m': invalid symbol 'BTC USDT'"),
        (("",), "feed '' must be a timeframe like '1h' or 'SYMBOL:tf'"),
        ((5,), "feed 5 must be a timeframe like '1h' or 'SYMBOL:tf'"),
        (("1h", "5m", "1h"), "feed 1h is declared twice"),
        (("ETHUSDT:1h", "ethusdt:1h"), "feed ETHUSDT:1h is declared twice"),
        ("1h", "feeds must be a tuple of strings, not the string '1h'"),
    ],
)
def test_bad_entries_are_input_errors_naming_them(entries: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_feeds(entries)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_an_extra_bar_is_stamped_at_the_open_of_the_base_bar_it_closes_with() -> None:
    # a 1h bar opened at 10:00 closes at 11:00, with the 15m bar opened at 10:45
    assert stamp_offset_ms("1h", "15m") == 60 * MINUTE - 15 * MINUTE
    assert stamp_offset_ms("5m", "15m") == -10 * MINUTE
    assert stamp_offset_ms("15m", "15m") == 0


PLUGINS = """
from scalplab.strategies.base import SignalStrategy


class Good(SignalStrategy):
    name = "with_feeds"
    feeds = ("1h", "ETHUSDT:5m")


class BadTimeframe(SignalStrategy):
    name = "bad_feed"
    feeds = ("1h", "7m")


class NotATuple(SignalStrategy):
    name = "string_feeds"
    feeds = "1h"
"""


def test_the_registry_lists_feeds_and_refuses_a_bad_declaration(tmp_path: Path) -> None:
    (tmp_path / "feedy.py").write_text(PLUGINS)
    registry = discover(tmp_path)
    info = registry.get("with_feeds")
    assert info.feeds == (FeedRef(None, "1h"), FeedRef("ETHUSDT", "5m"))
    assert info.to_dict()["feeds"] == ["1h", "ETHUSDT:5m"]
    assert registry.get("sma_cross").to_dict()["feeds"] == []
    assert "bad_feed" not in registry.strategies
    assert "string_feeds" not in registry.strategies
    source = str(tmp_path / "feedy.py")
    assert f"{source}: strategy 'bad_feed': feed '7m': unknown timeframe '7m'" in registry.errors
    assert (
        f"{source}: strategy 'string_feeds': feeds must be a tuple of strings, "
        "not the string '1h'" in registry.errors
    )


# ----- what a strategy sees, in a backtest ------------------------------------------------


class Watcher(SignalStrategy):
    """Records, at each base bar, the newest bar of each extra feed it can see."""

    name = "feed_watcher"
    feeds = ("1h", "ETHUSDT:5m")
    seen: ClassVar[list[tuple[int, int, int]]] = []

    def generate_signal(self) -> Signal | None:
        base = int(self.data.open_ms[0])
        hour, eth = (int(data.open_ms[0]) for data in self.datas[1:])
        type(self).seen.append((base, hour, eth))
        return None


class Unfed(SignalStrategy):
    name = "unfed"
    feeds = ("XRPUSDT:5m",)


@pytest.fixture(scope="module")
def two_symbols(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real days of BTCUSDT and ETHUSDT 1m candles."""
    data_dir = tmp_path_factory.mktemp("two_symbols")
    store = CandleStore(data_dir)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        frame = real_klines(symbol)
        days = frame[
            (frame.open_time >= WEEK_START_MS) & (frame.open_time < END.timestamp() * 1000)
        ]
        store.merge(symbol, "1m", days.reset_index(drop=True))
    return data_dir


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = Registry()
    reg.add_module(sys.modules[__name__], "tests/strategies/test_feeds.py")
    assert sorted(reg.strategies) == ["feed_watcher", "unfed"]
    return reg


def watch(data_dir: Path, registry: Registry, mode: EngineMode) -> list[tuple[int, int, int]]:
    Watcher.seen = []
    request = RunRequest("BTCUSDT", "feed_watcher", "15m", START, END)
    result = run_backtest(request, make_settings(data_dir), mode=mode, registry=registry)
    assert result["feeds"] == ["BTCUSDT:1h", "ETHUSDT:5m"]
    return list(Watcher.seen)


def test_a_strategy_sees_only_extra_bars_closed_by_its_bar_close(
    two_symbols: Path, registry: Registry
) -> None:
    seen = watch(two_symbols, registry, EngineMode())
    assert len(seen) > 150
    for base, hour, eth in seen:
        close = base + 15 * MINUTE
        # the newest 1h bar closed by the base bar's close: open = close − 1 h, floored
        assert hour == (close // (60 * MINUTE)) * 60 * MINUTE - 60 * MINUTE
        # the 5m ETH bar that closes with it, never the one still forming
        assert eth == close - 5 * MINUTE
    # the first call comes once every feed has a closed bar: the base bar of 00:45
    assert seen[0][0] == WEEK_START_MS + 45 * MINUTE
    assert watch(two_symbols, registry, EngineMode(runonce=False, preload=False)) == seen


def test_a_declared_feed_with_no_data_is_a_clear_error(
    two_symbols: Path, registry: Registry
) -> None:
    request = RunRequest("BTCUSDT", "unfed", "15m", START, END)
    with pytest.raises(NoDataError, match="strategy 'unfed' declares feed XRPUSDT:5m, which has"):
        run_backtest(request, make_settings(two_symbols), registry=registry)


def test_paper_trading_feeds_give_the_strategy_the_same_view(
    two_symbols: Path, registry: Registry
) -> None:
    """Live follower feeds (`QueueFeed(leader=...)`, stamped like the backtest's extra
    feeds) show the strategy exactly what the backtest showed it."""
    backtest = watch(two_symbols, registry, EngineMode())
    store = CandleStore(two_symbols)
    start_ms, end_ms = int(START.timestamp() * 1000), int(END.timestamp() * 1000)

    def bars(symbol: str, tf: str) -> list[Bar]:
        return bars_from_frame(store.read(symbol, tf, start_ms, end_ms))

    base = QueueFeed(tf="15m")
    hour = QueueFeed(tf="1h", stamp_offset_ms=stamp_offset_ms("1h", "15m"), leader=base)
    eth = QueueFeed(tf="5m", stamp_offset_ms=stamp_offset_ms("5m", "15m"), leader=base)
    for feed, symbol, tf in (
        (base, "BTCUSDT", "15m"),
        (hour, "BTCUSDT", "1h"),
        (eth, "ETHUSDT", "5m"),
    ):
        for bar in bars(symbol, tf):
            assert feed.push(bar)
        feed.finish()
    settings = make_settings(two_symbols)
    run = prepare_run(RunRequest("BTCUSDT", "feed_watcher", "15m", START, END), settings, registry)
    books, book = open_run(run, settings)
    cerebro = bt.Cerebro(stdstats=False, runonce=False, preload=False, maxcpus=1)
    cerebro.adddata(base, name="BTCUSDT")
    cerebro.adddata(hour, name="BTCUSDT:1h")
    cerebro.adddata(eth, name="ETHUSDT:5m")
    cerebro.addstrategy(Watcher, executor=BookExecutor(books.sandbox.pipeline, book))
    Watcher.seen = []
    cerebro.run()
    assert Watcher.seen == backtest
