"""Extra feeds in paper trading: a replay gives exactly the backtest (real sample week).

The `trend_filter` example reads ETHUSDT 1h and BTCUSDT 15m besides its own bars; the
probe plugin of `tests/strategies/test_trend_filter.py` reports, bar by bar, which
extra bars it saw. Replayed through the engine (live feeds, the driver's close-time
groups) both must match the backtest exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings
from tests.strategies.test_trend_filter import PROBE


def request(strategy: str, timeframe: str, **params: object) -> RunRequest:
    return RunRequest(
        "ETHUSDT",
        strategy,
        timeframe,
        parse_utc("2025-06-17", "start"),
        parse_utc("2025-06-21", "end"),
        params=params,
    )


@pytest.mark.parametrize("timeframe", ["5m", "15m"])
def test_trend_filter_replay_equals_backtest(data_dir: Path, timeframe: str) -> None:
    settings = make_settings(data_dir)
    run = request("trend_filter", timeframe, htf_period=10, btc_period=10)
    backtest = run_backtest(run, settings)
    simulated = run_simulation(run, settings, speed=None)
    assert backtest["trades"] and backtest["feeds"] == ["ETHUSDT:1h", "BTCUSDT:15m"]
    for key in ("trades", "signals", "metrics", "rejected", "blocked", "equity"):
        assert simulated[key] == backtest[key], key


def test_each_paper_bar_sees_the_extra_bars_the_backtest_sees(data_dir: Path) -> None:
    plugins = data_dir / "strategies"
    plugins.mkdir()
    (plugins / "feed_probe.py").write_text(
        PROBE.replace("FEEDS", repr(("1h", "BTCUSDT:15m", "BTCUSDT:1m"))), encoding="utf-8"
    )
    settings = make_settings(data_dir)
    backtest = run_backtest(request("feed_probe", "5m"), settings)
    simulated = run_simulation(request("feed_probe", "5m"), settings, speed=None)
    seen = [s["reasons"] for s in simulated["signals"]]  # type: ignore[attr-defined]
    assert len(seen) > 1000
    assert seen == [s["reasons"] for s in backtest["signals"]]  # type: ignore[attr-defined]
