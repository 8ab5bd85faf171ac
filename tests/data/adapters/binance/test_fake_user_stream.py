"""The fake venue's user-data stream, read with a plain WebSocket client: the events of a
fill, a stop's ALGO_UPDATE lifecycle in the shape of the REAL recordings, expiries,
funding, listenKey expiry and a stream dropped during a fill."""

from __future__ import annotations

import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from scalplab.data.adapters.binance.fake_faults import ListenKeyExpiry, StreamDropOnFill
from scalplab.data.adapters.binance.fake_user_stream import listen_key_of
from tests.data.adapters.binance.venue_client import (
    read,
    read_until_closed,
    recorded,
    stream,
    venue,
)

BTC = "BTCUSDT"
DOGE = "DOGEUSDT"
ORDER_FIELDS = ["s", "c", "S", "o", "f", "q", "p", "ap", "sp", "x", "X", "i", "l", "z", "L",
                "N", "n", "T", "t", "b", "a", "m", "R", "wt", "ot", "ps", "cp", "pP", "si",
                "ss", "rp", "V", "pm", "gtd"]  # fmt: skip
"""The documented `ORDER_TRADE_UPDATE` fields, in the documentation's order."""


def kinds(events: list[dict[str, Any]]) -> list[str]:
    """Each event's type, with its order execution or algo status."""
    out = []
    for e in events:
        o = e.get("o", {})
        detail = {"ORDER_TRADE_UPDATE": o.get("x"), "ALGO_UPDATE": o.get("X"),
                  "ACCOUNT_UPDATE": e.get("a", {}).get("m")}.get(e["e"])  # fmt: skip
        out.append(f"{e['e']}:{detail}" if detail else e["e"])
    return out


def test_a_fill_arrives_as_order_and_account_updates_in_binances_shape() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        with stream(running, client.listen_key()) as ws:
            placed = client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01",
                                  newClientOrderId="entry-7").body  # fmt: skip
            new, trade, account = read(ws, 3)
        assert kinds([new, trade, account]) == [
            "ORDER_TRADE_UPDATE:NEW", "ORDER_TRADE_UPDATE:TRADE", "ACCOUNT_UPDATE:ORDER"
        ]  # fmt: skip
        assert list(new["o"]) == ORDER_FIELDS
        assert list(trade["o"]) == ORDER_FIELDS
        assert (new["o"]["N"], new["o"]["n"]) == ("USDT", "0")
        fill = trade["o"]
        assert (fill["c"], fill["i"], fill["X"]) == ("entry-7", placed["orderId"], "FILLED")
        assert (fill["l"], fill["L"], fill["z"], fill["ap"]) == ("0.01", "30000", "0.01", "30000")
        assert (fill["N"], fill["n"], fill["m"], fill["rp"]) == ("USDT", "0.15000000", False,
                                                                 "0.00000000")  # fmt: skip
        [rest_trade] = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC}).body
        assert fill["t"] == rest_trade["id"] and fill["T"] == rest_trade["time"]
        assert set(account) == {"e", "E", "T", "a"}
        [balance] = account["a"]["B"]
        assert balance == {"a": "USDT", "wb": "999.85000000", "cw": "999.85000000",
                           "bc": "0.00000000"}  # fmt: skip
        [position] = account["a"]["P"]
        assert list(position) == ["s", "pa", "ep", "bep", "cr", "up", "mt", "iw", "ps"]
        assert (position["s"], position["pa"], position["ep"], position["mt"]) == (
            BTC, "0.01", "30000", "cross"
        )  # fmt: skip


