"""`scalplab simulate`: a replay through the engine equals the backtest (real sample)."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.cli import main
from scalplab.config import get_settings
from scalplab.errors import InputError
from scalplab.limits import REPLAY_SPEED_RULE
from scalplab.orders.risk import BREAKERS
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import parse_speed, register, run_simulation
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings
from tests.simulation.conftest import NON_BINDING_RISK, WEEK_END, WEEK_START


def request(strategy: str) -> RunRequest:
    return RunRequest(
        pair="BTCUSDT",
        strategy=strategy,
        timeframe="15m",
        start=parse_utc(WEEK_START, "start"),
        end=parse_utc(WEEK_END, "end"),
    )


def assert_same_run(simulated: dict[str, object], backtest: dict[str, object]) -> None:
    for key in ("trades", "metrics", "rejected", "blocked", "equity", "signals", "risk"):
        assert simulated[key] == backtest[key], key
    assert simulated["mode"] == "simulation"


@pytest.mark.parametrize("strategy", ["sma_cross", "smc"])
def test_replay_equals_backtest_with_default_settings(data_dir: Path, strategy: str) -> None:
    settings = make_settings(data_dir)  # the environment's defaults: every breaker on
    backtest = run_backtest(request(strategy), settings)
    simulated = run_simulation(request(strategy), settings, speed=None)
    assert backtest["trades"], "the sample must produce trades for the check to mean something"
    assert_same_run(simulated, backtest)
    assert backtest["risk"]["breakers_on"] == list(BREAKERS)  # type: ignore[index]


def test_breakers_bind_identically_in_both_modes(data_dir: Path) -> None:
    settings = make_settings(data_dir, **{**NON_BINDING_RISK, "LOSS_STREAK_LIMIT": 1})
    backtest = run_backtest(request("sma_cross"), settings)
    simulated = run_simulation(request("sma_cross"), settings, speed=None)
    assert simulated["blocked"] == backtest["blocked"] and backtest["blocked"]
    assert_same_run(simulated, backtest)
    blocked = [s for s in simulated["signals"] if s["status"] == "blocked"]  # type: ignore[attr-defined]
    assert blocked and all(s["breaker"] == "loss_streak" for s in blocked)
    metrics = simulated["metrics"]
    assert isinstance(metrics, dict) and metrics["signals_blocked"] == len(blocked)


def test_the_research_switch_turns_every_breaker_off_in_both_modes(data_dir: Path) -> None:
    settings = make_settings(data_dir, **{**NON_BINDING_RISK, "LOSS_STREAK_LIMIT": 1})
    run = replace(request("sma_cross"), breakers=False)
    backtest = run_backtest(run, settings)
    simulated = run_simulation(run, settings, speed=None)
    assert backtest["blocked"] == {} and backtest["risk"]["breakers_on"] == ["min_rr"]  # type: ignore[index]
    assert_same_run(simulated, backtest)


def test_the_command_prints_the_backtest_json_shape(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_settings_cache: None,
) -> None:
    monkeypatch.chdir(data_dir.parent)
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    for key, value in NON_BINDING_RISK.items():
        monkeypatch.setenv(key, str(value))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(
        [
            "simulate",
            "--feed",
            "replay",
            "--pair",
            "BTCUSDT",
            "--strategy",
            "sma_cross",
            "--tf",
            "15m",
            "--start",
            WEEK_START,
            "--end",
            WEEK_END,
            "--speed",
            "max",
            "--json",
        ]
    )
    assert args.handler(args) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = run_backtest(request("sma_cross"), make_settings(data_dir, **NON_BINDING_RISK))
    assert printed["trades"] == expected["trades"]
    assert {"id", "metrics", "rejected", "trades"} <= set(printed)
    assert not (data_dir / "app.db").exists()  # the engine's database is throw-away


def test_speed_parsing() -> None:
    assert parse_speed("max") is None
    assert parse_speed("60") == 60.0
    assert parse_speed("0.1") == 0.1 and parse_speed("1e6") == 1_000_000
    for bad in ("0", "-1", "fast"):
        with pytest.raises(InputError, match="--speed"):
            parse_speed(bad)
    for bad in ("5e-324", "0.05", "1000001", "nan", "inf", "-0"):
        with pytest.raises(InputError, match="^" + re.escape(f"--speed {REPLAY_SPEED_RULE}, not ")):
            parse_speed(bad)


def test_a_speed_out_of_bounds_is_one_line_and_a_non_zero_exit(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        code = main(
            ["simulate", "--pair", "BTCUSDT", "--strategy", "sma_cross", "--tf", "15m",
             "--start", WEEK_START, "--end", WEEK_END, "--speed", "5e-324"]
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err == f"error: --speed {REPLAY_SPEED_RULE}, not 5e-324\n"
