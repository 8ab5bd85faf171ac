"""The fake venue's conditional orders through `/fapi/v1/algoOrder`: which way each type
fires, trailing stops, the limit variants, margin checked only when they fire, and the
placement checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.data.adapters.binance.venue_client import Signed, venue

BTC = "BTCUSDT"


def algo_status(client: Signed, client_algo_id: str) -> str:
    answer = client.call("GET", "/fapi/v1/algoOrder", {"clientAlgoId": client_algo_id})
    status: str = answer.body["algoStatus"]
    return status


@pytest.mark.parametrize(
    ("side", "order_type", "trigger", "quiet", "firing"),
    [
        ("SELL", "STOP_MARKET", "29000", "29001", "29000"),
        ("BUY", "STOP_MARKET", "31000", "30999", "31000"),
        ("SELL", "TAKE_PROFIT_MARKET", "31000", "30999", "31000"),
        ("BUY", "TAKE_PROFIT_MARKET", "29000", "29001", "29000"),
    ],
)
def test_each_type_fires_on_its_side_of_the_trigger(
    side: str, order_type: str, trigger: str, quiet: str, firing: str
) -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        entry = "BUY" if side == "SELL" else "SELL"
        client.order(symbol=BTC, side=entry, type="MARKET", quantity="0.01")
        placed = client.algo(symbol=BTC, side=side, type=order_type, quantity="0.01",
                             triggerPrice=trigger, reduceOnly="true", clientAlgoId="p")  # fmt: skip
        assert placed.status == 200, placed.body
        running.exchange.set_price(BTC, quiet)
        assert algo_status(client, "p") == "NEW"
        running.exchange.set_price(BTC, firing)
        assert algo_status(client, "p") == "FINISHED"
        assert running.exchange.positions() == []
        actual = running.exchange.orders()[-1]
        assert (actual.client_order_id, actual.orig_type, actual.reduce_only) == (
            "p", order_type, True
        )  # fmt: skip


def test_a_trailing_stop_activates_follows_the_best_price_and_fires_on_the_callback() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        early = client.algo(symbol=BTC, side="SELL", type="TRAILING_STOP_MARKET",
                            quantity="0.01", activatePrice="29000", callbackRate="1")  # fmt: skip
        assert early.code == -2021  # a sell trailing stop activates above the price
        placed = client.algo(symbol=BTC, side="SELL", type="TRAILING_STOP_MARKET",
                             quantity="0.01", activatePrice="30500", callbackRate="1",
                             reduceOnly="true", clientAlgoId="trail").body  # fmt: skip
        assert placed["activatePrice"] == "30500" and placed["callbackRate"] == "1"
        for price in ("30400", "29000"):  # not active yet: no trigger on the way down
            running.exchange.set_price(BTC, price)
        assert algo_status(client, "trail") == "NEW"
        for price in ("30500", "31000", "30700"):  # active at 30500, best 31000, 1 % is 30690
            running.exchange.set_price(BTC, price)
        assert algo_status(client, "trail") == "NEW"
        running.exchange.set_price(BTC, "30690")
        assert algo_status(client, "trail") == "FINISHED"
        exit_trade = running.exchange.trades()[-1]
        assert exit_trade.price == Decimal(30690) and exit_trade.side == "SELL"
        bad_rate = client.algo(symbol=BTC, side="BUY", type="TRAILING_STOP_MARKET",
                               quantity="0.01", callbackRate="20")  # fmt: skip
        assert bad_rate.code == -1102


def test_a_stop_limit_places_a_resting_limit_and_finishes_when_it_fills() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        assert client.algo(symbol=BTC, side="SELL", type="STOP", quantity="0.01",
                           triggerPrice="29500").code == -1102  # no price  # fmt: skip
        client.algo(symbol=BTC, side="SELL", type="STOP", quantity="0.01", triggerPrice="29500",
                    price="29600", reduceOnly="true", clientAlgoId="sl")  # fmt: skip
        running.exchange.set_price(BTC, "29500")  # fires; the sell limit at 29600 rests
        assert algo_status(client, "sl") == "TRIGGERED"
        [resting] = client.call("GET", "/fapi/v1/openOrders", {"symbol": BTC}).body
        assert (resting["type"], resting["origType"], resting["price"]) == (
            "LIMIT",
            "STOP",
            "29600",
        )
        assert resting["clientOrderId"] == "sl" and resting["stopPrice"] == "29500"
        running.exchange.set_price(BTC, "29600")
        queried = client.call("GET", "/fapi/v1/algoOrder", {"clientAlgoId": "sl"}).body
        assert queried["algoStatus"] == "FINISHED" and queried["actualQty"] == "0.01"
        assert queried["actualPrice"] == "29600" and queried["actualType"] == "LIMIT"
        assert running.exchange.trades()[-1].maker


def test_margin_is_checked_only_when_an_opening_stop_fires() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        placed = client.algo(symbol=BTC, side="BUY", type="STOP_MARKET", quantity="1",
                             triggerPrice="31000", clientAlgoId="breakout")  # fmt: skip
        assert placed.status == 200  # 31,000 USDT at 20x is more than the 1,000 wallet
        running.exchange.set_price(BTC, "31000")
        [algo] = running.exchange.algo_orders()
        assert (algo.status, algo.reason) == ("REJECTED", "Margin is insufficient.")
        assert running.exchange.orders() == []


def test_placement_checks_of_conditional_orders() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        base = {"symbol": BTC, "side": "SELL", "type": "STOP_MARKET", "triggerPrice": "29000"}
        assert client.algo(**base).code == -1102  # neither quantity nor closePosition
        assert client.algo(**base, quantity="0.01", closePosition="true").code == -1106
        assert client.algo(**base, quantity="0.0001").code == -1111
        assert client.algo(**base, quantity="0.01", clientAlgoId="same").status == 200
        assert client.algo(**base, quantity="0.01", clientAlgoId="same").code == -4116
        wrong_type = client.call("POST", "/fapi/v1/algoOrder", {**base, "quantity": "0.01",
                                 "algoType": "VP"})  # fmt: skip
        assert wrong_type.code == -1130
        for _ in range(9):
            client.algo(**base, quantity="0.01")
        assert client.algo(**base, quantity="0.01").code == -4045  # 10 per symbol
        assert len(client.call("GET", "/fapi/v1/openAlgoOrders").body) == 10
        done = client.call("DELETE", "/fapi/v1/algoOpenOrders", {"symbol": BTC}).body
        assert done["code"] == 200 and running.exchange.open_algo_orders() == []
