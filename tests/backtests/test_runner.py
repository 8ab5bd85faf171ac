"""The runner on real candles: determinism, engine modes, look-ahead, funding, bad input."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import EngineMode, run_backtest
from scalplab.errors import InputError, NoDataError, NotFoundError, StrategyError
from scalplab.orders.runs import RunRequest
from scalplab.strategies.registry import Registry, discover
from tests.backtests import plugins
from tests.conftest import make_settings, real_funding, real_klines

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
H = 3_600_000


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = discover(None)
    reg.add_module(sys.modules[plugins.__name__], "tests/backtests/plugins.py")
    return reg


def request(strategy: str = "sma_cross", tf: str = "15m", **params: object) -> RunRequest:
    return RunRequest("BTCUSDT", strategy, tf, START, END, params)


def test_result_shape_and_bar_count(real_week_dir: Path, registry: Registry) -> None:
    result = run_backtest(request(), make_settings(real_week_dir), registry=registry)
    assert result["metrics"]["bars"] == 7 * 96  # 15m bars resampled from 1m
    assert result["first_bar"] == "2025-06-17T00:00:00Z"
    assert result["last_bar"] == "2025-06-23T23:45:00Z"
    for key in ("id", "metrics", "rejected", "trades", "equity", "result_hash"):
        assert key in result
    trade = result["trades"][0]
    assert set(trade) >= {
        "side",
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "qty",
        "exit_reason",
        "fees",
        "funding",
        "pnl",
    }
    assert trade["exit_reason"] in {"tp", "sl", "liquidation", "end", "max_hold", "manual"}
    json.dumps(result, allow_nan=False)
    m = result["metrics"]
    assert m["final_equity"] == pytest.approx(10_000 + sum(t["pnl"] for t in result["trades"]))
    assert m["fees"] == pytest.approx(sum(t["fees"] for t in result["trades"]))
    assert m["funding"] == pytest.approx(sum(t["funding"] for t in result["trades"]))
    assert (
        m["signals_generated"]
        == m["signals_accepted"] + m["signals_rejected"] + m["signals_dropped"]
    )
    assert result["symbol_rules"]["source"] == "bundled_exchange_info_2021"
    assert result["symbol_rules"]["step_size"] == "0.001"


def test_same_result_hash_on_a_second_run(real_week_dir: Path, registry: Registry) -> None:
    settings = make_settings(real_week_dir)
    first = run_backtest(request(tf="5m"), settings, registry=registry)
    second = run_backtest(request(tf="5m"), settings, registry=registry)
    assert first["id"] != second["id"]
    assert first["result_hash"] == second["result_hash"]
    assert first["trades"] == second["trades"]


@pytest.mark.parametrize(("runonce", "preload"), [(True, False), (False, True), (False, False)])
def test_results_do_not_depend_on_the_engine_mode(
    real_week_dir: Path, registry: Registry, runonce: bool, preload: bool
) -> None:
    settings = make_settings(real_week_dir)
    default = run_backtest(request(), settings, registry=registry)
    other = run_backtest(request(), settings, mode=EngineMode(runonce, preload), registry=registry)
    assert other["trades"] == default["trades"]
    assert other["result_hash"] == default["result_hash"]


def test_look_ahead_strategy_differs_from_its_honest_twin_and_is_caught(
    real_week_dir: Path, registry: Registry
) -> None:
    settings = make_settings(real_week_dir)
    cheat = run_backtest(request("peeking"), settings, registry=registry)
    honest = run_backtest(request("honest_twin"), settings, registry=registry)
    assert cheat["trades"] != honest["trades"]
    # Knowing the next close wins far more often than the honest rule does.
    assert cheat["metrics"]["win_rate"] > honest["metrics"]["win_rate"] + 10
    verdict = check_lookahead(request("peeking"), settings, registry)
    assert not verdict.clean and "look-ahead suspected" in verdict.message
    assert check_lookahead(request("honest_twin"), settings, registry).clean


def test_scripted_entry_next_open_and_real_funding(real_week_dir: Path, registry: Registry) -> None:
    # Signal on the close of the 2025-06-17 06:00 1h bar; held across 08:00 and 16:00.
    signal_ms = int(datetime(2025, 6, 17, 6, tzinfo=UTC).timestamp() * 1000)
    script = json.dumps({str(signal_ms): ["long", 100_000.0, 90_000.0, 200_000.0]})
    settings = make_settings(real_week_dir)
    result = run_backtest(request("scripted", tf="1h", script=script), settings, registry=registry)
    [trade] = result["trades"]
    assert trade["entry_time"] == "2025-06-17T07:00:00Z"
    assert trade["exit_reason"] == "end"
    assert trade["exit_time"] == "2025-06-23T23:00:00Z"
    rates = real_funding("BTCUSDT")
    instants = rates[
        (rates.funding_time >= 1_750_147_200_000) & (rates.funding_time < END.timestamp() * 1000)
    ]
    assert len(instants) == 20  # 08:00 17 Jun … 16:00 23 Jun
    assert result["metrics"]["funding_default_instants"] == 0
    # qty = min(10000 × 1 % / 10000, 10000 × 5 / 100000) = 0.01 → 0.01 (step 0.001)
    assert trade["qty"] == 0.01
    # Each settlement: qty × the open of the first bar at/after it × the recorded rate.
    candles = real_klines("BTCUSDT").set_index("open_time")
    instant_ms = (instants.funding_time // (8 * H)) * (8 * H)
    opens = candles.loc[instant_ms.to_numpy(), "open"].to_numpy()
    expected = float((0.01 * opens * instants.funding_rate.to_numpy()).sum())
    assert trade["funding"] == pytest.approx(expected, rel=1e-12)
    assert result["metrics"]["funding"] == pytest.approx(expected, rel=1e-12)


def test_progress_is_reported_up_to_one(real_week_dir: Path, registry: Registry) -> None:
    seen: list[float] = []
    run_backtest(request(tf="1m"), make_settings(real_week_dir), seen.append, registry=registry)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3


def test_bad_inputs_give_clear_errors(real_week_dir: Path, registry: Registry) -> None:
    settings = make_settings(real_week_dir)
    with pytest.raises(NotFoundError, match="unknown strategy 'nope'"):
        run_backtest(request("nope"), settings, registry=registry)
    with pytest.raises(InputError, match="unknown param bogus"):
        run_backtest(request(bogus=1), settings, registry=registry)
    with pytest.raises(InputError, match="param fast expects int"):
        run_backtest(request(fast="ten"), settings, registry=registry)
    with pytest.raises(InputError, match="below its minimum"):
        run_backtest(request(fast=0), settings, registry=registry)
    with pytest.raises(InputError, match="timeframe"):
        run_backtest(request(tf="7m"), settings, registry=registry)
    with pytest.raises(NoDataError):
        run_backtest(
            RunRequest("ETHUSDT", "sma_cross", "1m", START, END), settings, registry=registry
        )
    with pytest.raises(NoDataError):
        late = datetime(2026, 1, 1, tzinfo=UTC)
        run_backtest(
            RunRequest("BTCUSDT", "sma_cross", "1m", late, late.replace(day=5)),
            settings,
            registry=registry,
        )
    with pytest.raises(InputError, match="must be before"):
        run_backtest(
            RunRequest("BTCUSDT", "sma_cross", "1m", END, START), settings, registry=registry
        )
    with pytest.raises(InputError, match=r"needs 201 bars of warm-up .* only 168 1h bars"):
        run_backtest(request(tf="1h", slow=200), settings, registry=registry)
    with pytest.raises(InputError, match="needs 201 bars of warm-up"):
        run_backtest(
            request(tf="1h", slow=200), settings, mode=EngineMode(False, False), registry=registry
        )
    with pytest.raises(StrategyError, match=r"exploding.*ZeroDivisionError"):
        run_backtest(request("exploding"), settings, registry=registry)


def test_settings_drive_the_economics(real_week_dir: Path, registry: Registry) -> None:
    base = run_backtest(request(), make_settings(real_week_dir), registry=registry)
    costly = run_backtest(
        request(),
        make_settings(real_week_dir, TAKER_FEE_PCT=0.1, SLIPPAGE_PCT=0.05),
        registry=registry,
    )
    assert costly["settings"]["taker_fee_pct"] == 0.1
    assert costly["metrics"]["fees"] > base["metrics"]["fees"]
    assert costly["metrics"]["slippage"] > base["metrics"]["slippage"]
