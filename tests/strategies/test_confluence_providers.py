"""`confluence_15m` with layers 3 and 4 from recorded provider snapshots, on the REAL
klines of ETHUSDT and BTCUSDT (shared/data/real).

The snapshots are what a server would have recorded: every hour of 2025-06-09 → 06-17 the
real provider clients (Fear & Greed, Whale Alert, Stooq macro) fetch from the fake
provider server over HTTP (`scalplab.data.providers.fakes`, the providers' documented
answer shapes) and `ProviderRecorder` stores each reading. A backtest then scores layers
3 and 4 from them as of each bar's close — present inside the recorded window, missing
(with the reason) before it and once the last snapshot is stale — and a replay through
paper trading gives exactly the backtest's signals, trades and metrics. Without
snapshots the result names both layers missing; a reading fetched after a bar's close is
never seen at that bar.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.providers.fakes import FakeProviders, FakeProviderServer, whale_transaction
from scalplab.data.providers.fear_greed import FearGreedProvider
from scalplab.data.providers.macro import MacroProvider, parse_symbols
from scalplab.data.providers.store import ProviderRecorder
from scalplab.data.providers.whale_alert import WhaleAlertProvider
from scalplab.orders.runs import RunRequest
from scalplab.strategies.confluence_15m import Confluence15mStrategy
from scalplab.strategies.confluence_external import ExternalView
from scalplab.strategies.registry import Registry
from tests.conftest import make_settings, real_funding, real_klines
from tests.data.providers.conftest import Clock, http_for
from tests.simulation.conftest import replayed_backtest

HOUR, DAY = 3_600_000, 86_400_000
START = datetime(2025, 6, 4, tzinfo=UTC)
END = datetime(2025, 6, 22, tzinfo=UTC)
FIRST = int(datetime(2025, 6, 9, tzinfo=UTC).timestamp() * 1000)
LAST = int(datetime(2025, 6, 17, tzinfo=UTC).timestamp() * 1000)
OPENED = {"medium_threshold": 40.0, "high_threshold": 55.0, "warmup_bars": 250}
RISK = {"min_rr": 2.0}
WARSAW = ZoneInfo("Europe/Warsaw")
FNG = (12.0, 30.0, 50.0, 68.0, 88.0)


@pytest.fixture(scope="module")
def candles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("confluence_candles")
    candles, funding = CandleStore(data_dir), FundingStore(data_dir)
    for symbol in ("ETHUSDT", "BTCUSDT"):
        candles.merge(symbol, "1m", real_klines(symbol))
        funding.merge(symbol, real_funding(symbol))
    return data_dir


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(FakeProviders(fear_greed=[])) as server:
        yield server


def scene(state: FakeProviders, t_ms: int) -> None:
    """What the providers answer at `t_ms`: a daily index, the last half hour's transfers
    and the quotes of a minute ago, all varying with the hour."""
    t, hour = t_ms // 1000, t_ms // HOUR
    day = t - t % 86_400
    state.fear_greed = [
        {"value": f"{FNG[(day // 86_400) % 5]:.0f}", "value_classification": "x",
         "timestamp": str(day), "time_until_update": str(day + 86_400 - t)}
    ]  # fmt: skip
    kinds = (
        [whale_transaction(2.5e6, timestamp=t - 900, from_type="exchange", number=1),
         whale_transaction(1.5e6, timestamp=t - 600, from_type="exchange", number=2)],
        [whale_transaction(3e6, timestamp=t - 700, to_type="exchange", number=3)],
        [whale_transaction(2e6, timestamp=t - 500, to_type="exchange", symbol="usdt", number=4)],
    )  # fmt: skip
    state.transactions = kinds[hour % 3]
    quoted = datetime.fromtimestamp(t - 60, tz=WARSAW)
    day_s, time_s = quoted.strftime("%Y-%m-%d"), quoted.strftime("%H:%M:%S")
    spx = 6000.0 * (1 + 0.006 * math.sin(hour / 3))
    dxy = 98.0 * (1 - 0.002 * math.sin(hour / 5))
    state.quotes = {
        "^spx": (day_s, time_s, spx, spx, spx, spx, 0),
        "dx.f": (day_s, time_s, dxy, dxy, dxy, dxy, 0),
    }


def record(fake: FakeProviderServer, data_dir: Path, times: list[int]) -> int:
    """Fetch every provider at each instant from the fake (real HTTP) and record it."""
    clock = Clock(times[0])
    providers = (
        FearGreedProvider(http_for(fake, clock), clock_ms=clock.ms, monotonic=clock.monotonic),
        WhaleAlertProvider(
            http_for(fake, clock, key=fake.state.whale_key, per_minute=10),
            clock_ms=clock.ms, monotonic=clock.monotonic,
        ),
        MacroProvider(
            http_for(fake, clock, per_minute=10), parse_symbols("spx:^spx,dxy:dx.f"),
            clock_ms=clock.ms, monotonic=clock.monotonic,
        ),
    )  # fmt: skip
    recorder = ProviderRecorder(data_dir)
    for t in times:
        clock.advance((t - clock.now_ms) / 1000 + 0.0)
        scene(fake.state, t)
        for provider in providers:
            reading = provider.fetch()
            assert reading.available, reading.left_out
            recorder.record(reading)
    return recorder.written


@pytest.fixture(scope="module")
def store_dir(
    candles_dir: Path, fake: FakeProviderServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The candles and an hourly snapshot of every provider from FIRST to LAST."""
    data_dir = tmp_path_factory.mktemp("confluence_snapshots")
    for item in candles_dir.iterdir():
        (data_dir / item.name).symlink_to(item, target_is_directory=item.is_dir())
    times = list(range(FIRST, LAST + 1, HOUR))
    assert record(fake, data_dir, times) == 3 * len(times)
    return data_dir


