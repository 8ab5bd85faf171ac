"""The fast path against the Backtrader path on a real week of BTCUSDT 1m candles.

Each run goes through `run_backtest` (Cerebro, the order pipeline) and `run_fast` (the
vector form, the compiled kernel) with the same request and settings: the same trades,
the same metrics (every field, as floats), the same rejections and blocks — with the
breakers off (the research switch) and on (the platform defaults, and limits tight
enough that each of them binds).
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.fast import (
    FastPathUnsupported,
    FastResult,
    run_fast,
    to_result_trades,
    verify,
)
from scalplab.backtests.runner import run_backtest
from scalplab.errors import InputError
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.strategies.breakers import Cooldown
from scalplab.strategies.registry import Registry, discover
from scalplab.strategies.sma_cross import SmaCrossStrategy
from scalplab.strategies.vector import CandleArrays
from tests.backtests import plugins
from tests.conftest import make_settings

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
TIGHT = {
    "max_trades_per_hour": 1,
    "daily_loss_limit_pct": 0.5,
    "loss_streak_limit": 2,
    "loss_streak_cooldown_minutes": 60,
    "extreme_volatility_atr_mult": 1.5,
}


class FeedsCross(SmaCrossStrategy):
    """The SMA cross reading an hourly feed too."""

    name = "feeds_cross"
    feeds = ("1h",)


class CooledCross(SmaCrossStrategy):
    """The SMA cross with a breaker of its own."""

    name = "cooled_cross"
    breakers = (Cooldown("cooldown", 3600),)


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = discover(None)
    reg.add_module(sys.modules[plugins.__name__], "tests/backtests/plugins.py")
    reg.add_module(sys.modules[__name__], "tests/backtests/fast/test_runner.py")
    return reg


def both(
    data_dir: Path,
    registry: Registry,
    strategy: str,
    tf: str,
    params: dict[str, object],
    *,
    breakers: bool = False,
    risk: dict[str, object] | None = None,
    **env: object,
) -> tuple[FastResult, dict[str, Any]]:
    """One request through both paths; asserts they agree and returns both results."""
    settings = make_settings(data_dir, **env)
    request = RunRequest("BTCUSDT", strategy, tf, START, END, params, risk or {}, breakers)
    result = run_backtest(request, settings, registry=registry)
    fast = run_fast(prepare_run(request, settings, registry), settings)
    check = verify(fast, result)
    assert check.ok, check.first_difference
    assert check.net_pnl_rel_diff == 0.0
    assert fast.metrics.to_dict() == result["metrics"]
    assert (fast.rejected, fast.blocked) == (result["rejected"], result["blocked"])
    assert to_result_trades(fast) == result["trades"]
    assert fast.equity.tolist() == [value for _, value in result["equity"]]
    return fast, result


SMA_RUNS: list[tuple[str, dict[str, object], bool, dict[str, object] | None, dict[str, Any]]] = [
    ("1m", {}, False, None, {}),
    ("1m", {}, True, None, {}),
    ("5m", {"stop_pct": 0.2, "rr": 4.0, "allow_short": False}, False, None, {}),
    ("15m", {"stop_pct": 3.0, "rr": 4.0}, False, None, {"MAX_LEVERAGE": 50}),
    ("1m", {"stop_pct": 0.2, "max_hold_bars": 30}, True, TIGHT, {"SLIPPAGE_PCT": 0.05}),
    ("1m", {"fast": 3, "slow": 5, "stop_pct": 0.2}, True, TIGHT, {"MIN_RR": 2.0}),
]


def test_sma_cross_fast_path_equals_backtrader(real_week_dir: Path, registry: Registry) -> None:
    exits: Counter[str] = Counter()
    blocked: Counter[str] = Counter()
    for tf, params, breakers, risk, env in SMA_RUNS:
        fast, _ = both(
            real_week_dir, registry, "sma_cross", tf, params, breakers=breakers, risk=risk, **env
        )
        exits.update(trade.exit_reason for trade in fast.trades)
        blocked.update(fast.blocked)
    assert set(exits) == {"tp", "sl", "liquidation", "end", "max_hold"}
    assert set(blocked) == {"daily_loss_limit", "loss_streak", "overtrading", "extreme_volatility"}


SMC_RUNS: list[tuple[str, dict[str, object], bool]] = [
    ("1m", {}, False),
    ("1m", {}, True),
    (
        "5m",
        {"swing_length": 3, "zone_mode": "fvg", "direction": "long", "trend_filter": True},
        True,
    ),
    (
        "15m",
        {"swing_length": 2, "zone_mode": "ob", "min_displacement": 0.5, "max_hold_bars": 10},
        True,
    ),
]


def test_smc_fast_path_equals_backtrader(real_week_dir: Path, registry: Registry) -> None:
    for tf, params, breakers in SMC_RUNS:
        fast, _ = both(real_week_dir, registry, "smc", tf, params, breakers=breakers)
        assert fast.trades


def test_runs_the_fast_path_cannot_simulate_are_refused(
    real_week_dir: Path, registry: Registry
) -> None:
    settings = make_settings(real_week_dir)
    for strategy, what in (
        ("scripted", "has no vector form"),
        ("feeds_cross", "declares extra feeds"),
        ("cooled_cross", "declares its own breakers"),
    ):
        run = prepare_run(RunRequest("BTCUSDT", strategy, "1h", START, END), settings, registry)
        with pytest.raises(FastPathUnsupported, match=what) as caught:
            run_fast(run, settings)
        assert isinstance(caught.value, InputError) and what in caught.value.reason


def test_warm_up_and_arrays_as_on_the_backtrader_path(
    real_week_dir: Path, registry: Registry
) -> None:
    settings = make_settings(real_week_dir)
    run = prepare_run(
        RunRequest("BTCUSDT", "sma_cross", "1h", START, END, {"slow": 200}), settings, registry
    )
    with pytest.raises(InputError, match=r"needs 201 bars of warm-up .* only 168 1h bars"):
        run_fast(run, settings)
    run = prepare_run(RunRequest("BTCUSDT", "sma_cross", "1h", START, END), settings, registry)
    given = run_fast(run, settings, CandleArrays.from_frame(run.candles))
    assert given.trades == run_fast(run, settings).trades
