"""Correlation ids: the `X-Request-ID` of a request is in the JSON log lines of what it caused."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.logs import JsonFormatter
from tests.api.conftest import add_pair, wait_for_simulation


class _Records(logging.Handler):
    """Keeps every record; they are formatted later, on the test's thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[dict[str, Any]]:
        formatter = JsonFormatter()
        return [json.loads(formatter.format(record)) for record in self.records]


@pytest.fixture
def captured() -> Iterator[_Records]:
    root = logging.getLogger()
    handler = _Records()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _caused_by(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("request_id") == request_id]


def test_each_request_id_tags_what_the_request_caused(
    client: TestClient, captured: _Records
) -> None:
    add_pair(client)
    settings = client.patch(
        "/settings", json={"confirm_orders": True}, headers={"X-Request-ID": "corr-settings"}
    )
    assert settings.status_code == 200
    started = client.post(
        "/simulation/start",
        json={"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"},
        headers={"X-Request-ID": "corr-start"},
    )
    assert started.status_code == 200
    wait_for_simulation(client, lambda s: s["candles_processed"] >= 1)
    refused = client.post(
        "/orders",
        json={"symbol": "BTCUSDT", "side": "buy", "qty": "0.0015"},
        headers={"X-Request-ID": "corr-refused"},
    )
    assert refused.status_code == 422
    created = client.post(
        "/orders",
        json={"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"},
        headers={"X-Request-ID": "corr-order"},
    )
    assert created.status_code == 201
    order_id = created.json()["id"]
    [pending] = client.get("/orders/pending").json()
    confirmed = client.post(
        f"/orders/pending/{pending['id']}/confirm", headers={"X-Request-ID": "corr-confirm"}
    )
    assert confirmed.status_code == 200
    client.post("/simulation/stop", headers={"X-Request-ID": "corr-stop"})

    lines = captured.lines()
    by_id = {rid: _caused_by(lines, rid) for rid in ("corr-settings", "corr-start", "corr-order")}
    assert any(
        line["logger"] == "scalplab.services.settings" and "confirm_orders" in line["message"]
        for line in by_id["corr-settings"]
    )
    assert any(
        line["message"].startswith("simulation started: replay of BTCUSDT (sma_cross) at 9000x")
        for line in by_id["corr-start"]
    )
    [order_line] = [
        line for line in by_id["corr-order"] if line["logger"] == "scalplab.services.orders"
    ]
    assert order_line["order_id"] == order_id and "created" in order_line["message"]
    assert any(
        line.get("order_id") == order_id and line.get("pending_id") == pending["id"]
        for line in _caused_by(lines, "corr-confirm")
    )
    assert any(
        line["message"] == "request failed: qty 0.0015 is not a multiple of the step size 0.001"
        for line in _caused_by(lines, "corr-refused")
    )
    assert any("simulation stopped" in line["message"] for line in _caused_by(lines, "corr-stop"))
    access = [line for line in lines if line["logger"] == "scalplab.api.access"]
    assert {line["request_id"] for line in access} >= {
        "corr-settings",
        "corr-start",
        "corr-order",
        "corr-confirm",
        "corr-refused",
        "corr-stop",
    }