def request(**params: object) -> RunRequest:
    return RunRequest("ETHUSDT", "confluence_15m", "15m", START, END,
                      params={**OPENED, **params}, degraded=True, risk=RISK)  # fmt: skip


def test_recorded_snapshots_feed_layers_3_and_4_and_paper_agrees(store_dir: Path) -> None:
    settings = make_settings(store_dir, RISK_PER_TRADE_PCT=1.5)
    keys = ("signals", "trades", "metrics", "external_missing", "external_layers")
    result = replayed_backtest(request(), settings, keys)
    assert result["external_layers"] == {"onchain": ["whale_alert"],
                                         "sentiment": ["fear_greed", "macro"]}  # fmt: skip
    assert result["external_missing"] == []
    signals = result["signals"]
    assert isinstance(signals, list)
    inside = [s for s in signals if FIRST + HOUR <= _ms(s["time"]) + 15 * 60_000 <= LAST]
    outside = [s for s in signals if _ms(s["time"]) + 15 * 60_000 < FIRST]
    assert len(inside) > 5 and outside
    for signal in inside:
        breakdown = signal["breakdown"]
        assert "onchain_missing" not in breakdown and "sentiment_missing" not in breakdown
        assert 0 < breakdown["onchain_freshness"] <= 1
        assert any(reason.startswith("regime ") for reason in signal["reasons"])
    # the scores follow the readings: the index, the flows and the regime change by the hour
    assert len({s["breakdown"]["onchain_score"] for s in inside}) >= 3
    assert len({s["breakdown"]["sentiment_score"] for s in inside}) >= 3
    assert len({s["breakdown"]["fear_greed_index"] for s in inside}) >= 2
    for signal in outside:  # before the first snapshot: missing, with the reason
        assert {"onchain_missing", "sentiment_missing"} <= set(signal["breakdown"])
        text = " ".join(signal["reasons"])
        assert "onchain (whale_alert: no whale_alert snapshot at or before" in text
    late = [s for s in signals if _ms(s["time"]) > LAST + 3 * HOUR]
    assert late and all("stale" in " ".join(s["reasons"]) for s in late)


def test_without_snapshots_the_layers_are_missing_and_say_why(candles_dir: Path) -> None:
    settings = make_settings(candles_dir, RISK_PER_TRADE_PCT=1.5)
    short = RunRequest("ETHUSDT", "confluence_15m", "15m", START, datetime(2025, 6, 9, tzinfo=UTC),
                       params=OPENED, degraded=True, risk=RISK)  # fmt: skip
    result = run_backtest(short, settings)
    span = "from 2025-06-04T00:00:00Z to 2025-06-09T00:00:00Z"
    assert result["external_missing"] == [
        f"onchain: no whale_alert snapshots recorded {span}",
        f"sentiment: no fear_greed snapshots recorded {span}; no macro snapshots recorded {span}",
    ]
    signals = result["signals"]
    assert isinstance(signals, list) and signals
    for signal in signals:
        assert {"onchain_missing", "sentiment_missing"} <= set(signal["breakdown"])
        assert "regime" not in " ".join(signal["reasons"])  # no layer 4: no regime either


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class ViewWatcher(Confluence15mStrategy):
    """Records the external view at every 15m close, and never signals."""

    name = "confluence_view_watcher"
    seen: ClassVar[dict[int, ExternalView]] = {}

    def generate_signal(self) -> None:  # type: ignore[override]
        open_ms = int(self.data.open_ms[0])
        type(self).seen[open_ms] = self.external_view(open_ms)


def test_a_snapshot_fetched_after_the_bar_close_is_not_used(
    candles_dir: Path, fake: FakeProviderServer, tmp_path: Path
) -> None:
    for item in candles_dir.iterdir():
        (tmp_path / item.name).symlink_to(item, target_is_directory=item.is_dir())
    bar_open = FIRST + 10 * HOUR  # the bar 10:00–10:15 of 06-09
    close = bar_open + 15 * 60_000
    record(fake, tmp_path, [close - 20 * 60_000, close + 1])  # 09:55, and 1 ms after 10:15
    registry = Registry()
    registry.add_module(sys.modules[__name__], "tests/strategies/test_confluence_providers.py")
    ViewWatcher.seen = {}
    run = RunRequest("ETHUSDT", "confluence_view_watcher", "15m",
                     datetime(2025, 6, 9, tzinfo=UTC), datetime(2025, 6, 10, tzinfo=UTC),
                     degraded=True)  # fmt: skip
    run_backtest(run, make_settings(tmp_path), registry=registry)
    at_close, next_close = ViewWatcher.seen[bar_open], ViewWatcher.seen[bar_open + 15 * 60_000]
    before, after = at_close.layers.onchain, next_close.layers.onchain
    assert before is not None and after is not None
    # 09:55 is hour 9's scene (two coin withdrawals: 90), 10:15 + 1 ms hour 10's (a coin
    # deposit of 3M: 25): the bar closing at 10:15 sees only the first, the next bar the second
    assert at_close.values["onchain_whale_movements"] == 90.0
    assert before.freshness == pytest.approx(0.4)  # 20 minutes old at 10:15
    assert next_close.values["onchain_whale_movements"] == 25.0
    assert after.freshness == pytest.approx(0.7)  # 14:59.999 old at 10:30
    assert ViewWatcher.seen[bar_open - 15 * 60_000].layers.onchain is not None  # 09:55 ≤ 10:00
    assert ViewWatcher.seen[bar_open - 30 * 60_000].layers.onchain is None  # 09:45 < 09:55