def test_a_stop_fires_through_the_recorded_algo_update_lifecycle() -> None:
    """The recorded lifecycle (DOGEUSDT BUY STOP_MARKET 38 @ 0.13855) replayed on the
    venue: same fields, same values where they are not ids or times."""
    triggering, triggered, finished = (
        recorded(f"nautilus_ws_futures_algo_update_{status}.json")
        for status in ("triggering", "triggered", "finished")
    )
    with venue() as (running, client):
        running.exchange.set_price(DOGE, "0.13800")
        client.order(symbol=DOGE, side="SELL", type="MARKET", quantity="38")
        with stream(running, client.listen_key()) as ws:
            placed = client.algo(symbol=DOGE, side="BUY", type="STOP_MARKET", quantity="38",
                                 triggerPrice="0.13855",
                                 clientAlgoId="O-20251211-053131-TEST-000-1").body  # fmt: skip
            assert placed["algoStatus"] == "NEW" and placed["orderType"] == "STOP_MARKET"
            [new] = read(ws, 1)
            running.exchange.set_price(DOGE, "0.13850")  # not yet
            running.exchange.set_price(DOGE, "0.13856")
            events = read(ws, 6)
        assert kinds([new, *events]) == [
            "ALGO_UPDATE:NEW", "ALGO_UPDATE:TRIGGERING", "ALGO_UPDATE:TRIGGERED",
            "ORDER_TRADE_UPDATE:NEW", "ORDER_TRADE_UPDATE:TRADE", "ACCOUNT_UPDATE:ORDER",
            "ALGO_UPDATE:FINISHED",
        ]  # fmt: skip
        ours = {"TRIGGERING": events[0], "TRIGGERED": events[1], "FINISHED": events[5]}
        theirs = {"TRIGGERING": triggering, "TRIGGERED": triggered, "FINISHED": finished}
        ids_and_times = {"aid", "ai", "tt", "ap"}
        for status, real in theirs.items():
            mine = ours[status]
            assert list(mine) == list(real) and list(mine["o"]) == list(real["o"]), status
            same = {k: v for k, v in real["o"].items() if k not in ids_and_times}
            assert {k: mine["o"][k] for k in same} == same, status
            assert mine["o"]["aid"] == placed["algoId"]
        order = events[3]["o"]
        assert events[1]["o"]["ai"] == str(order["i"]) == events[5]["o"]["ai"]
        assert order["c"] == "O-20251211-053131-TEST-000-1"  # the algo order's client id
        assert (order["o"], order["ot"], order["sp"]) == ("MARKET", "STOP_MARKET", "0.13855")
        assert events[5]["o"]["ap"] == "0.13856" and events[5]["o"]["aq"] == "38"
        assert events[0]["o"]["tt"] > 0 and events[0]["o"]["tt"] == events[5]["o"]["tt"]
        queried = client.call("GET", "/fapi/v1/algoOrder", {"algoId": placed["algoId"]}).body
        assert queried["algoStatus"] == "FINISHED" and queried["actualOrderId"] == order_id(order)
        assert client.call("GET", "/fapi/v1/openAlgoOrders").body == []
        assert client.call("GET", "/fapi/v3/positionRisk").body == []  # the short is closed
        late = client.call("DELETE", "/fapi/v1/algoOrder", {"algoId": placed["algoId"]})
        assert late.code == -2011  # triggered: no longer cancellable


def order_id(order: dict[str, Any]) -> str:
    return str(order["i"])


def test_protection_that_fires_while_flat_expires_and_a_cancel_is_reported() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        stop = client.algo(symbol=BTC, side="SELL", type="STOP_MARKET", triggerPrice="29000",
                           closePosition="true", clientAlgoId="sl-1").body  # fmt: skip
        take = client.algo(symbol=BTC, side="SELL", type="TAKE_PROFIT_MARKET",
                           triggerPrice="31000", quantity="0.01", reduceOnly="true",
                           clientAlgoId="tp-1").body  # fmt: skip
        listed = client.call("GET", "/fapi/v1/openAlgoOrders", {"symbol": BTC}).body
        assert [a["clientAlgoId"] for a in listed] == ["sl-1", "tp-1"]
        with stream(running, client.listen_key()) as ws:
            client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.01")  # exit by hand
            read(ws, 3)
            running.exchange.set_price(BTC, "28900")
            expired = read(ws, 2)
            cancelled = client.call("DELETE", "/fapi/v1/algoOrder", {"clientAlgoId": "tp-1"})
            [cancel_event] = read(ws, 1)
        assert kinds(expired) == ["ALGO_UPDATE:TRIGGERING", "ALGO_UPDATE:EXPIRED"]
        assert expired[1]["o"]["caid"] == "sl-1" and expired[1]["o"]["rm"] == "Reduce Only reject"
        assert expired[1]["o"]["cp"] is True and expired[1]["o"]["ai"] == ""
        assert cancelled.body == {"algoId": take["algoId"], "clientAlgoId": "tp-1",
                                  "code": "200", "msg": "success"}  # fmt: skip
        assert kinds([cancel_event]) == ["ALGO_UPDATE:CANCELED"]
        assert [a.status for a in running.exchange.algo_orders()] == ["EXPIRED", "CANCELED"]
        assert stop["algoId"] != take["algoId"]
        assert len(running.exchange.orders()) == 2  # no order from the expired stop


