"""`/orders`: manual paper orders through the engine's queue, idempotency, confirmations.

A replay of the real sample runs at 0.1 s per 15m bar, so an order placed now
fills at the next bar's open a moment later (the strategy is still warming up).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import add_pair, wait_for_simulation

SLOW = {"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
BUY = {"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"}


@pytest.fixture
def running(client: TestClient) -> Iterator[TestClient]:
    """The app with BTCUSDT and ETHUSDT replaying (both have a price)."""
    add_pair(client)
    add_pair(client, symbol="ETHUSDT")
    assert client.post("/simulation/start", json=SLOW).status_code == 200
    wait_for_simulation(client, lambda s: all(p["bars"] >= 1 for p in s["pairs"]))
    yield client
    client.post("/simulation/stop")


def manual_orders(client: TestClient) -> list[Any]:
    """Every manual order, newest first."""
    return [o for o in client.get("/orders").json() if o["source"] == "manual"]


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


def test_a_market_order_is_accepted_then_filled(running: TestClient) -> None:
    response = running.post("/orders", json=BUY)
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["location"] == f"/orders/{order['id']}"
    assert (order["symbol"], order["side"], order["type"], order["qty"]) == (
        "BTCUSDT",
        "buy",
        "market",
        "0.002",
    )
    assert order["status"] == "accepted" and order["source"] == "manual"
    filled = poll(running, f"/orders/{order['id']}", lambda o: o["status"] == "filled")
    assert filled["fill_price"] > 0 and filled["filled_at"].endswith("Z")
    [position] = running.get("/simulation/positions").json()
    assert (position["symbol"], position["side"], position["qty"]) == ("BTCUSDT", "long", 0.002)
    assert running.get("/orders/ord-nope").status_code == 404


def test_a_post_only_limit_below_the_market_rests(running: TestClient) -> None:
    body = {**BUY, "type": "limit", "price": "1000", "qty": "0.01", "post_only": True}
    response = running.post("/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["type"], order["post_only"], order["status"]) == ("limit", True, "accepted")
    assert running.get(f"/orders/{order['id']}").json()["post_only"] is True

    cancelled = running.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["reason"] == "cancelled by request"
    again = running.post(f"/orders/{order['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"order {order['id']} is cancelled: only a working order can be cancelled"
    )
    assert running.post("/orders/ord-nope/cancel").status_code == 404


def test_the_protection_of_a_position_cannot_be_cancelled(running: TestClient) -> None:
    body = {**BUY, "stop_loss": "100000", "take_profit": "125000"}
    response = running.post("/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    filled = poll(running, f"/orders/{order['id']}", lambda o: o["status"] == "filled")
    stop_id = filled["children"][0]
    refused = running.post(f"/orders/{stop_id}/cancel")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"order {stop_id} protects the position of order {order['id']}: close the position instead"
    )
    assert running.get(f"/orders/{stop_id}").json()["status"] == "accepted"


def test_a_resubmission_returns_the_same_order(running: TestClient) -> None:
    keyed = {**BUY, "type": "limit", "price": "50000", "client_order_id": "my-order-1"}
    first = running.post("/orders", json=keyed)
    second = running.post("/orders", json=keyed)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert first.json()["client_order_id"] == "my-order-1"

    header = {"Idempotency-Key": "double-click-42"}
    eth = {"symbol": "ETHUSDT", "side": "sell", "type": "limit", "price": "9000", "qty": "0.01"}
    third = running.post("/orders", json=eth, headers=header)
    fourth = running.post("/orders", json=eth, headers=header)
    assert (third.status_code, fourth.status_code) == (201, 200)
    assert fourth.json() == third.json()
    assert third.json()["client_order_id"].startswith("m-")
    assert len(manual_orders(running)) == 2

    both = running.post("/orders", json={**eth, "client_order_id": "x-1"}, headers=header)
    assert both.status_code == 422
    assert both.json()["detail"].startswith("give either client_order_id or an Idempotency-Key")
    assert len(manual_orders(running)) == 2


def test_a_reused_idempotency_key_with_another_body_is_422(running: TestClient) -> None:
    header = {"Idempotency-Key": "double-click-43"}
    limit = {**BUY, "type": "limit", "price": "50000"}
    first = running.post("/orders", json=limit, headers=header)
    assert first.status_code == 201, first.text
    retry = running.post("/orders", json={**limit, "qty": 0.002}, headers=header)  # same value
    assert (retry.status_code, retry.json()["id"]) == (200, first.json()["id"])
    other = running.post("/orders", json={**limit, "qty": "0.003"}, headers=header)
    assert other.status_code == 422
    detail = other.json()["detail"]
    assert detail.startswith(
        f"client order id {first.json()['client_order_id']} already names order "
        f"{first.json()['id']}, placed with a different request (qty 0.002 vs 0.003)"
    )
    eth = {"symbol": "ETHUSDT", "side": "buy", "type": "limit", "qty": "0.01", "price": "2000"}
    keyed = {**eth, "client_order_id": "mine-7"}
    assert running.post("/orders", json=keyed).status_code == 201
    moved = running.post("/orders", json={**keyed, "price": "2001", "side": "sell"})
    assert moved.status_code == 422
    assert "(side buy vs sell, price 2000 vs 2001)" in moved.json()["detail"]
    orders = manual_orders(running)
    assert len(orders) == 2 and {o["qty"] for o in orders} == {"0.002", "0.01"}


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        ({"qty": "0.0015"}, 422, "qty 0.0015 is not a multiple of the step size 0.001"),
        (
            {"type": "limit", "price": "100000.005"},
            422,
            "price 100000.005 is not a multiple of the tick size 0.01",
        ),
        (
            {"type": "limit", "price": "4000", "qty": "0.001"},
            422,
            "notional 4 (qty 0.001 × price 4000) is under the minimum notional 5",
        ),
        ({"type": "limit"}, 422, "a limit order needs a price"),
        ({"type": "stop_market"}, 422, "a stop_market order needs a stop_price"),
        (
            {"type": "trailing_stop", "callback_rate_pct": "6"},
            422,
            "callback_rate_pct 6 is outside 0.1..5 %",
        ),
        ({"stop_loss": "200000"}, 422, "stop_loss 200000 must be below the entry price"),
        (
            {"type": "limit", "price": "200000", "post_only": True},
            422,
            "post_only buy limit at 200000 is at or above the market price",
        ),
        ({"post_only": True}, 422, "post_only applies to limit orders only"),
        (
            {"stop_loss": "100000", "take_profit": "110000", "reduce_only": True},
            422,
            "a reduce_only order needs an open position to reduce",
        ),
        ({"qty": "0"}, 422, "qty: Input should be greater than 0"),
        ({"qty": None}, 422, "qty is required (or give a stop_loss to size the entry by risk)"),
        ({"qty": "abc"}, 422, 'qty: must be a number (a JSON number or a string such as "0.001")'),
        ({"strategy": "smc"}, 404, "BTCUSDT is not traded by 'smc' in the simulation"),
        ({"strategy": ""}, 422, "strategy: String should have at least 1 character"),
        ({"side": "hold"}, 422, "side: Input should be 'buy' or 'sell'"),
        ({"client_order_id": "has space"}, 422, "client_order_id: String should match pattern"),
        ({"symbol": "SOLUSDT"}, 404, "SOLUSDT is not a simulated pair: add it and start"),
        ({"leverage": 10}, 422, "leverage: Extra inputs are not permitted"),
    ],
)
def test_bad_orders_are_refused_with_the_reason_and_change_nothing(
    running: TestClient, changes: dict[str, Any], status: int, detail: str
) -> None:
    response = running.post("/orders", json={**BUY, **changes})
    assert response.status_code == status, response.text
    assert response.json()["detail"].startswith(detail), response.json()
    assert manual_orders(running) == []
    assert running.get("/orders/pending").json() == []


def test_a_risk_block_is_409_and_recorded_as_a_risk_event(running: TestClient) -> None:
    assert running.get("/simulation/positions").json() == []  # flat: nothing open yet
    resting = running.post("/orders", json={**BUY, "type": "limit", "price": "50000"})
    assert resting.status_code == 201  # the BTCUSDT book now has an entry waiting
    assert running.patch("/settings", json={"risk": {"max_open_positions": 1}}).status_code == 200
    eth = {"symbol": "ETHUSDT", "side": "buy", "qty": "0.01"}
    response = running.post("/orders", json=eth)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("blocked by the max_open_positions breaker")
    [event] = running.get("/simulation/risk-events").json()
    assert (event["symbol"], event["strategy"], event["breaker"]) == (
        "ETHUSDT",
        "sma_cross",
        "max_open_positions",
    )
    assert event["signal_id"] is None
    assert [o["symbol"] for o in manual_orders(running)] == ["BTCUSDT"]


def test_a_person_s_bracket_under_min_rr_is_refused_like_a_signal(running: TestClient) -> None:
    bracket = {**BUY, "stop_loss": "90000", "take_profit": "120000"}  # reward/risk about 1
    response = running.post("/orders", json=bracket)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("reward/risk")
    assert running.get("/simulation/risk-events").json() == []  # a rejection, not a block
    assert manual_orders(running) == []


def test_an_order_names_its_pair_when_a_symbol_has_several(client: TestClient) -> None:
    add_pair(client)
    add_pair(client, strategy="smc")
    assert client.post("/simulation/start", json=SLOW).status_code == 200
    wait_for_simulation(client, lambda s: all(p["bars"] >= 1 for p in s["pairs"]))
    try:
        several = client.post("/orders", json=BUY)
        assert several.status_code == 409
        assert several.json() == {
            "detail": "BTCUSDT is traded by several strategies (sma_cross, smc): name one"
        }
        created = client.post("/orders", json={**BUY, "strategy": "smc"})
        assert created.status_code == 201, created.text
        filled = poll(client, f"/orders/{created.json()['id']}", lambda o: o["status"] == "filled")
        assert filled["symbol"] == "BTCUSDT"
        [position] = poll(client, "/simulation/positions", lambda rows: len(rows) == 1)
        assert (position["symbol"], position["strategy"]) == ("BTCUSDT", "smc")
        closing = client.post("/simulation/positions/BTCUSDT/close")
        assert closing.status_code == 409 and "name one" in closing.json()["detail"]
        closed = client.post("/simulation/positions/BTCUSDT/close", params={"strategy": "smc"})
        assert closed.status_code == 202
        assert closed.json() == {"symbol": "BTCUSDT", "strategy": "smc", "requested": True}
    finally:
        client.post("/simulation/stop")


def test_an_entry_with_a_stop_loss_and_no_qty_is_sized_by_risk(running: TestClient) -> None:
    sized = running.post(
        "/orders",
        json={"symbol": "ETHUSDT", "side": "buy", "stop_loss": "1000", "take_profit": "9000"},
    )
    assert sized.status_code == 201, sized.text
    order = sized.json()
    assert float(order["qty"]) > 0 and order["stop_loss"] == "1000"


def test_orders_need_a_simulated_pair_with_a_price(client: TestClient) -> None:
    response = client.post("/orders", json=BUY)
    assert response.status_code == 404
    assert response.json() == {"detail": "BTCUSDT is not a simulated pair: add it and start"}
    assert client.get("/orders").json() == []


def test_confirmation_executes_once(running: TestClient) -> None:
    assert running.patch("/settings", json={"confirm_orders": True}).status_code == 200
    created = running.post("/orders", json=BUY)
    assert created.status_code == 201
    order = created.json()
    assert order["status"] == "pending_confirmation"
    [pending] = running.get("/orders/pending").json()
    assert pending["order"]["id"] == order["id"]
    assert 0 < pending["seconds_left"] <= 60
    assert pending["expires_at"] > pending["created_at"]
    time.sleep(0.3)  # bars go by: a pending order does not fill
    assert running.get(f"/orders/{order['id']}").json()["status"] == "pending_confirmation"
    assert running.get("/simulation/positions").json() == []

    confirmed = running.post(f"/orders/pending/{pending['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "accepted"
    for action in ("confirm", "reject"):
        again = running.post(f"/orders/pending/{pending['id']}/{action}")
        assert again.status_code == 409
        assert again.json()["detail"].startswith(
            f"confirmation {pending['id']} was already confirmed"
        )
    assert running.get("/orders/pending").json() == []
    poll(running, f"/orders/{order['id']}", lambda o: o["status"] == "filled")
    assert len(running.get("/simulation/positions").json()) == 1
    assert len(manual_orders(running)) == 1


def test_a_rejected_confirmation_never_becomes_a_position(running: TestClient) -> None:
    running.patch("/settings", json={"confirm_orders": True})
    order = running.post("/orders", json=BUY).json()
    [pending] = running.get("/orders/pending").json()
    rejected = running.post(f"/orders/pending/{pending['id']}/reject")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    late = running.post(f"/orders/pending/{pending['id']}/confirm")
    assert late.status_code == 409
    assert "was already rejected" in late.json()["detail"]
    time.sleep(0.3)
    assert running.get(f"/orders/{order['id']}").json()["status"] == "rejected"
    assert running.get("/simulation/positions").json() == []


def test_unknown_and_expired_confirmations(running: TestClient) -> None:
    unknown = running.post("/orders/pending/p-nope/confirm")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no pending confirmation 'p-nope'"}
    assert running.post("/orders/pending/p-nope/reject").status_code == 404

    running.patch("/settings", json={"confirm_orders": True, "pending_ttl_seconds": 5})
    order = running.post("/orders", json=BUY).json()
    [pending] = running.get("/orders/pending").json()
    assert pending["seconds_left"] <= 5
    poll(running, "/orders/pending", lambda rows: rows == [], timeout=10)
    late = running.post(f"/orders/pending/{pending['id']}/confirm")
    assert late.status_code == 409
    assert "expired" in late.json()["detail"]
    assert running.get(f"/orders/{order['id']}").json()["status"] == "expired"
    assert running.get("/simulation/positions").json() == []
