"""`simulate --feed live`: paper trading on the fake Binance streaming REAL 1m klines.

The fake WebSocket streams a day of recorded BTCUSDT klines (each after its forming
update); the fake REST serves the whole recording (warm-up, backfill). The live run's
trades must equal `backtest` over the candles it played — which it stored — also when
the connection drops and the klines sent meanwhile are lost (fetched back over REST),
and when the stream sends everything twice.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.errors import TemporaryError
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import register
from scalplab.simulation.live_run import LiveRunRequest, run_live_simulation
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings
from tests.simulation.conftest import NON_BINDING_RISK
from tests.simulation.live_fakes import live_fakes

FIRST = 1_750_204_800_000  # 2025-06-18 00:00 UTC
DAY = 1440


def live(candles: int = DAY, timeframe: str = "15m") -> LiveRunRequest:
    return LiveRunRequest("BTCUSDT", "sma_cross", timeframe, candles, {}, {})


def backtest_of(result: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    request = RunRequest(
        pair="BTCUSDT",
        strategy="sma_cross",
        timeframe=result["timeframe"],
        start=parse_utc(result["start"], "start"),
        end=parse_utc(result["end"], "end"),
    )
    return run_backtest(request, make_settings(data_dir, **NON_BINDING_RISK))


def run(tmp_path: Path, env: dict[str, str], warmup: int = 0, **request: Any) -> dict[str, Any]:
    settings = make_settings(
        tmp_path, **NON_BINDING_RISK, **env, LIVE_WARMUP_BARS=warmup, LIVE_CONNECT_TIMEOUT_S=10
    )
    return run_live_simulation(live(**request), settings)


def test_a_live_day_equals_the_backtest_of_the_candles_it_played(tmp_path: Path) -> None:
    with live_fakes(FIRST, DAY + 5) as fakes:
        result = run(tmp_path, fakes.env)
    backtest = backtest_of(result, tmp_path)
    assert result["trades"], "the day must produce trades for the check to mean something"
    assert result["trades"] == backtest["trades"]
    assert result["metrics"] == backtest["metrics"]
    assert result["start"] == "2025-06-18T00:00:00Z"
    assert result["end"] == "2025-06-19T00:00:00Z"
    assert result["feed"] == "live" and result["warmup_bars"] == 0


def test_klines_lost_in_a_dropped_connection_come_back_over_rest(tmp_path: Path) -> None:
    with live_fakes(FIRST, DAY + 5) as fakes:
        clean = run(tmp_path / "clean", fakes.env)
    # 2 messages per minute (forming, closed): 200 messages lost = 100 minutes.
    with live_fakes(FIRST, DAY + 5, drop_after=600, resume_at=800) as fakes:
        dropped = run(tmp_path / "dropped", fakes.env)
        klines_asked = fakes.rest.state.requests_to("klines")
        connections = len(fakes.ws.visits)
    assert connections >= 2
    assert dropped["live"]["reconnects"] >= 1
    assert dropped["live"]["backfilled"] == 100 and dropped["live"]["unfilled"] == 0
    assert klines_asked, "the missed klines were fetched over REST"
    assert dropped["trades"] == clean["trades"]
    assert dropped["trades"] == backtest_of(dropped, tmp_path / "dropped")["trades"]


def test_every_kline_sent_twice_is_applied_once(tmp_path: Path) -> None:
    with live_fakes(FIRST, 300, repeat=2) as fakes:
        once = run(tmp_path / "once", fakes.env, candles=300, timeframe="5m")
    assert once["trades"] == backtest_of(once, tmp_path / "once")["trades"]
    assert once["end"] == "2025-06-18T05:00:00Z"


def test_warm_up_is_history_and_never_traded(tmp_path: Path) -> None:
    with live_fakes(FIRST + 7 * 60_000, 120) as fakes:
        result = run(tmp_path, fakes.env, warmup=50, candles=120, timeframe="5m")
    assert result["warmup_bars"] == 50
    # The first traded bar is the 5m bucket of the first live minute (00:05), completed
    # with its warm-up minute 00:05–00:06; the run ends with its 120th live minute.
    assert result["first_bar"] == "2025-06-18T00:05:00Z"
    assert result["end"] == "2025-06-18T02:07:00Z"
    for trade in result["trades"]:
        assert trade["entry_time"] > "2025-06-18T00:05:00Z"


def test_an_unreachable_binance_is_one_clear_error(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, REST_URL="http://127.0.0.1:9", WS_URL="ws://127.0.0.1:9",
        LIVE_CONNECT_TIMEOUT_S=2,
    )  # fmt: skip
    with pytest.raises(TemporaryError, match="unreachable"):
        run_live_simulation(live(10), settings)


def test_the_command_prints_the_backtest_json_shape(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_settings_cache: None,
) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    with live_fakes(FIRST, 200) as fakes:
        for key, value in {**fakes.env, **NON_BINDING_RISK, "LIVE_WARMUP_BARS": 0}.items():
            monkeypatch.setenv(key, str(value))
        monkeypatch.setenv("DATA_DIR", str(tmp_path))
        args = parser.parse_args(
            [
                "simulate",
                "--feed",
                "live",
                "--pair",
                "BTCUSDT",
                "--strategy",
                "sma_cross",
                "--tf",
                "5m",
                "--candles",
                "200",
                "--json",
            ]
        )
        assert args.handler(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"id", "metrics", "rejected", "trades"} <= set(printed)
    assert printed["trades"] == backtest_of(printed, tmp_path)["trades"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("--candles 0", "--candles must be between 1"),
        ("", "needs --candles"),
        ("--candles 5 --start 2025-01-01", "are for --feed replay"),
    ],
)
def test_bad_live_arguments_are_refused(argv: str, message: str) -> None:
    from scalplab.errors import InputError
    from scalplab.simulation.cli import live_request

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(
        f"simulate --feed live --pair BTCUSDT --strategy sma_cross --tf 5m {argv}".split()
    )
    with pytest.raises(InputError, match=message):
        live_request(args)
