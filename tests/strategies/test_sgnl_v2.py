"""SGNL-V2 through real backtests and paper replays of REAL recorded Binance data.

The store is the BTCUSDT capture of 2023-04-04 23:58 → 2023-04-05 00:07 (aggregate
trades, book tops, partial books rebuilt from the real diffs, mark prices and funding;
`tests.data.features.recorded`). It holds no open interest: SGNL's rules need it, so
the strategy refuses without `degraded`, and degraded it never shorts (the OI rule
cannot hold). With the OI rule off and the thresholds opened (a research run, not the
seed's rules) the whole path runs: the features, the UPS score, the short with its
1.7 % target and volatility stop, the payload, and paper trading agreeing with the
backtest bar for bar.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.errors import ScalpLabError
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.strategies.registry import discover
from scalplab.strategies.sgnl_features import WEIGHTS
from scalplab.timeutil import from_ms
from tests.conftest import make_settings
from tests.data.features.recorded import FIRST_MINUTE, SYMBOL, write_store

END = FIRST_MINUTE + 9 * 60_000  # 2023-04-05T00:07:00Z
OPENED = {
    "max_price": 1_000_000.0,  # BTC is no sub-5-USDT token: the symbol filter is opened
    "atr_period": 2,  # nine minutes of data
    "min_score": 0.0,
    "min_ask_dominance": 0.0,
    "oi_rule": False,
    "max_resistance_pct": 100.0,
    "max_spread_pct": 100.0,
    "min_funding_rate": -0.01,
    "btc_pump_pct": 100.0,
}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("sgnl_store")
    write_store(data_dir)
    return data_dir


def request(params: dict[str, object] | None = None, degraded: bool = True) -> RunRequest:
    return RunRequest(
        SYMBOL,
        "sgnl_v2",
        "1m",
        from_ms(FIRST_MINUTE),
        from_ms(END),
        params=params or {"max_price": 1_000_000.0},
        degraded=degraded,
    )


def test_the_plugin_is_discovered_with_the_seed_s_numbers() -> None:
    info = discover(None).get("sgnl_v2")
    defaults = {name: spec.default for name, spec in info.params.items()}
    assert defaults["min_score"] == 72.0 and defaults["tp_pct"] == 1.7
    assert (defaults["stop_min_pct"], defaults["stop_max_pct"]) == (0.7, 1.1)
    assert defaults["max_hold_minutes"] == 60 and defaults["max_price"] == 5.0
    help_text = {name: spec.description for name, spec in info.params.items()}
    assert "001" in help_text["min_score"] and "000 §1" in help_text["max_price"]


def test_without_open_interest_the_run_is_refused_in_one_line(store_dir: Path) -> None:
    with pytest.raises(ScalpLabError) as refused:
        run_backtest(request(degraded=False), make_settings(store_dir))
    message = str(refused.value)
    assert "sgnl_v2 needs openInterest for BTCUSDT" in message and "\n" not in message


def test_degraded_the_seed_s_rules_never_short_without_open_interest(store_dir: Path) -> None:
    result = run_backtest(request(), make_settings(store_dir, MIN_RR=1.0))
    degraded = result["degraded"]
    assert isinstance(degraded, list) and any("openInterest" in d for d in degraded)
    assert result["signals"] == [] and result["metrics"]["trades"] == 0


def test_opened_up_it_shorts_with_the_seed_s_exits_and_paper_agrees(store_dir: Path) -> None:
    settings = make_settings(store_dir, MIN_RR=1.0)
    backtest = run_backtest(request(OPENED), settings)
    signals = backtest["signals"]
    assert isinstance(signals, list) and signals
    first = signals[0]
    assert first["side"] == "short" and first["status"] == "accepted"
    entry = first["entry"]
    assert first["take_profit"] == pytest.approx(entry * (1 - 0.017), abs=0.01)
    stop_pct = (first["stop_loss"] / entry - 1) * 100
    assert 0.7 - 1e-6 <= stop_pct <= 1.1 + 1e-6
    breakdown = first["breakdown"]
    assert first["score"] == pytest.approx(
        sum(WEIGHTS[name] * breakdown[f"{name}_score"] for name in WEIGHTS) / 100, abs=0.05
    )
    for feature in ("ask_dominance", "bid_weakness", "sweep", "spread_pct", "vwap_distance_pct"):
        assert feature in breakdown
    assert "sell sweep" in first["reasons"]
    assert backtest["metrics"]["trades"] >= 1
    simulated = run_simulation(request(OPENED), settings, speed=None)
    for key in ("signals", "trades", "metrics"):
        assert simulated[key] == backtest[key], key
