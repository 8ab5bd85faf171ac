"""Declared market data in paper trading: a replay shows each bar exactly the backtest's
features (REAL recorded store), and a live source subscribes and hands over what the
plugins declare."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.candles import CandleStore
from scalplab.data.features.live import LiveFeatures
from scalplab.data.live_source import LiveConfig, LiveSource
from scalplab.data.market_events import AggregateTrade, MarketEvent
from scalplab.data.providers.asof import LiveReadings
from scalplab.data.providers.reading import ProviderReading
from scalplab.data.providers.store import ProviderRecorder
from scalplab.errors import NoDataError
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.simulation.market import live_market, live_streams, run_external
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.strategies.registry import Registry, discover
from scalplab.timeutil import from_ms
from tests.backtests import market_plugins
from tests.conftest import make_settings
from tests.data.features.recorded import FIRST_MINUTE, SYMBOL, events, write_store

PROBE = '''
from dataclasses import asdict

from scalplab.strategies import Signal, SignalStrategy


class MarketEcho(SignalStrategy):
    """Signals on every bar, its reasons the features `self.market` showed."""

    name = "market_echo"
    market_data = ("aggTrades", "bookTicker", "depth20", "funding", "markPrice")

    def generate_signal(self):
        close = float(self.data.close[0])
        seen = [f"{k}={v!r}" for k, v in asdict(self.market).items()]
        return Signal("short", close, close * 1.01, close * 0.95, reasons=seen)
'''


@pytest.fixture(scope="module")
def recorded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("recorded_market")
    write_store(data_dir)
    return data_dir


@pytest.fixture
def data_dir(recorded_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(recorded_dir, target)
    (target / "strategies").mkdir()
    (target / "strategies" / "market_echo.py").write_text(PROBE, encoding="utf-8")
    return target


def request(**changes: object) -> RunRequest:
    end = FIRST_MINUTE + 9 * 60_000
    return RunRequest(SYMBOL, "market_echo", "1m", from_ms(FIRST_MINUTE), from_ms(end),
                      **changes)  # type: ignore[arg-type]  # fmt: skip


def test_a_replay_shows_each_bar_the_backtests_features(data_dir: Path) -> None:
    settings = make_settings(data_dir)
    backtest = run_backtest(request(), settings)
    simulated = run_simulation(request(), settings, speed=None)
    seen = [s["reasons"] for s in simulated["signals"]]  # type: ignore[attr-defined]
    assert len(seen) == 9  # one a bar (the last one dropped, as in a backtest)
    assert seen == [s["reasons"] for s in backtest["signals"]]  # type: ignore[attr-defined]
    assert "taker_buy_count=196" in seen[0] and "open_interest=None" in seen[0]
    assert simulated["degraded"] == backtest["degraded"] == []


def test_a_replay_refuses_or_runs_degraded_like_a_backtest(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "market" / "binance" / SYMBOL / "depth20")
    settings = make_settings(data_dir)
    with pytest.raises(NoDataError, match="needs depth20 for BTCUSDT"):
        run_simulation(request(), settings, speed=None)
    backtest = run_backtest(request(degraded=True), settings)
    simulated = run_simulation(request(degraded=True), settings, speed=None)
    assert (
        simulated["degraded"]
        == backtest["degraded"]
        == ["depth20 for 2023-04-04 to 2023-04-05: missing: None"]
    )
    assert [s["reasons"] for s in simulated["signals"]] == [  # type: ignore[attr-defined]
        s["reasons"]
        for s in backtest["signals"]  # type: ignore[attr-defined]
    ]


def test_live_streams_of_the_declared_data() -> None:
    streams, polled = live_streams(
        [("BTCUSDT", ("aggTrades", "depth20", "openInterest")), ("ETHUSDT", ("funding",)),
         ("BTCUSDT", ("aggTrades", "forceOrder", "bookTicker"))]
    )  # fmt: skip
    assert streams == ["btcusdt@aggTrade", "btcusdt@depth20@100ms", "btcusdt@forceOrder",
                       "btcusdt@bookTicker"]  # fmt: skip
    assert polled == ["BTCUSDT"]


def test_a_live_source_subscribes_the_market_streams_and_hands_over_their_events() -> None:
    config = LiveConfig(
        ws_url="ws://127.0.0.1:9",
        rest=BinanceRestClient("http://127.0.0.1:9"),
        market_streams=("btcusdt@aggTrade", "btcusdt@depth20@100ms"),
    )
    source = LiveSource([(SYMBOL, "1m")], config)
    subscribed = [s for c in source.manager.connections for s in c.streams]
    assert {"btcusdt@kline_1m", "btcusdt@markPrice@1s", "btcusdt@aggTrade",
            "btcusdt@depth20@100ms"} <= set(subscribed)  # fmt: skip
    registry = Registry()
    registry.add_module(market_plugins, "market_plugins.py")
    info = registry.get("market_probe")
    pair = PairSpec(SYMBOL, info.name, "1m", {})
    market = live_market(info, info.resolve({}), pair, source)
    assert isinstance(market, LiveFeatures) and source.listeners == [market.on_event]
    got: list[MarketEvent] = []
    source.listeners.append(got.append)
    trade = next(e for e in events() if isinstance(e, AggregateTrade))
    source.manager.connections[0].on_event("btcusdt@aggTrade", trade)
    assert got == [trade] and market.start_ms == trade.transact_time


def test_external_layers_come_from_snapshots_on_a_replay_and_the_poller_live(
    tmp_path: Path,
) -> None:
    info = discover(None).get("confluence_15m")
    pair = PairSpec("ETHUSDT", "confluence_15m", "15m", {})
    t0 = 1_750_118_400_000
    index = ProviderReading("fear_greed", "sentiment", t0, "http://fng/fng/",
                            metrics={"value": 40.0}, observed_at=t0)  # fmt: skip
    ProviderRecorder(tmp_path).record(index)
    candles = CandleStore(tmp_path)
    replay = run_external(info, pair, FeedSpec(start_ms=t0, end_ms=t0 + 86_400_000), candles, None)
    assert replay is not None and replay.close_ms(t0) == t0 + 900_000
    assert replay.reading_at("fear_greed", t0).metrics == {"value": 40.0}
    assert set(replay.missing) == {"whale_alert", "macro"}  # nothing recorded for them
    polled = LiveReadings()
    polled.add(index)
    live = run_external(info, pair, FeedSpec(kind="live"), candles, polled)
    assert live is not None and live.readings is polled and live.missing == {}
    alone = run_external(info, pair, FeedSpec(kind="live"), candles, None)
    assert alone is not None and "no provider poller" in alone.missing["fear_greed"]
    sma = discover(None).get("sma_cross")
    assert run_external(sma, pair, FeedSpec(kind="live"), candles, polled) is None
