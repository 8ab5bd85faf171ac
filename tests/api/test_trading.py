"""`/trading`: the kill switch over HTTP — halt (optionally closing every position), resume,
the state in `/status/health`, manual entries refused with 409, and a restart that keeps it.

A replay of the real sample runs at 0.1 s per 15m bar, so a close requested now fills at
the next bar's open a moment later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.config import Settings
from tests.api.conftest import add_pair, api_client, wait_for_simulation

SLOW = {"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
BUY = {"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"}
ACTIVE = {"halted": False, "since": None, "since_ms": None, "reason": "", "source": ""}


def poll(client: TestClient, path: str, done: Callable[[Any], bool], timeout: float = 20.0) -> Any:
    """GET `path` until `done(body)`; returns the body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if done(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still {body} after {timeout}s")
        time.sleep(0.02)


def test_halt_and_resume(client: TestClient) -> None:
    assert client.get("/trading").json() == ACTIVE
    halted = client.post("/trading/halt", json={"reason": "maintenance"})
    assert halted.status_code == 200, halted.text
    state = halted.json()["state"]
    assert (state["halted"], state["reason"], state["source"]) == (True, "maintenance", "api")
    assert state["since"].endswith("Z") and state["since_ms"] > 1_700_000_000_000
    assert halted.json()["closed"] == []
    assert client.get("/trading").json() == state
    health = client.get("/status/health").json()
    assert health["halted"] is True and health["mode"] == "simulation"

    again = client.post("/trading/halt")  # body-less (the test client's header): no change
    assert again.status_code == 200 and again.json()["state"] == state

    resumed = client.post("/trading/resume")
    assert resumed.status_code == 200
    assert (resumed.json()["halted"], resumed.json()["source"]) == (False, "api")
    assert client.get("/status/health").json()["halted"] is False
    default = client.post("/trading/halt").json()["state"]
    assert default["reason"] == "halted from the API"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"close_positions": "yes"}, "close_positions"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"why": "x"}, "why"),
    ],
)
def test_a_bad_halt_body_is_refused(client: TestClient, body: object, problem: str) -> None:
    response = client.post("/trading/halt", json=body)
    assert response.status_code == 422
    assert problem in response.json()["detail"]
    assert client.get("/trading").json()["halted"] is False


def test_a_halt_closes_positions_and_refuses_entries(client: TestClient) -> None:
    add_pair(client)
    assert client.post("/simulation/start", json=SLOW).status_code == 200
    try:
        wait_for_simulation(client, lambda s: all(p["bars"] >= 1 for p in s["pairs"]))
        order = client.post("/orders", json=BUY).json()
        poll(client, f"/orders/{order['id']}", lambda o: o["status"] == "filled")
        assert len(client.get("/simulation/positions").json()) == 1

        halted = client.post("/trading/halt", json={"close_positions": True, "reason": "panic"})
        assert halted.status_code == 200
        assert halted.json()["closed"] == ["BTCUSDT/sma_cross"]
        poll(client, "/simulation/positions", lambda rows: rows == [])

        refused = client.post("/orders", json=BUY)
        assert refused.status_code == 409
        assert refused.json()["detail"].startswith(
            "blocked by the halted breaker: trading is halted since "
        )
        assert "by api (panic)" in refused.json()["detail"]
        [event] = client.get("/simulation/risk-events").json()
        assert event["breaker"] == "halted"

        assert client.post("/trading/resume").status_code == 200
        assert client.post("/orders", json=BUY).status_code == 201
    finally:
        client.post("/simulation/stop")


def test_the_halt_survives_a_restart(settings: Settings, tmp_path: Path) -> None:
    with api_client(create_app(settings, web_dist=tmp_path / "x")) as first:
        assert first.post("/trading/halt", json={"reason": "overnight"}).status_code == 200
    with api_client(create_app(settings, web_dist=tmp_path / "x")) as second:
        state = second.get("/trading").json()
        assert (state["halted"], state["reason"]) == (True, "overnight")
        assert second.get("/status/health").json()["halted"] is True
