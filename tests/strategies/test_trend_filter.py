"""Extra feeds in backtests: the `trend_filter` example and a probe of what a bar sees.

On the real sample week (BTCUSDT and ETHUSDT 1m), an ETHUSDT run at 5m or 15m declares
the 1h bars of ETHUSDT and the 15m bars of BTCUSDT. At the close of each base bar the
strategy must see the last extra bar that closed by then — never the forming one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.errors import NoDataError
from scalplab.orders.runs import RunRequest
from scalplab.strategies.registry import Registry, discover
from scalplab.timeutil import parse_utc, to_ms
from tests.conftest import make_settings

HOUR = 3_600_000
PROBE = '''
from scalplab.strategies import Signal, SignalStrategy


class FeedProbe(SignalStrategy):
    """Reports, in its reasons, the open time of the extra bars each base bar sees."""

    name = "feed_probe"
    feeds = FEEDS

    def generate_signal(self):
        seen = [str(int(data.open_ms[0])) for data in self.datas[1:]]
        close = self.data.close[0]
        # reward/risk 0.1: rejected by min_rr, so every bar is recorded and nothing trades
        return Signal("long", close, close * 0.99, close * 1.001, reasons=seen)
'''


def probe_registry(tmp_path: Path, feeds: tuple[str, ...]) -> Registry:
    folder = tmp_path / "plugins"
    folder.mkdir(exist_ok=True)
    (folder / "feed_probe.py").write_text(PROBE.replace("FEEDS", repr(feeds)), encoding="utf-8")
    registry = discover(folder)
    assert registry.errors == []
    return registry


def request(strategy: str, timeframe: str, pair: str = "ETHUSDT", **params: object) -> RunRequest:
    return RunRequest(
        pair,
        strategy,
        timeframe,
        parse_utc("2025-06-17", "start"),
        parse_utc("2025-06-24", "end"),
        params=params,
    )


@pytest.fixture
def settings(sample_week_dir: Path) -> Settings:
    return make_settings(sample_week_dir)


@pytest.mark.parametrize("timeframe", ["5m", "15m"])
def test_each_bar_sees_the_last_extra_bars_closed_by_its_close(
    settings: Settings, tmp_path: Path, timeframe: str
) -> None:
    registry = probe_registry(tmp_path, ("1h", "BTCUSDT:15m"))
    result = run_backtest(request("feed_probe", timeframe), settings, registry=registry)
    step = 300_000 if timeframe == "5m" else 900_000
    signals = result["signals"]
    assert isinstance(signals, list) and len(signals) > 100
    for signal in signals:
        base_close = to_ms(parse_utc(signal["time"], "time")) + step
        hourly, btc = (int(reason) for reason in signal["reasons"])
        assert base_close - HOUR < hourly + HOUR <= base_close  # the last closed hour
        assert base_close - 900_000 < btc + 900_000 <= base_close  # the last closed 15m


def test_reading_the_higher_timeframe_early_changes_the_result(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = run_backtest(request("trend_filter", "5m", htf_period=10, btc_period=10), settings)
    assert honest["trades"] and honest["feeds"] == ["ETHUSDT:1h", "BTCUSDT:15m"]
    # Stamp every extra bar at its open: the forming hour would be visible at once.
    monkeypatch.setattr("scalplab.orders.runs.stamp_offset_ms", lambda *_: 0)
    early = run_backtest(request("trend_filter", "5m", htf_period=10, btc_period=10), settings)
    assert early["signals"] != honest["signals"]


def test_trend_filter_passes_the_lookahead_check(settings: Settings) -> None:
    report = check_lookahead(request("trend_filter", "15m", htf_period=10), settings)
    assert report.clean, report.message


def test_a_declared_feed_with_no_stored_data_is_named(settings: Settings, tmp_path: Path) -> None:
    registry = probe_registry(tmp_path, ("SOLUSDT:5m",))
    with pytest.raises(NoDataError, match=r"declares feed SOLUSDT:5m, which has no stored"):
        run_backtest(request("feed_probe", "5m", pair="BTCUSDT"), settings, registry=registry)
