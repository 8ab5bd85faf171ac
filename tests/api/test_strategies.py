"""`/strategies`: the registry as JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scalplab.config import Settings
from scalplab.strategies.registry import get_registry


def test_list_matches_the_registry(client: TestClient, settings: Settings) -> None:
    response = client.get("/strategies")
    assert response.status_code == 200
    expected = [info.to_dict() for info in get_registry(settings.plugin_dir).list()]
    assert response.json() == expected
    names = [s["name"] for s in response.json()]
    assert "sma_cross" in names


def test_get_one_with_param_metadata(client: TestClient) -> None:
    body = client.get("/strategies/sma_cross").json()
    assert body["version"] == "1.0.0"
    fast = next(p for p in body["params"] if p["name"] == "fast")
    assert fast == {
        "name": "fast",
        "type": "int",
        "default": 10,
        "min": 1.0,
        "max": 500.0,
        "choices": None,
        "description": "Period of the fast SMA, in bars.",
    }


def test_unknown_strategy_is_404(client: TestClient) -> None:
    response = client.get("/strategies/nope")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("unknown strategy 'nope' (known: ")


def test_each_plugin_lists_its_extra_feeds(client: TestClient) -> None:
    feeds = {s["name"]: s["feeds"] for s in client.get("/strategies").json()}
    assert feeds["sma_cross"] == []
    assert feeds["trend_filter"] == ["1h", "BTCUSDT:15m"]
    assert client.get("/strategies/trend_filter").json()["feeds"] == ["1h", "BTCUSDT:15m"]
