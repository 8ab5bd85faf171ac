"""A run's properties: each one changes the numbers as the execution semantics say, in
backtests, replays through paper trading and sweep trials (the fast path included).

The real sample week (BTCUSDT 1m with its recorded funding) is the store; sma_cross on
15m with min_rr 1 and the breakers off trades often enough to see every effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.backtests.sweeps.records import TrialTask, Window
from scalplab.backtests.sweeps.trials import TrialRunner
from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.properties import RunProperties, properties_schema
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.timeutil import parse_utc, to_ms
from tests.conftest import make_settings

START, END = "2025-06-17", "2025-06-20"


@pytest.fixture(scope="module")
def settings(sample_week_dir: Path) -> Settings:
    return make_settings(sample_week_dir)


def request(**properties: Any) -> RunRequest:
    return RunRequest(
        "BTCUSDT",
        "sma_cross",
        "15m",
        parse_utc(START, "start"),
        parse_utc(END, "end"),
        risk={"min_rr": 1.0},
        breakers=False,
        properties=RunProperties(**properties),
    )


@pytest.fixture(scope="module")
def baseline(settings: Settings) -> dict[str, Any]:
    return run_backtest(request(), settings)


def trades(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = result["trades"]
    assert found, "the sample run must trade"
    return list(found)


def test_no_properties_is_the_environment_recorded_in_the_settings(
    settings: Settings, baseline: dict[str, Any]
) -> None:
    assert request().properties.applied(settings) is settings
    recorded = baseline["settings"]
    assert recorded["funding_model"] == "recorded"
    assert recorded["initial_capital"] == settings.initial_capital
    assert recorded["max_leverage"] == settings.max_leverage


def test_capital_scales_quantities_and_every_value_used_is_recorded(
    settings: Settings, baseline: dict[str, Any]
) -> None:
    doubled = run_backtest(request(initial_capital=20_000.0, funding_model="fixed"), settings)
    first, again = trades(baseline)[0], trades(doubled)[0]
    assert again["entry_time"] == first["entry_time"]
    assert again["qty"] == pytest.approx(2 * first["qty"], abs=0.002)  # step 0.001
    assert doubled["metrics"]["final_equity"] != baseline["metrics"]["final_equity"]
    assert doubled["settings"]["initial_capital"] == 20_000.0
    assert doubled["settings"]["funding_model"] == "fixed"


def test_risk_pct_and_leverage_bound_the_size(settings: Settings, baseline: dict[str, Any]) -> None:
    half = run_backtest(request(risk_per_trade_pct=0.5), settings)
    assert trades(half)[0]["qty"] == pytest.approx(trades(baseline)[0]["qty"] / 2, abs=0.002)
    capped = run_backtest(request(risk_per_trade_pct=100.0, max_leverage=1.0), settings)
    entry = trades(capped)[0]
    assert entry["qty"] * entry["entry_price"] <= settings.initial_capital * 1.0 + 1e-6
    assert capped["settings"]["max_leverage"] == 1.0


def test_zero_fees_and_slippage_cost_nothing(settings: Settings, baseline: dict[str, Any]) -> None:
    assert baseline["metrics"]["fees"] > 0 and baseline["metrics"]["slippage"] > 0
    free = run_backtest(request(maker_fee_pct=0.0, taker_fee_pct=0.0, slippage_pct=0.0), settings)
    assert free["metrics"]["fees"] == 0 and free["metrics"]["slippage"] == 0
    assert all(trade["fees"] == 0 for trade in trades(free))
    assert (free["settings"]["taker_fee_pct"], free["settings"]["slippage_pct"]) == (0.0, 0.0)


def test_funding_none_pays_nothing_and_fixed_pays_its_rate(
    settings: Settings, baseline: dict[str, Any]
) -> None:
    assert baseline["metrics"]["funding"] != 0
    none = run_backtest(request(funding_model="none"), settings)
    assert none["metrics"]["funding"] == 0 and all(t["funding"] == 0 for t in trades(none))
    low = trades(run_backtest(request(funding_model="fixed", funding_rate=0.0001), settings))
    high = trades(run_backtest(request(funding_model="fixed", funding_rate=0.001), settings))
    # Trades before the first one that pays funding are the same under both rates, so
    # that one has the same size and pays ten times as much.
    index = next(i for i, trade in enumerate(low) if trade["funding"] != 0)
    assert high[index]["qty"] == low[index]["qty"]
    assert high[index]["funding"] == pytest.approx(10 * low[index]["funding"])


def test_a_replay_through_paper_equals_the_backtest_with_properties(settings: Settings) -> None:
    changed = request(initial_capital=5_000.0, taker_fee_pct=0.04, funding_model="none")
    backtest = run_backtest(changed, settings)
    replay = run_simulation(changed, settings, speed=None)
    for key in ("metrics", "trades", "equity", "settings"):
        assert replay[key] == backtest[key], key


def test_sweep_trials_and_the_fast_path_honour_the_properties(settings: Settings) -> None:
    changed = request(initial_capital=7_000.0, slippage_pct=0.0, funding_model="fixed")
    backtest = run_backtest(changed, settings)
    window = Window(0, to_ms(changed.start), to_ms(changed.end))
    runner = TrialRunner(changed, settings)
    fast = runner.run(TrialTask("screen", window, 0, {}, fast_path=True))
    full = runner.run(TrialTask("screen", window, 0, {}, fast_path=False))
    assert (fast.path, full.path) == ("fast", "backtrader")
    for outcome in (fast, full):
        assert outcome.score is not None
        assert outcome.score.net_pnl == pytest.approx(backtest["metrics"]["net_pnl"])
        assert outcome.score.funding == pytest.approx(backtest["metrics"]["funding"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"initial_capital": 0.0}, "initial_capital must be greater than 0"),
        ({"max_leverage": 126.0}, "max_leverage must be at least 1 and at most 125, not 126"),
        ({"taker_fee_pct": -0.1}, "taker_fee_pct must be at least 0"),
        ({"funding_model": "sometimes"}, "funding_model must be one of recorded, fixed, none"),
        ({"funding_model": "none", "funding_rate": 0.001}, "funding_rate is for the fixed"),
        ({"leverage": 3.0}, "unknown run property 'leverage'"),
    ],
)
def test_bad_properties_are_refused_in_one_line(values: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        RunProperties.of(values)
    assert "\n" not in caught.value.message


def test_the_schema_gives_the_environments_values_and_bounds(sample_week_dir: Path) -> None:
    schema = properties_schema(make_settings(sample_week_dir, MAX_LEVERAGE=3, FUNDING_MODEL="none"))
    fields = {field.name: field for field in schema.fields}
    assert fields["max_leverage"].default == 3.0
    assert (fields["max_leverage"].min, fields["max_leverage"].max) == (1.0, 125.0)
    assert fields["initial_capital"].min_exclusive is True
    assert schema.funding_model == "none" and schema.funding_models == ("recorded", "fixed", "none")
    assert RunProperties.of({"funding_model": "fixed"}).to_dict() == {"funding_model": "fixed"}
