"""`/backtests` and `/strategies` with a plugin that declares market data (REAL sample).

The bundled sample has candles and funding but no recorded market data: a backtest of a
plugin declaring aggregate trades and funding is refused up front (422, one line,
nothing queued) unless the request says `degraded: true`; then the run's result lists
what was substituted or missing, and its row in the list carries the same lines.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.schemas.backtests import BacktestResultPublic, BacktestSummaryPublic
from scalplab.data.samples import import_samples
from tests.api.conftest import api_client, wait_for_backtest
from tests.conftest import make_settings

FLOW_PLUGIN = '''
from scalplab.strategies.base import SignalStrategy


class Flow(SignalStrategy):
    """Declares taker flow and funding; never signals."""

    name = "flow"
    market_data = ("aggTrades", "funding")
'''
RUN = {"pair": "BTCUSDT", "strategy": "flow", "timeframe": "1h", "start": "2025-06-17",
       "end": "2025-06-19"}  # fmt: skip
DEGRADED = [
    "aggTrades for 2025-06-17 to 2025-06-18: missing (the candles have no taker-buy volume "
    "either): None",
    "funding for 2025-06-17 to 2025-06-18: the last settled rate from the funding store (no "
    "next funding time)",
]
DAYS = {"days": "2025-06-17 to 2025-06-18", "first": "2025-06-17", "last": "2025-06-18",
        "count": 2}  # fmt: skip
DEGRADED_CODES = [
    {"code": "kline_flow_missing", "params": {"data": "aggTrades", **DAYS}},
    {"code": "funding_last_rate", "params": {"data": "funding", **DAYS}},
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("market") / "data"
    import_samples(data_dir)
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "flow.py").write_text(FLOW_PLUGIN, encoding="utf-8")
    app = create_app(make_settings(data_dir), web_dist=tmp_path_factory.mktemp("no-dist"))
    with api_client(app) as test_client:
        yield test_client


def test_the_strategy_lists_its_market_data(client: TestClient) -> None:
    assert client.get("/strategies/flow").json()["market_data"] == ["aggTrades", "funding"]
    sma = client.get("/strategies/sma_cross").json()
    assert sma["market_data"] == []


def test_missing_market_data_is_refused_up_front_and_nothing_is_queued(
    client: TestClient,
) -> None:
    response = client.post("/backtests", json=RUN)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "strategy flow needs aggTrades for BTCUSDT from 2025-06-17 to 2025-06-19; the store has "
        "none at all (record it with `scalplab record --streams aggTrade` or import an archive "
        "with `scalplab data import --kind aggTrades`, or run with --degraded, API: degraded: "
        "true); also missing: funding"
    )
    assert [s for s in client.get("/backtests").json() if s["strategy"] == "flow"] == []


def test_a_degraded_run_records_what_was_substituted(client: TestClient) -> None:
    response = client.post("/backtests", json={**RUN, "degraded": True})
    assert response.status_code == 202, response.json()
    body = wait_for_backtest(client, response.json()["id"])
    assert body["status"] == "done", body["error"]
    result = BacktestResultPublic.model_validate(body["result"])
    assert result.market_data == ["aggTrades", "funding"]
    assert result.degraded == DEGRADED
    assert body["result"]["degraded_codes"] == DEGRADED_CODES  # one per line, in order
    gates = {gate["name"]: (gate["code"], gate["params"]) for gate in body["result"]["gates"]}
    assert gates["win_rate"] == ("no_position", {})  # the run never signals
    assert gates["paper_trade_days"] == ("paper_unchecked", {"weeks": 2})


def test_the_list_row_of_a_degraded_run_lists_what_was_substituted(client: TestClient) -> None:
    degraded = client.post("/backtests", json={**RUN, "degraded": True})
    normal = client.post("/backtests", json={**RUN, "strategy": "sma_cross"})
    assert degraded.status_code == 202 and normal.status_code == 202, normal.json()
    ids = {"degraded": degraded.json()["id"], "normal": normal.json()["id"]}
    for backtest_id in ids.values():
        assert wait_for_backtest(client, backtest_id)["status"] == "done"
    listed = {row["id"]: row for row in client.get("/backtests").json()}
    assert listed[ids["degraded"]]["degraded"] == DEGRADED
    assert listed[ids["degraded"]]["degraded_codes"] == DEGRADED_CODES
    assert listed[ids["normal"]]["degraded"] == []
    assert listed[ids["normal"]]["degraded_codes"] == []
    for row in listed.values():
        BacktestSummaryPublic.model_validate(row)
    unrecorded = {**listed[ids["normal"]], "degraded": None}  # a row indexed before 0006
    assert BacktestSummaryPublic.model_validate(unrecorded).degraded == []
