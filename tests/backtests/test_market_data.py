"""A plugin that declares market data, through real backtests on a REAL recorded store.

The store: the 2023-04-04/05 BTCUSDT capture written with the recorder's row mapping
and `MarketStore.write` (aggregate trades, book tops, mark prices, partial books) and
1m candles made from its trades (`tests.data.features.recorded`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scalplab.backtests.runner import EngineMode, run_backtest
from scalplab.cli import main
from scalplab.config import get_settings
from scalplab.data.features import FeatureRequest, load_features
from scalplab.orders.runs import RunRequest
from scalplab.strategies.registry import Registry
from scalplab.timeutil import from_ms
from tests.backtests import market_plugins
from tests.backtests.market_plugins import MarketProbe
from tests.conftest import make_settings
from tests.data.conftest import tree_digest
from tests.data.features.recorded import FIRST_MINUTE, SYMBOL, trade_frame, write_store

END = FIRST_MINUTE + 9 * 60_000  # 2023-04-05T00:07:00Z


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("recorded_market")
    write_store(data_dir)
    return data_dir


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    registry.add_module(market_plugins, "tests/backtests/market_plugins.py")
    return registry


def request(**changes: object) -> RunRequest:
    base = RunRequest(SYMBOL, "market_probe", "1m", from_ms(FIRST_MINUTE), from_ms(END))
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [EngineMode(), EngineMode(runonce=False, preload=False)])
def test_the_plugin_reads_the_stored_features_of_each_closed_bar(
    store_dir: Path, registry: Registry, mode: EngineMode
) -> None:
    MarketProbe.seen.clear()
    result = run_backtest(request(), make_settings(store_dir), mode=mode, registry=registry)
    assert result["market_data"] == list(MarketProbe.market_data)
    assert result["degraded"] == []
    opens = np.arange(FIRST_MINUTE, END, 60_000)
    assert sorted(MarketProbe.seen) == opens.tolist()
    wanted = FeatureRequest("market_probe", SYMBOL, "1m", MarketProbe.market_data,
                            FIRST_MINUTE, END)  # fmt: skip
    table = load_features(store_dir, wanted, opens)
    for open_ms, seen in MarketProbe.seen.items():
        assert seen == table.at(open_ms)
        assert seen.bid is not None and seen.depth_imbalance is not None
        assert seen.mark_price is not None and seen.funding_rate is not None
        assert seen.open_interest is None  # not declared
    # the first bar (23:58:20 → 23:59:00) by hand, from the recorded trades
    trades = trade_frame()
    first = trades[trades["transact_time"] < FIRST_MINUTE + 60_000]
    seen = MarketProbe.seen[FIRST_MINUTE]
    assert seen.taker_buy_count == int((~first["is_buyer_maker"]).sum()) == 196
    assert seen.taker_sell_count == int(first["is_buyer_maker"].sum()) == 189
    assert seen.largest_trade_qty == float(
        first["quantity"].iloc[int((first["price"] * first["quantity"]).argmax())]
    )
    # signals on sell sweeps went through the order pipeline (gate, sizing) like any other
    assert result["metrics"]["signals_generated"] == sum(  # type: ignore[index]
        1 for s in MarketProbe.seen.values() if s.sell_sweeps
    )


def test_sweep_params_of_the_plugin_tune_the_features(store_dir: Path, registry: Registry) -> None:
    MarketProbe.seen.clear()
    run_backtest(request(params={"sweep_k": 1000.0}), make_settings(store_dir), registry=registry)
    strict = {k: v.sell_sweeps for k, v in MarketProbe.seen.items()}
    MarketProbe.seen.clear()
    run_backtest(request(), make_settings(store_dir), registry=registry)
    loose = {k: v.sell_sweeps for k, v in MarketProbe.seen.items()}
    assert all(strict[k] is not None and strict[k] <= (loose[k] or 0) for k in loose)
    assert sum(v or 0 for v in strict.values()) < sum(v or 0 for v in loose.values())


@pytest.fixture
def cli_dir(store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(store_dir, data_dir)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(Path(market_plugins.__file__), plugins / "market_probe.py")
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("STRATEGIES_DIR", str(plugins))
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


ARGS = ["backtest", "--pair", SYMBOL, "--strategy", "market_probe", "--tf", "1m", "--json"]


def test_a_range_the_store_lacks_is_refused_in_one_line_and_nothing_is_stored(
    cli_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_dir / "market" / "binance" / SYMBOL / "aggTrade" / "2023-04-05.parquet").unlink()
    before = tree_digest(cli_dir)
    code = main([*ARGS, "--start", "2023-04-04T23:58:00", "--end", "2023-04-05T00:07:00"])
    assert code == 3
    assert capsys.readouterr().err == (
        "error: strategy market_probe needs aggTrades for BTCUSDT from 2023-04-04T23:58:00Z to "
        "2023-04-05T00:07:00Z; the store has none for 2023-04-05 (record it with `scalplab "
        "record --streams aggTrade` or import an archive with `scalplab data import --kind "
        "aggTrades`, or run with --degraded, API: degraded: true)\n"
    )
    assert tree_digest(cli_dir) == before
    assert not (cli_dir / "backtests").exists()


def test_a_degraded_run_is_recorded_in_the_json_and_the_stored_result(
    cli_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for stream in ("depth20", "markPrice"):
        shutil.rmtree(cli_dir / "market" / "binance" / SYMBOL / stream)
    start, end = "2023-04-04T23:58:00", "2023-04-05T00:07:00"
    assert main([*ARGS, "--start", start, "--end", end]) == 3
    assert "needs depth20 for BTCUSDT" in capsys.readouterr().err
    assert main([*ARGS, "--start", start, "--end", end, "--degraded"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["degraded"] == [
        "depth20 for 2023-04-04 to 2023-04-05: missing: None",
        "funding for 2023-04-04 to 2023-04-05: missing (no funding rates stored either): None",
        "markPrice for 2023-04-04 to 2023-04-05: missing: None",
    ]
    [stored] = (cli_dir / "backtests").glob("*/BTCUSDT_market_probe_1m_*.json")
    assert json.loads(stored.read_text())["degraded"] == result["degraded"]
    assert main(["backtest", *ARGS[1:-1], "--start", start, "--end", end, "--degraded"]) == 0
    assert "  DEGRADED: depth20 for 2023-04-04 to 2023-04-05: missing: None" in (
        capsys.readouterr().out.splitlines()
    )
