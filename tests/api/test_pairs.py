"""`/pairs` CRUD by id over the real app and a real SQLite file, with every validation error.

A symbol may be followed by several strategies; each (symbol, strategy) pair once.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BTC = {"symbol": "btcusdt", "strategy": "sma_cross", "timeframe": "15m", "params": {"fast": 5}}


def _create(client: TestClient, **changes: Any) -> Any:
    response = client.post("/pairs", json={**BTC, **changes})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/pairs/{response.json()['id']}"
    return response.json()


def test_create_list_get(client: TestClient) -> None:
    created = _create(client)
    assert created["symbol"] == "BTCUSDT"  # normalised
    assert created["params"] == {"fast": 5} and created["enabled"] is True
    assert created["created_at"].endswith("Z") and isinstance(created["id"], int)
    assert client.get("/pairs").json() == [created]
    assert client.get(f"/pairs/{created['id']}").json() == created


def test_a_symbol_may_be_followed_by_another_strategy(client: TestClient) -> None:
    sma = _create(client)
    smc = _create(client, symbol="BTCUSDT", strategy="smc", params={})
    assert smc["id"] != sma["id"] and smc["symbol"] == "BTCUSDT"
    assert client.get("/pairs").json() == [sma, smc]
    disabled = client.patch(f"/pairs/{smc['id']}", json={"enabled": False})
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert client.get(f"/pairs/{sma['id']}").json()["enabled"] is True  # only that pair
    assert client.delete(f"/pairs/{sma['id']}").status_code == 204
    assert client.get("/pairs").json() == [disabled.json()]


def test_symbol_known_only_from_exchange_rules_is_accepted(client: TestClient) -> None:
    # SOLUSDT has no candles in the sample, but it is in the recorded exchangeInfo
    created = _create(client, symbol="SOLUSDT", params={})
    assert created["symbol"] == "SOLUSDT"


def test_params_are_coerced_to_their_declared_types(client: TestClient) -> None:
    created = _create(client, params={"fast": 7.0, "stop_pct": 2, "allow_short": False})
    assert created["params"] == {"fast": 7, "stop_pct": 2.0, "allow_short": False}


def test_put_replaces_and_patch_updates(client: TestClient) -> None:
    pair = _create(client)
    url = f"/pairs/{pair['id']}"
    replaced = client.put(
        url, json={"strategy": "sma_cross", "timeframe": "1h", "params": {}, "enabled": False}
    )
    assert replaced.status_code == 200
    assert (replaced.json()["timeframe"], replaced.json()["enabled"]) == ("1h", False)
    assert replaced.json()["params"] == {}

    patched = client.patch(url, json={"enabled": True, "params": {"slow": 50}})
    assert patched.status_code == 200
    body = patched.json()
    assert (body["timeframe"], body["enabled"], body["params"]) == ("1h", True, {"slow": 50})
    assert client.get(url).json() == body


def test_delete(client: TestClient) -> None:
    pair = _create(client)
    response = client.delete(f"/pairs/{pair['id']}")
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
        ({"params": {"fast": "10"}}, 422, "param fast expects int, got '10'"),
        ({"params": {"allow_short": "yes"}}, 422, "param allow_short expects bool, got 'yes'"),
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


def test_the_same_symbol_and_strategy_twice_is_409_naming_both(client: TestClient) -> None:
    first = _create(client)
    response = client.post("/pairs", json={**BTC, "symbol": "BTCUSDT", "timeframe": "1h"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "pair BTCUSDT with strategy sma_cross is already in the list"
    }
    assert client.get("/pairs").json() == [first]


def test_a_change_that_would_duplicate_a_pair_is_409(client: TestClient) -> None:
    sma = _create(client)
    smc = _create(client, symbol="BTCUSDT", strategy="smc", params={})
    response = client.patch(f"/pairs/{smc['id']}", json={"strategy": "sma_cross"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "pair BTCUSDT with strategy sma_cross is already in the list"
    }
    assert client.get("/pairs").json() == [sma, smc]


def test_unknown_pair_is_404_on_every_verb(client: TestClient) -> None:
    body = {"strategy": "sma_cross", "timeframe": "1h", "params": {}, "enabled": True}
    for response in (
        client.get("/pairs/42"),
        client.put("/pairs/42", json=body),
        client.patch("/pairs/42", json={"enabled": False}),
        client.delete("/pairs/42"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "no pair with id 42"}
    not_an_id = client.get("/pairs/BTCUSDT")
    assert not_an_id.status_code == 422
    assert not_an_id.json()["detail"].startswith("pair_id: Input should be a valid integer")
    assert client.get("/pairs").json() == []


def test_invalid_update_changes_nothing(client: TestClient) -> None:
    created = _create(client)
    url = f"/pairs/{created['id']}"
    bad_put = client.put(
        url, json={"strategy": "sma_cross", "timeframe": "15m", "params": {"rr": 99}}
    )
    assert bad_put.status_code == 422
    assert bad_put.json()["detail"] == "param rr=99.0 is above its maximum 50"
    bad_patch = client.patch(url, json={"timeframe": "2x"})
    assert bad_patch.status_code == 422 and "unknown timeframe '2x'" in bad_patch.json()["detail"]
    assert client.get(url).json() == created
