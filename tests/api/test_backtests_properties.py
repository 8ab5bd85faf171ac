"""A backtest's properties through the API: the environment's values and bounds in
`GET /settings`, `properties` in `POST /backtests` (only the given fields override, a bad
one is a 422 naming it), the result's `settings`, and old results read as `recorded`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.config import Settings
from tests.api.conftest import wait_for_backtest

RUN = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-20",
    "risk": {"min_rr": 1.0},
    "breakers": False,
}


def test_settings_show_the_environments_properties(client: TestClient) -> None:
    properties = client.get("/settings/properties").json()
    fields = {field["name"]: field for field in properties["fields"]}
    assert list(fields) == [
        "initial_capital",
        "risk_per_trade_pct",
        "max_leverage",
        "maker_fee_pct",
        "taker_fee_pct",
        "slippage_pct",
        "funding_rate",
    ]
    assert fields["initial_capital"] == {
        "name": "initial_capital",
        "default": 10_000.0,
        "min": 0.0,
        "min_exclusive": True,
        "max": 1e12,
        "max_exclusive": False,
    }
    assert fields["funding_rate"]["default"] == 0.0001
    assert properties["funding_models"] == ["recorded", "fixed", "none"]
    assert properties["funding_model"] == "recorded"


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"initial_capital": 0}, "initial_capital"),
        ({"max_leverage": 200}, "max_leverage"),
        ({"slippage_pct": "0.1"}, "slippage_pct"),
        ({"funding_model": "daily"}, "funding_model"),
        ({"funding_model": "none", "funding_rate": 0.001}, "funding_rate"),
        ({"leverage": 3}, "leverage"),
    ],
)
def test_a_bad_property_is_a_422_naming_it(
    client: TestClient, properties: dict[str, Any], field: str
) -> None:
    response = client.post("/backtests", json={**RUN, "properties": properties})
    assert response.status_code == 422, response.text
    assert f"properties.{field}" in response.json()["detail"]
    assert client.get("/backtests").json() == []


def test_given_properties_override_and_are_recorded(client: TestClient) -> None:
    body = {**RUN, "properties": {"initial_capital": 5000, "funding_model": "none"}}
    response = client.post("/backtests", json=body)
    assert response.status_code == 202, response.text
    result = wait_for_backtest(client, response.json()["id"])["result"]
    settings = result["settings"]
    assert (settings["initial_capital"], settings["funding_model"]) == (5000.0, "none")
    assert settings["taker_fee_pct"] == 0.05  # not given: the environment's
    assert result["metrics"]["funding"] == 0 and result["trades"]
    assert result["metrics"]["final_equity"] == pytest.approx(5000 + result["metrics"]["net_pnl"])


def test_a_result_stored_before_funding_models_reads_as_recorded(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/backtests", json=RUN)
    backtest_id = response.json()["id"]
    wait_for_backtest(client, backtest_id)
    [path] = Path(settings.data_dir, "backtests").glob(f"*/*_{backtest_id}.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    del stored["settings"]["funding_model"]
    path.write_text(json.dumps(stored), encoding="utf-8")
    result = client.get(f"/backtests/{backtest_id}").json()["result"]
    assert result["settings"]["funding_model"] == "recorded"
