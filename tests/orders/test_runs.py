"""What a run loads and how it is configured: coverage, risk settings, the CLI arguments.

The real sample week (2025-06-17 → 06-24, BTCUSDT and ETHUSDT 1m) is the store.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.data.coverage import PartialDataError
from scalplab.errors import InputError
from scalplab.orders.risk import BREAKERS
from scalplab.orders.run_args import add_run_arguments, parse_risk, request_from_args
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings


@pytest.fixture
def settings(sample_week_dir: Path) -> Settings:
    return make_settings(sample_week_dir)


def request(start: str, end: str, **options: object) -> RunRequest:
    return RunRequest(
        "BTCUSDT",
        "sma_cross",
        "15m",
        parse_utc(start, "start"),
        parse_utc(end, "end"),
        **options,  # type: ignore[arg-type]
    )


def test_a_range_the_store_covers_in_part_is_refused_naming_what_it_covers(
    settings: Settings,
) -> None:
    with pytest.raises(PartialDataError) as caught:
        prepare_run(request("2025-06-10", "2025-06-19"), settings)
    message = caught.value.message
    assert "stored data covers 2025-06-17T00:00:00Z → 2025-06-19T00:00:00Z" in message
    assert "--allow-partial" in message


def test_allowed_a_partial_run_plays_and_is_labelled_with_the_bars_used(
    settings: Settings,
) -> None:
    result = run_backtest(request("2025-06-10", "2025-06-19", allow_partial=True), settings)
    assert (result["start"], result["end"]) == ("2025-06-17T00:00:00Z", "2025-06-19T00:00:00Z")
    assert (result["requested_start"], result["requested_end"]) == (
        "2025-06-10T00:00:00Z",
        "2025-06-19T00:00:00Z",
    )
    assert result["partial"] is True and result["first_bar"] == "2025-06-17T00:00:00Z"
    metrics = result["metrics"]
    assert isinstance(metrics, dict) and metrics["bars"] == 2 * 96
    whole = run_backtest(request("2025-06-17", "2025-06-19"), settings)
    assert whole["partial"] is False and whole["trades"] == result["trades"]


def test_risk_settings_come_from_the_environment_overridden_per_run(
    sample_week_dir: Path,
) -> None:
    settings = make_settings(sample_week_dir, MIN_RR=2.5, DAILY_LOSS_LIMIT_PCT=4)
    run = prepare_run(
        request("2025-06-17", "2025-06-20", risk={"daily_loss_limit_pct": 1.5}), settings
    )
    assert (run.risk.min_rr, run.risk.daily_loss_limit_pct) == (2.5, 1.5)
    assert run.risk.active_breakers() == list(BREAKERS)
    research = prepare_run(request("2025-06-17", "2025-06-20", breakers=False), settings)
    assert research.risk.active_breakers() == ["min_rr"] and research.risk.min_rr == 2.5
    with pytest.raises(InputError, match="daily_loss_limit_pct"):
        prepare_run(
            request("2025-06-17", "2025-06-20", risk={"daily_loss_limit_pct": -1}), settings
        )
    with pytest.raises(InputError, match="nope"):
        prepare_run(request("2025-06-17", "2025-06-20", risk={"nope": 1}), settings)


def test_a_backtest_records_its_risk_settings(settings: Settings) -> None:
    result = run_backtest(
        request("2025-06-17", "2025-06-24", risk={"min_rr": 2.0, "loss_streak_limit": 1}), settings
    )
    risk = result["risk"]
    assert isinstance(risk, dict)
    assert (risk["min_rr"], risk["loss_streak_limit"]) == (2.0, 1)
    assert risk["breakers_on"] == list(BREAKERS)
    assert result["blocked"]  # a one-loss streak binds on this week


def test_the_cli_arguments_of_a_run() -> None:
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    args = parser.parse_args(
        [
            *("--pair", "ethusdt", "--strategy", "smc", "--tf", "15m"),
            *("--start", "2025-06-17", "--end", "2025-06-20"),
            *("--param", "swing_length=5", "--risk", "min_rr=2", "--risk", "spread_enabled=false"),
            *("--no-breakers", "--allow-partial"),
        ]
    )
    run = request_from_args(args)
    assert run.params == {"swing_length": "5"}
    assert run.risk == {"min_rr": 2, "spread_enabled": False}
    assert run.breakers is False and run.allow_partial is True
    assert parse_risk(["max_open_positions=3", "daily_loss_limit_pct=2.5"]) == {
        "max_open_positions": 3,
        "daily_loss_limit_pct": 2.5,
    }
    for bad in ("min_rr", "=2", "min_rr=lots"):
        with pytest.raises(InputError, match="--risk"):
            parse_risk([bad])
