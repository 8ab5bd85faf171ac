"""The fake venue's faults, each seen by a plain client: an order POST that times out
after the order was placed, 5xx answers with and without the order, -1021 clock skew,
-2019 margin — and for each, exactly the orders the venue really has."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from scalplab.data.adapters.binance.fake_faults import (
    ALGO_ORDER_PATH,
    ClockSkew,
    FaultQueue,
    MarginShortfall,
    OrderTimeout,
    ServerError,
)
from tests.data.adapters.binance.venue_client import venue

BTC = "BTCUSDT"
ENTRY = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "0.01"}


def placed_soon(count: Callable[[], int], expected: int = 1) -> None:
    """Wait until the venue has placed what a timed-out request sent (the client gave up
    waiting; on a busy machine the server may not have got to it yet)."""
    deadline = time.monotonic() + 3
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.005)


def test_an_order_post_that_times_out_was_really_placed() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        running.exchange.fault(OrderTimeout(delay_s=0.5))
        with pytest.raises(requests.exceptions.RequestException):
            client.call("POST", "/fapi/v1/order", {**ENTRY, "newClientOrderId": "e-1"},
                        timeout=0.15)  # fmt: skip
        placed_soon(lambda: len(running.exchange.orders()))
        found = client.call("GET", "/fapi/v1/order", {"symbol": BTC, "origClientOrderId": "e-1"})
        assert found.body["status"] == "FILLED"  # the client must look before resending
        assert [o.client_order_id for o in running.exchange.orders()] == ["e-1"]
        assert len(running.exchange.trades()) == 1
        # a resting order that timed out: a resend under the same id is refused
        running.exchange.fault(OrderTimeout(delay_s=0.5))
        limit = {"symbol": BTC, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                 "quantity": "0.01", "price": "29000", "newClientOrderId": "e-2"}  # fmt: skip
        with pytest.raises(requests.exceptions.RequestException):
            client.call("POST", "/fapi/v1/order", limit, timeout=0.15)
        placed_soon(lambda: len(running.exchange.orders()), 2)
        assert client.order(**limit).code == -4116
        assert [o.client_order_id for o in running.exchange.open_orders()] == ["e-2"]


def test_an_algo_order_post_can_time_out_too() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        client.order(**ENTRY)
        running.exchange.fault(OrderTimeout(delay_s=0.5, path=ALGO_ORDER_PATH))
        with pytest.raises(requests.exceptions.RequestException):
            client.call("POST", "/fapi/v1/algoOrder", {"algoType": "CONDITIONAL", "symbol": BTC,
                        "side": "SELL", "type": "STOP_MARKET", "triggerPrice": "29000",
                        "closePosition": "true", "clientAlgoId": "sl-1"},
                        timeout=0.15)  # fmt: skip
        placed_soon(lambda: len(running.exchange.algo_orders()))
        found = client.call("GET", "/fapi/v1/algoOrder", {"clientAlgoId": "sl-1"}).body
        assert found["algoStatus"] == "NEW" and found["closePosition"] is True


def test_server_errors_with_and_without_the_order() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        running.exchange.fault(ServerError(placed=True))
        unknown = client.order(**ENTRY, newClientOrderId="p-1")
        assert (unknown.status, unknown.code) == (503, -1000)
        assert "Unknown error" in unknown.body["msg"]
        running.exchange.fault(ServerError(placed=False, status=500))
        failed = client.order(**ENTRY, newClientOrderId="p-2")
        assert (failed.status, failed.code) == (500, -1001)
        assert [o.client_order_id for o in running.exchange.orders()] == ["p-1"]
        assert client.order(**ENTRY, newClientOrderId="p-2").status == 200


def test_clock_skew_and_margin_refusals_are_played_once() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        running.exchange.fault(ClockSkew())
        skewed = client.call("GET", "/fapi/v3/balance")
        assert (skewed.status, skewed.code) == (400, -1021)
        assert client.call("GET", "/fapi/v3/balance").status == 200
        running.exchange.fault(MarginShortfall(), times=2)
        assert client.order(**ENTRY).code == -2019
        assert client.order(**ENTRY).code == -2019
        assert running.exchange.orders() == []
        assert client.order(**ENTRY).status == 200
        codes = [r.code for r in running.exchange.requests("/fapi/v1/order")]
        assert codes == [-2019, -2019, None]


def test_the_fault_queue_keeps_order_faults_per_path() -> None:
    queue = FaultQueue()
    queue.add(ServerError(path=ALGO_ORDER_PATH))
    queue.add(OrderTimeout())
    queue.add(ClockSkew())
    assert queue.take_order_fault("/fapi/v1/order") == OrderTimeout()
    assert queue.take_order_fault("/fapi/v1/order") is None
    assert queue.take_clock_skew() and not queue.take_clock_skew()
    assert queue.take_order_fault(ALGO_ORDER_PATH) == ServerError(path=ALGO_ORDER_PATH)
