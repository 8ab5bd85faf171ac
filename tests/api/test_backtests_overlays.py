"""`GET /backtests/{id}/overlays` on the bundled REAL sample: a stored run's strategy
overlays over its candles, with its stored params (the `client` fixture's app)."""

from __future__ import annotations

import math
from typing import Any

from fastapi.testclient import TestClient

from scalplab.strategies.overlays import ZONE_KINDS
from tests.api.conftest import wait_for_backtest

RANGE = {"pair": "BTCUSDT", "timeframe": "15m", "start": "2025-06-17", "end": "2025-06-20"}


def overlays_of(client: TestClient, strategy: str, params: dict[str, Any]) -> Any:
    created = client.post("/backtests", json={**RANGE, "strategy": strategy, "params": params})
    assert created.status_code == 202, created.text
    backtest_id = created.json()["id"]
    assert wait_for_backtest(client, backtest_id)["status"] == "done"
    response = client.get(f"/backtests/{backtest_id}/overlays")
    assert response.status_code == 200, response.text
    return response.json()


def test_sma_cross_overlays_are_its_two_smas_over_the_run(client: TestClient) -> None:
    body = overlays_of(client, "sma_cross", {"fast": 5, "slow": 12})
    candles = client.get(
        "/market/candles/BTCUSDT",
        params={"tf": "15m", "start": RANGE["start"], "end": RANGE["end"]},
    ).json()
    times = [c["time"] for c in candles]
    closes = [c["close"] for c in candles]
    assert len(times) == 3 * 96
    assert body["zones"] == []
    fast, slow = body["lines"]
    assert (fast["code"], slow["code"]) == ("sma_fast", "sma_slow")
    for line, period in ((fast, 5), (slow, 12)):
        assert line["time"] == times[period - 1 :]  # epoch seconds, like the candles
        assert line["value"][0] == math.fsum(closes[:period]) / period
        assert line["value"][-1] == math.fsum(closes[-period:]) / period


def test_smc_overlays_are_zones_within_the_run(client: TestClient) -> None:
    body = overlays_of(client, "smc", {"swing_length": 3, "min_displacement": 0.5})
    zones = body["zones"]
    assert body["lines"] == []
    assert {z["kind"] for z in zones} <= set(ZONE_KINDS)
    assert {"fvg_bull", "fvg_bear"} <= {z["kind"] for z in zones}
    start, end = 1_750_118_400, 1_750_118_400 + 3 * 86_400
    for zone in zones:
        assert start <= zone["start"] <= zone["end"] < end
        assert zone["low"] <= zone["high"]


def test_a_plugin_without_overlays_gives_empty_lists(client: TestClient) -> None:
    # trend_filter (an SMA cross with extra feeds) declares none
    assert overlays_of(client, "trend_filter", {}) == {"lines": [], "zones": []}


def test_unknown_backtest_is_404(client: TestClient) -> None:
    response = client.get("/backtests/nope/overlays")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]
