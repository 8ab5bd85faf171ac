"""`/pairs` CRUD over the real app and a real SQLite file, with every validation error."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BTC = {"symbol": "btcusdt", "strategy": "sma_cross", "timeframe": "15m", "params": {"fast": 5}}


def _create(client: TestClient, **changes: Any) -> Any:
    response = client.post("/pairs", json={**BTC, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_list_get(client: TestClient) -> None:
    created = _create(client)
    assert created["symbol"] == "BTCUSDT"  # normalised
    assert created["params"] == {"fast": 5} and created["enabled"] is True
    assert created["created_at"].endswith("Z")
    assert client.get("/pairs").json() == [created]
    assert client.get("/pairs/btcusdt").json() == created


def test_symbol_known_only_from_exchange_rules_is_accepted(client: TestClient) -> None:
    # SOLUSDT has no candles in the sample, but it is in the recorded exchangeInfo
    created = _create(client, symbol="SOLUSDT", params={})
    assert created["symbol"] == "SOLUSDT"


def test_params_are_coerced_to_their_declared_types(client: TestClient) -> None:
    created = _create(client, params={"fast": 7.0, "stop_pct": 2, "allow_short": "false"})
    assert created["params"] == {"fast": 7, "stop_pct": 2.0, "allow_short": False}


def test_put_replaces_and_patch_updates(client: TestClient) -> None:
    _create(client)
    replaced = client.put(
        "/pairs/BTCUSDT",
        json={"strategy": "sma_cross", "timeframe": "1h", "params": {}, "enabled": False},
    )
    assert replaced.status_code == 200
    assert (replaced.json()["timeframe"], replaced.json()["enabled"]) == ("1h", False)
    assert replaced.json()["params"] == {}

    patched = client.patch("/pairs/BTCUSDT", json={"enabled": True, "params": {"slow": 50}})
    assert patched.status_code == 200
    body = patched.json()
    assert (body["timeframe"], body["enabled"], body["params"]) == ("1h", True, {"slow": 50})
    assert client.get("/pairs/BTCUSDT").json() == body


def test_delete(client: TestClient) -> None:
    _create(client)
    response = client.delete("/pairs/BTCUSDT")
    assert response.status_code == 204 and response.content == b""
    assert client.get("/pairs").json() == []


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        (
            {"symbol": "ZZZUSDT"},
            422,
            "unknown symbol ZZZUSDT: no candles stored and no exchange rules cached for it",
        ),
        ({"symbol": "BTC/USDT"}, 422, "invalid symbol 'BTC/USDT'"),
        ({"strategy": "nope"}, 422, "unknown strategy 'nope' (known: "),
        ({"timeframe": "7m"}, 422, "unknown timeframe '7m' (known: 1m 3m 5m"),
        ({"params": {"speed": 1}}, 422, "unknown param speed (known: "),
        ({"params": {"fast": 0}}, 422, "param fast=0 is below its minimum 1"),
        ({"params": {"fast": "ten"}}, 422, "param fast expects int, got 'ten'"),
        ({"colour": "red"}, 422, "colour: Extra inputs are not permitted"),
        ({"strategy": ""}, 422, "strategy: String should have at least 1 character"),
    ],
)
def test_invalid_create_is_refused_and_nothing_stored(
    client: TestClient, changes: dict[str, Any], status: int, detail: str
) -> None:
    response = client.post("/pairs", json={**BTC, **changes})
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail), response.json()
    assert client.get("/pairs").json() == []


def test_duplicate_symbol_is_409(client: TestClient) -> None:
    first = _create(client)
    response = client.post("/pairs", json={**BTC, "symbol": "BTCUSDT", "timeframe": "1h"})
    assert response.status_code == 409
    assert response.json() == {"detail": "pair BTCUSDT is already in the list"}
    assert client.get("/pairs").json() == [first]


def test_unknown_pair_is_404_on_every_verb(client: TestClient) -> None:
    body = {"strategy": "sma_cross", "timeframe": "1h", "params": {}, "enabled": True}
    for response in (
        client.get("/pairs/ETHUSDT"),
        client.put("/pairs/ETHUSDT", json=body),
        client.patch("/pairs/ETHUSDT", json={"enabled": False}),
        client.delete("/pairs/ETHUSDT"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "pair ETHUSDT is not in the list"}
    assert client.get("/pairs").json() == []


def test_invalid_update_changes_nothing(client: TestClient) -> None:
    created = _create(client)
    bad_put = client.put(
        "/pairs/BTCUSDT",
        json={"strategy": "sma_cross", "timeframe": "15m", "params": {"rr": 99}},
    )
    assert bad_put.status_code == 422
    assert bad_put.json()["detail"] == "param rr=99.0 is above its maximum 50"
    bad_patch = client.patch("/pairs/BTCUSDT", json={"timeframe": "2x"})
    assert bad_patch.status_code == 422 and "unknown timeframe '2x'" in bad_patch.json()["detail"]
    assert client.get("/pairs/BTCUSDT").json() == created
