"""Metrics computed by hand on tiny equity curves and trade lists."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scalplab.orders.metrics import (
    blocks_by_breaker,
    compute_metrics,
    daily_returns,
    max_drawdown_pct,
    rejections_by_reason,
    sharpe_sortino,
)
from scalplab.orders.models import SignalRecord, Trade

DAY = 86_400_000


def trade(pnl: float, minutes: int = 30, reason: str = "tp") -> Trade:
    return Trade(
        "BTCUSDT",
        "test",
        "long",
        0,
        minutes * 60_000,
        100.0,
        101.0,
        1.0,
        reason,  # type: ignore[arg-type]
        0.1,
        0.0,
        0.01,
        pnl,
        2,
    )


def signal(status: str, reason: str = "", breaker: str | None = None) -> SignalRecord:
    return SignalRecord(
        "BTCUSDT",
        "test",
        0,
        "long",
        100.0,
        95.0,
        115.0,
        50.0,
        (),
        status,  # type: ignore[arg-type]
        reason,
        breaker=breaker,
    )


def test_daily_returns_take_each_days_last_equity() -> None:
    curve = [(0, 10_100.0), (DAY - 60_000, 10_200.0), (DAY, 10_000.0), (DAY + 5, 9_800.0)]
    returns = daily_returns(curve, 10_000.0)
    assert returns == pytest.approx([0.02, 9_800 / 10_200 - 1])
    assert len(daily_returns([], 1.0)) == 0


def test_sharpe_and_sortino_by_hand() -> None:
    returns = np.array([0.01, -0.01, 0.02, 0.0])
    mean, std = 0.005, float(np.std(returns, ddof=1))
    downside = math.sqrt((0.01**2) / 4)
    sharpe, sortino = sharpe_sortino(returns)
    assert sharpe == pytest.approx(mean / std * math.sqrt(365))
    assert sortino == pytest.approx(mean / downside * math.sqrt(365))
    assert sharpe_sortino(np.array([0.01])) == (None, None)
    assert sharpe_sortino(np.array([0.01, 0.01])) == (None, None)  # no variance, no downside


def test_max_drawdown_counts_from_the_initial_capital() -> None:
    curve = [(0, 11_000.0), (1, 8_800.0), (2, 12_000.0), (3, 11_400.0)]
    assert max_drawdown_pct(curve, 10_000.0) == pytest.approx(20.0)
    assert max_drawdown_pct([], 10_000.0) == 0.0


def test_compute_metrics_by_hand() -> None:
    trades = [trade(300.0), trade(-100.0, 90, "sl"), trade(-50.0, 60, "end")]
    signals = (
        [signal("accepted")] * 3
        + [signal("rejected", "min_rr")] * 2
        + [signal("rejected", "position_open"), signal("dropped", "last_bar")]
        + [signal("blocked", "5 open positions", "max_open_positions")]
        + [signal("blocked", "cooldown", "loss_streak")] * 2
    )
    totals = {
        "fees": 0.3,
        "slippage": 0.03,
        "funding": 0.0,
        "bars": 100,
        "bars_in_market": 25,
        "funding_default_instants": 0,
    }
    m = compute_metrics(trades, [(0, 10_150.0)], signals, totals, 10_000.0, 10_150.0)
    assert m["trades"] == 3 and m["wins"] == 1
    assert m["win_rate"] == pytest.approx(100 / 3)
    assert m["net_pnl"] == 150.0 and m["return_pct"] == 1.5
    assert m["profit_factor"] == pytest.approx(2.0)
    assert m["expectancy"] == pytest.approx(50.0)
    assert m["avg_hold_minutes"] == pytest.approx(60.0)
    assert m["exposure_pct"] == 25.0
    assert m["exits"] == {
        "tp": 1,
        "sl": 1,
        "liquidation": 0,
        "end": 1,
        "max_hold": 0,
        "signal": 0,
        "manual": 0,
    }
    assert (
        m["signals_generated"],
        m["signals_accepted"],
        m["signals_rejected"],
        m["signals_blocked"],
        m["signals_dropped"],
    ) == (10, 3, 3, 3, 1)
    assert rejections_by_reason(signals) == {"min_rr": 2, "position_open": 1}
    # A block is not a rejection: it is counted by breaker, apart from the reasons.
    assert blocks_by_breaker(signals) == {"loss_streak": 2, "max_open_positions": 1}
    assert blocks_by_breaker(signals[:3]) == {}


def test_metrics_without_trades_or_losses() -> None:
    totals = {
        "fees": 0.0,
        "slippage": 0.0,
        "funding": 0.0,
        "bars": 0,
        "bars_in_market": 0,
        "funding_default_instants": 0,
    }
    empty = compute_metrics([], [], [], totals, 10_000.0, 10_000.0)
    assert empty["win_rate"] == 0.0 and empty["profit_factor"] is None
    assert empty["exposure_pct"] == 0.0 and empty["sharpe"] is None
    only_wins = compute_metrics([trade(5.0)], [], [], totals, 10_000.0, 10_005.0)
    assert only_wins["profit_factor"] is None  # no losses: undefined, not infinity
