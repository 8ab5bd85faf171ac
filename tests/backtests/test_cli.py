"""`scalplab backtest` and `scalplab results` end to end on the bundled real sample."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.cli import main
from scalplab.config import get_settings
from tests.conftest import corrupt_candle_file

ARGS = [
    "backtest",
    "--pair",
    "BTCUSDT",
    "--strategy",
    "sma_cross",
    "--tf",
    "15m",
    "--start",
    "2025-06-17",
    "--end",
    "2025-06-24",
]


@pytest.fixture
def data_dir(
    real_week_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    target = tmp_path / "data"
    shutil.copytree(real_week_dir, target)
    monkeypatch.setenv("DATA_DIR", str(target))
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()


def test_backtest_json_is_stored_and_listed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, "--json", "--param", "fast=8", "--param", "max_hold_bars=40"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["params"]["fast"] == 8 and result["params"]["max_hold_bars"] == 40
    assert set(result) >= {"id", "metrics", "gates", "rejected", "trades"}
    gates = {gate["name"]: gate for gate in result["gates"]}
    assert gates["sample_size"]["value"] == result["metrics"]["trades"]  # no ladder
    assert gates["win_rate"]["threshold"] == 55.0 and gates["win_rate"]["op"] == ">"
    [stored] = (data_dir / "backtests").glob("*/BTCUSDT_sma_cross_15m_*.json")
    assert stored.name.endswith(f"_{result['id']}.json")
    assert json.loads(stored.read_text())["result_hash"] == result["result_hash"]

    assert main(["results", "list", "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert summary["id"] == result["id"] and summary["status"] == "done"
    assert main(["results", "show", result["id"]]) == 0
    assert json.loads(capsys.readouterr().out)["trades"] == result["trades"]
    assert main(["results", "delete", result["id"]]) == 0
    assert not stored.exists()
    assert main(["results", "list"]) == 0
    assert "no stored results" in capsys.readouterr().out


def test_backtest_text_summary_and_delete_all(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, "--check-lookahead"]) == 0
    out = capsys.readouterr().out
    assert "trades" in out and "stored at" in out and "rejected:" in out
    assert "  gates (seed 002 §12.3) " in out and "/7 passed: " in out and "avg R" in out
    assert main([*ARGS]) == 0
    capsys.readouterr()
    assert main(["results", "list"]) == 0
    assert capsys.readouterr().out.count("sma_cross") == 2
    assert main(["results", "delete", "--all"]) == 0
    assert "deleted 2 results" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "fast"], "--param 'fast' must look like NAME=VALUE"),
        (["--param", "nope=1"], "unknown param nope"),
        (["--param", "fast=abc"], "param fast expects int"),
    ],
)
def test_bad_params_exit_2_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([*ARGS, *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and message in err
    assert not (data_dir / "backtests").exists()


def test_unknown_pair_strategy_dates_and_ids(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swap = dict(zip(ARGS[1::2], ARGS[2::2], strict=True))

    def run(**changes: str) -> int:
        args = {**swap, **changes}
        return main(["backtest", *[x for kv in args.items() for x in kv]])

    assert run(**{"--strategy": "nope"}) == 2
    assert "unknown strategy 'nope'" in capsys.readouterr().err
    assert run(**{"--pair": "DOGEUSDT"}) == 3
    assert "DOGEUSDT" in capsys.readouterr().err
    assert run(**{"--start": "2024-01-01", "--end": "2024-01-05"}) == 3
    assert "no" in capsys.readouterr().err
    assert run(**{"--start": "yesterday"}) == 2
    assert "not an ISO-8601" in capsys.readouterr().err
    assert main(["results", "show", "missing-id"]) == 2
    assert "missing-id" in capsys.readouterr().err
    assert main(["results", "delete"]) == 2
    assert "either a result id or --all" in capsys.readouterr().err


def test_strategies_listing(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugins = data_dir / "strategies"
    plugins.mkdir()
    (plugins / "broken.py").write_text("raise RuntimeError('boom')\n")
    assert main(["strategies", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    names = [s["name"] for s in payload["strategies"]]
    assert {"sma_cross", "smc"} <= set(names)
    assert "broken.py" in captured.err and "boom" in payload["errors"][0]
    assert main(["strategies"]) == 0
    assert "fast: int = 10 [1..500]" in capsys.readouterr().out


def test_strategy_that_raises_is_a_one_line_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = data_dir / "strategies"
    plugins.mkdir()
    (plugins / "bad.py").write_text(
        "from scalplab.strategies.base import SignalStrategy\n"
        "class Bad(SignalStrategy):\n"
        "    name = 'bad'\n"
        "    def generate_signal(self):\n"
        "        return {}['missing']\n"
    )
    assert main([*ARGS[:4], "bad", *ARGS[5:]]) == 4
    err = capsys.readouterr().err
    assert err.startswith("error: strategy 'bad' raised KeyError") and err.count("\n") == 1


def test_truncated_parquet_is_a_one_line_error_and_stays_as_it_was(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_dir / "candles" / "binance" / "BTCUSDT" / "1m.parquet"
    damaged = path.read_bytes()[:400]
    path.write_bytes(damaged)
    assert main(ARGS) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: unreadable BTCUSDT 1m candle file: ") and err.count("\n") == 1
    assert str(data_dir) not in err  # the server's paths stay private
    assert path.read_bytes() == damaged  # nothing rewritten or deleted
    assert not (data_dir / "backtests").exists()


def test_a_corrupted_candle_file_is_refused_not_backtested(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4,000 overwritten bytes that still decode: a one-line refusal, never 0 trades."""
    summary = corrupt_candle_file(data_dir)
    assert main([*ARGS, "--json"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: BTCUSDT 1m: {summary}; run `scalplab data check --symbol BTCUSDT --tf 1m`\n"
    )
    assert not (data_dir / "backtests").exists()  # nothing stored


def test_run_properties_flags_change_the_run_and_bad_values_are_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--capital", "20000", "--taker-fee-pct", "0", "--maker-fee-pct", "0"]
    assert main([*ARGS, "--json", *flags, "--funding", "fixed", "--funding-rate", "0.0002"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["initial_capital"] == 20000.0 and settings["taker_fee_pct"] == 0.0
    assert (settings["funding_model"], settings["default_funding_rate"]) == ("fixed", 0.0002)
    for bad, message in [
        (["--leverage", "0.5"], "error: --leverage must be at least 1 and at most 125, not 0.5"),
        (["--risk-pct", "1.5.2"], "error: --risk-pct must be a number, not '1.5.2'"),
        (["--funding", "daily"], "error: --funding must be one of recorded, fixed, none"),
        (["--funding", "none", "--funding-rate", "0.001"], "error: --funding-rate is for"),
    ]:
        assert main([*ARGS, *bad]) != 0
        err = capsys.readouterr().err.strip()
        assert err.startswith(message) and "\n" not in err
