"""`verify`: a screened trial against a Backtrader result, and the first difference named."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scalplab.backtests.fast import FastResult, run_fast, to_result_trades, verify
from scalplab.backtests.fast.verify import relative_difference
from scalplab.backtests.runner import run_backtest
from scalplab.orders.models import Bar
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.strategies.signal import Signal
from tests.backtests.fast.dual import run_both
from tests.conftest import make_settings
from tests.orders.harness import RULES

T0 = 1_749_974_400_000  # 2025-06-15T08:00:00Z


def scenario() -> FastResult:
    """Two trades: a take-profit, then a position closed at the end."""
    long = Signal("long", 100.0, 95.0, 115.0)
    rows = [(100, 100, 100, 100), (100, 100, 100, 100), (110, 116, 109, 112), (112, 113, 111, 112)]
    bars = [Bar(T0 + i * 3_600_000, *row) for i, row in enumerate(rows)]
    return run_both(bars, {0: long, 2: long}).fast


def stored(fast: FastResult) -> dict[str, Any]:
    return {"trades": to_result_trades(fast), "metrics": fast.metrics.to_dict()}


def test_identical_trades_verify() -> None:
    fast = scenario()
    check = verify(fast, stored(fast))
    assert check.ok and check.first_difference is None
    assert (check.trades_fast, check.trades_backtrader, check.net_pnl_rel_diff) == (2, 2, 0.0)
    assert fast.pair == RULES.symbol and fast.net_pnl == fast.metrics.net_pnl


def test_each_kind_of_difference_is_named() -> None:
    fast = scenario()
    result = stored(fast)
    moved = copy.deepcopy(result)
    moved["trades"][1]["exit_price"] += 0.01
    check = verify(fast, moved)
    assert not check.ok and check.first_difference is not None
    assert check.first_difference.startswith("trade 2: exit_price")
    late = copy.deepcopy(result)
    late["trades"][0]["entry_time"] = "2025-01-01T00:00:00Z"
    assert "trade 1: entry_time" in str(verify(fast, late).first_difference)
    costly = copy.deepcopy(result)
    costly["trades"][0]["fees"] *= 1 + 1e-6
    assert "trade 1: fees" in str(verify(fast, costly).first_difference)
    shorter = copy.deepcopy(result)
    shorter["trades"].pop()
    check = verify(fast, shorter)
    assert (check.ok, check.trades_backtrader) == (False, 1)
    assert "trade count 2 (fast) != 1" in str(check.first_difference)
    richer = copy.deepcopy(result)
    richer["metrics"]["net_pnl"] += 1.0
    check = verify(fast, richer)
    assert not check.ok and check.net_pnl_rel_diff > 1e-9
    assert "net P&L" in str(check.first_difference)


def test_float_noise_within_the_tolerance_passes() -> None:
    fast = scenario()
    noisy = stored(fast)
    noisy["trades"][0]["pnl"] *= 1 + 1e-12
    noisy["metrics"]["net_pnl"] *= 1 + 1e-12
    check = verify(fast, noisy)
    assert check.ok and 0 < check.net_pnl_rel_diff < 1e-9
    assert relative_difference(0.0, 0.0) == 0.0 and relative_difference(1.0, -1.0) == 2.0


def test_a_stored_backtrader_result_verifies_after_a_json_round_trip(real_week_dir: Path) -> None:
    settings = make_settings(real_week_dir)
    start, end = datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 24, tzinfo=UTC)
    request = RunRequest("BTCUSDT", "sma_cross", "15m", start, end, {"stop_pct": 0.3})
    result = json.loads(json.dumps(run_backtest(request, settings)))
    check = verify(run_fast(prepare_run(request, settings), settings), result)
    assert check.ok and check.trades_fast == check.trades_backtrader > 5