def test_funding_is_reported_as_account_update_funding_fee() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        running.exchange.set_price(DOGE, "0.2")
        client.call("POST", "/fapi/v1/marginType", {"symbol": DOGE, "marginType": "ISOLATED"})
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        client.order(symbol=DOGE, side="SELL", type="MARKET", quantity="100")
        with stream(running, client.listen_key()) as ws:
            assert float(running.exchange.settle_funding(BTC, "0.0001")) == pytest.approx(-0.03)
            assert float(running.exchange.settle_funding(DOGE, "0.0001")) == pytest.approx(0.002)
            cross, isolated = read(ws, 2)
        assert cross["a"]["m"] == "FUNDING_FEE" and cross["a"]["P"] == []
        assert cross["a"]["B"][0]["bc"] == "-0.03000000"
        [position] = isolated["a"]["P"]
        assert (position["s"], position["mt"], position["iw"]) == (DOGE, "isolated", "1.00200000")


def test_an_expired_listen_key_ends_its_streams() -> None:
    now = [1_750_000_000_000]
    with venue(clock=lambda: now[0]) as (running, client):
        client.clock = lambda: now[0]
        key = client.listen_key()
        with stream(running, key) as ws:
            running.exchange.fault(ListenKeyExpiry())
            [expired] = read_until_closed(ws)
        assert expired["e"] == "listenKeyExpired" and expired["listenKey"] == key
        assert int(expired["E"]) == now[0]
        assert client.call("PUT", "/fapi/v1/listenKey", signed=False).code == -1125
        with connect(running.user_stream_url(key)) as refused, pytest.raises(ConnectionClosed):
            refused.recv(timeout=3)
        fresh = client.listen_key()
        assert fresh != key
        with stream(running, fresh) as ws:
            now[0] += 59 * 60_000
            assert client.call("PUT", "/fapi/v1/listenKey", signed=False).status == 200
            now[0] += 61 * 60_000  # an hour without a keepalive
            running.exchange.set_price(BTC, "30000")
            [expired] = read_until_closed(ws)
        assert expired["e"] == "listenKeyExpired"
        visits = running.exchange.stream_visits
        assert [v.refused for v in visits] == [False, True, False]
        deadline = time.monotonic() + 3  # the server notes the close once it is through
        while any(v.closed_ms is None for v in visits) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert all(v.closed_ms is not None for v in visits)


def test_a_stream_dropped_during_a_fill_loses_that_fill() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        key = client.listen_key()
        with stream(running, key) as ws:
            running.exchange.fault(StreamDropOnFill())
            placed = client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01").body
            lost = read_until_closed(ws)
        assert kinds(lost) == ["ORDER_TRADE_UPDATE:NEW"]  # then the socket closed
        [trade] = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC}).body
        assert trade["orderId"] == placed["orderId"]  # REST still knows the fill
        [position] = client.call("GET", "/fapi/v3/positionRisk").body
        assert position["positionAmt"] == "0.01"
        with stream(running, key) as again:  # the key is still valid
            client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.01")
            later = read(again, 3)
        assert kinds(later)[1:] == ["ORDER_TRADE_UPDATE:TRADE", "ACCOUNT_UPDATE:ORDER"]
        first, second = running.exchange.stream_visits
        assert first.events == ["ORDER_TRADE_UPDATE"] and len(second.events) == 3


def test_streams_are_served_only_at_the_private_route_with_a_live_key() -> None:
    assert listen_key_of("/private/ws?listenKey=abc") == "abc"
    assert listen_key_of("/private/ws/abc") == "abc"
    assert listen_key_of("/ws/abc") is None and listen_key_of("/private/stream") is None
    with venue() as (running, client):
        key = client.listen_key()
        with (
            connect(f"{running.ws_url}/private/ws?listenKey=unknown") as ws,
            pytest.raises(ConnectionClosed),
        ):
            ws.recv(timeout=3)
        running.exchange.set_price(BTC, "30000")
        with connect(f"{running.ws_url}/private/ws/{key}") as ws:
            deadline = time.monotonic() + 3
            while running.exchange.streams.connected() < 1 and time.monotonic() < deadline:
                time.sleep(0.002)
            client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.001")
            assert kinds(read(ws, 1)) == ["ORDER_TRADE_UPDATE:NEW"]
