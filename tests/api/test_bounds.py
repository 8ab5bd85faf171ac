"""Boundary values in every numeric input of the API: always a 4xx `{"detail": ...}`, never 500.

Schemathesis-style: each numeric field of each request body, and each `limit` /
`offset`, receives huge, non-finite, negative-zero, wrongly typed and
out-of-range values written as raw JSON (so NaN and -0 reach the server as such).
The bounds also appear in the OpenAPI schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.config import Settings
from scalplab.orders.risk import RiskSettings
from tests.api.conftest import add_pair, wait_for_simulation

OUT_OF_BOUNDS = [
    "1e25",
    "1e300",
    "1e400",  # Python's JSON parser makes this an infinity
    "NaN",
    "Infinity",
    "-Infinity",
    '"Infinity"',
    '"NaN"',
    str(2**63),
    "-1",
    "true",
]
"""Raw JSON values no numeric field of the API accepts."""
NEGATIVE_ZERO = ["-0", "-0.0"]
"""Zero: refused wherever zero is out of range, otherwise applied like 0."""
STRING_NUMBER = '"60"'
"""A number in a string: refused, except for exact decimals (order quantities and prices)."""


def _raw(body: dict[str, Any], path: tuple[str, ...], token: str) -> bytes:
    """`body` as JSON text with the field at `path` set to the raw JSON `token`."""
    data = json.loads(json.dumps(body))
    target = data
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = "@@TOKEN@@"
    return json.dumps(data).replace('"@@TOKEN@@"', token).encode()


def _send(client: TestClient, method: str, url: str, content: bytes) -> Any:
    return client.request(
        method, url, content=content, headers={"content-type": "application/json"}
    )


def _assert_refused(response: Any, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail, what
    assert len(detail) < 500, what


def _fuzz(
    client: TestClient,
    method: str,
    url: str,
    body: dict[str, Any],
    fields: list[tuple[str, ...]],
    *,
    zero_refused: bool,
    strings_refused: bool = True,
) -> None:
    for path in fields:
        for token in OUT_OF_BOUNDS + ([STRING_NUMBER] if strings_refused else []):
            response = _send(client, method, url, _raw(body, path, token))
            _assert_refused(response, f"{method} {url} {'.'.join(path)}={token}")
        for token in NEGATIVE_ZERO:
            response = _send(client, method, url, _raw(body, path, token))
            what = f"{method} {url} {'.'.join(path)}={token}"
            assert response.status_code < 500, f"{what}: {response.text}"
            if zero_refused:
                _assert_refused(response, what)


ORDER = {"symbol": "BTCUSDT", "side": "buy", "type": "market", "qty": "0.002"}
ORDER_FIELDS = ["qty", "price", "stop_price", "callback_rate_pct", "stop_loss", "take_profit"]


def test_orders(client: TestClient) -> None:
    add_pair(client)
    slow = {"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
    assert client.post("/simulation/start", json=slow).status_code == 200
    wait_for_simulation(client, lambda status: status["pairs"][0]["bars"] >= 1)
    _fuzz(
        client,
        "POST",
        "/orders",
        ORDER,
        [(name,) for name in ORDER_FIELDS],
        zero_refused=True,
        strings_refused=False,  # exact decimals may be strings ("0.001")
    )
    assert [o for o in client.get("/orders").json() if o["source"] == "manual"] == []
    client.post("/simulation/stop")


BACKTEST = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-24",
    "params": {},
}
SMA_PARAMS = [("params", name) for name in ("fast", "slow", "stop_pct", "rr")]


def test_backtests(client: TestClient) -> None:
    # strategy params follow the plugin's metadata, where "60" is a valid `k=v` value
    _fuzz(client, "POST", "/backtests", BACKTEST, SMA_PARAMS, zero_refused=True,
          strings_refused=False)  # fmt: skip
    assert client.get("/backtests").json() == []


def test_pairs(client: TestClient) -> None:
    pair = {"symbol": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m", "params": {}}
    _fuzz(client, "POST", "/pairs", pair, SMA_PARAMS, zero_refused=True, strings_refused=False)
    assert client.get("/pairs").json() == []


RISK_NUMBERS = [
    ("risk", name)
    for name, info in RiskSettings.model_fields.items()
    if info.annotation in (int, float, "int", "float")
]


def test_settings(client: TestClient) -> None:
    assert len(RISK_NUMBERS) == 10
    top = [("pending_ttl_seconds",), ("replay_speed",)]
    put = {"confirm_orders": False, "pending_ttl_seconds": 60, "replay_speed": 60, "risk": {}}
    for method, body in (("PATCH", {}), ("PUT", put)):
        _fuzz(client, method, "/settings", body, top, zero_refused=True)
        _fuzz(client, method, "/settings", body, RISK_NUMBERS, zero_refused=False)


def test_simulation_start(client: TestClient) -> None:
    add_pair(client)
    _fuzz(client, "POST", "/simulation/start", {}, [("speed",)], zero_refused=True)
    assert client.get("/simulation/status").json()["state"] == "stopped"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/orders", "limit"),
        ("/orders", "offset"),
        ("/simulation/trades", "limit"),
        ("/simulation/trades", "offset"),
        ("/backtests", "limit"),
        ("/backtests", "offset"),
        ("/signals", "limit"),
        ("/simulation/risk-events", "limit"),
    ],
)
def test_limit_and_offset(client: TestClient, url: str, name: str) -> None:
    for value in ["1e25", "NaN", "Infinity", str(2**63), str(2**64), "-1", "1.5", "true", "x"]:
        response = client.get(url, params={name: value})
        _assert_refused(response, f"{url}?{name}={value}")
    response = client.get(url, params={name: "1000001" if name == "offset" else "100001"})
    _assert_refused(response, f"{url}?{name} over its maximum")
    assert client.get(url, params={name: "1"}).status_code == 200


def test_bounds_are_in_the_openapi_schema(settings: Settings, tmp_path: Any) -> None:
    spec = create_app(settings, web_dist=tmp_path / "none").openapi()
    schemas = spec["components"]["schemas"]
    qty = schemas["OrderCreate"]["properties"]["qty"]["anyOf"][0]
    assert (qty["exclusiveMinimum"], qty["maximum"]) == (0, 10**12)
    speed = schemas["SettingsPatch"]["properties"]["replay_speed"]["anyOf"][0]
    assert (speed["minimum"], speed["maximum"]) == (0.1, 1_000_000)
    ttl = schemas["SettingsPatch"]["properties"]["pending_ttl_seconds"]["anyOf"][0]
    assert (ttl["minimum"], ttl["maximum"]) == (5, 86_400)
    risk = schemas["SettingsPatch"]["properties"]["risk"]["anyOf"][0]["properties"]
    assert (risk["max_open_positions"]["minimum"], risk["max_open_positions"]["maximum"]) == (
        0,
        1000,
    )
    start = schemas["SimulationStart"]["properties"]["speed"]["anyOf"][0]
    assert (start["minimum"], start["maximum"]) == (0.1, 1_000_000)
    for path, name in (("/orders", "offset"), ("/simulation/trades", "offset")):
        (param,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (0, 1_000_000)
