"""`/scanner` over the real app, against the fake Binance serving the real market."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer
from tests.api.conftest import api_client
from tests.conftest import make_settings
from tests.data.scanner.market import market_server


@pytest.fixture
def market() -> Iterator[ReplayServer]:
    with market_server() as server:
        yield server


@pytest.fixture
def scanning(data_dir: Path, market: ReplayServer, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(data_dir, REST_URL=market.base_url)
    with api_client(create_app(settings, web_dist=tmp_path / "no-dist")) as client:
        yield client


def test_get_refresh_and_health(scanning: TestClient) -> None:
    first = scanning.get("/scanner").json()
    assert first["result"] is None and first["last_error"] is None
    assert (first["enabled"], first["active"], first["refresh_seconds"]) == (True, False, 60)
    assert (first["auto_universe"], first["auto_strategy"], first["auto_timeframe"]) == (
        False, "sma_cross", "15m")  # fmt: skip
    answer = scanning.post("/scanner/refresh")
    assert answer.status_code == 200
    result = answer.json()["result"]
    assert (result["universe"], result["candidates"], result["qualified"]) == (117, 6, 5)
    assert result["weight_used"] == 58 and result["taken_at"].endswith("Z")
    qualified = [row["symbol"] for row in result["rows"] if row["qualified"]]
    assert qualified == ["SOLUSDT", "ETHUSDT", "DOGEUSDT", "XRPUSDT", "ADAUSDT"]
    sol = result["rows"][0]
    assert sol["score"] == pytest.approx(
        0.35 * sol["sub_scores"]["volume"] + 0.25 * sol["sub_scores"]["spread"]
        + 0.25 * sol["sub_scores"]["volatility"] + 0.15 * sol["sub_scores"]["momentum"],
        abs=1e-3,
    )  # fmt: skip
    assert result["left_out"][0] == {
        "symbol": "1000SHIBUSDT",
        "reason": "no 24h ticker from Binance",
    }
    assert scanning.get("/scanner").json()["result"] == result
    health = scanning.get("/status/health").json()["scanner"]
    assert health == {
        "enabled": True, "active": False, "auto_universe": False,
        "last_scan_at": result["taken_at"], "last_error": None, "qualified": 5,
        "left_out": 110, "weight_used": 58,
    }  # fmt: skip


def test_trade_one_pair_then_let_the_auto_universe_follow_the_rest(scanning: TestClient) -> None:
    scanning.post("/scanner/refresh")
    body = {"symbol": "SOLUSDT", "strategy": "sma_cross", "timeframe": "15m", "params": {}}
    assert scanning.post("/pairs", json=body).status_code == 201  # the "Trade" button
    state = scanning.patch("/scanner", json={"auto_universe": True}).json()
    assert state["auto_universe"] is True
    assert state["auto_pairs"] == ["ADAUSDT", "DOGEUSDT", "ETHUSDT", "XRPUSDT"]
    followed = sorted(pair["symbol"] for pair in scanning.get("/pairs").json())
    assert followed == ["ADAUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]
    assert (
        scanning.patch("/scanner", json={"auto_universe": False}).json()["auto_universe"] is False
    )


def test_bad_input_and_an_unreachable_binance(scanning: TestClient, market: ReplayServer) -> None:
    wrong = scanning.patch("/scanner", json={"auto_universe": "yes"})
    assert wrong.status_code == 422 and "auto_universe" in wrong.json()["detail"]
    assert scanning.patch("/scanner", json={"auto_universe": True, "x": 1}).status_code == 422
    market.state.fail_next("exchangeInfo", Fault(500, '{"code": -1000, "msg": "down"}'), times=3)
    failed = scanning.post("/scanner/refresh")
    assert failed.status_code == 503
    assert failed.json()["detail"].startswith(f"Binance REST at {market.base_url} failed 3 times")
    state = scanning.get("/scanner").json()
    assert state["result"] is None and state["last_error"] == failed.json()["detail"]
    assert state["last_attempt_at"].endswith("Z")
