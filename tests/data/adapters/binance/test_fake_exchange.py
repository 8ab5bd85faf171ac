"""The fake venue's REST side, driven by plain signed HTTP requests through the REST fake
(`ReplayServer` with `ReplayState.exchange`): request verification, order placement and
matching, Binance's refusals, order limits, account settings, listenKeys, and the
account's answers agreeing with each other."""

from __future__ import annotations

import time
from decimal import Decimal

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from tests.data.adapters.binance.venue_client import KEY, SECRET, Signed, exchange, venue

BTC = "BTCUSDT"
DOGE = "DOGEUSDT"


def test_every_signed_request_is_verified_as_binance_does() -> None:
    with venue() as (running, client):
        ok = client.call("GET", "/fapi/v3/balance")
        assert ok.status == 200 and ok.body[0]["asset"] == "USDT"
        assert client.call("GET", "/fapi/v3/balance", key="").code == -2014
        wrong_key = client.call("GET", "/fapi/v3/balance", key="someone-else")
        assert (wrong_key.status, wrong_key.code) == (401, -2015)
        wrong_secret = client.call("GET", "/fapi/v3/balance", secret="not-the-secret")
        assert (wrong_secret.status, wrong_secret.code) == (400, -1022)
        now = client.clock()
        assert client.call("GET", "/fapi/v3/balance", timestamp=now - 6000).code == -1021
        assert client.call("GET", "/fapi/v3/balance", timestamp=now + 2000).code == -1021
        unsigned = client.call("GET", "/fapi/v3/balance", signed=False)
        assert unsigned.code == -1102  # no timestamp
        # the signature covers the body exactly as sent, in the query or the body
        running.exchange.set_price(BTC, "30000")
        in_query = client.call("POST", "/fapi/v1/order", {"symbol": BTC, "side": "BUY",
                               "type": "MARKET", "quantity": "0.001"}, in_body=False)  # fmt: skip
        assert in_query.status == 200
        # the venue's clock runs 10 s behind: the client's timestamps are ahead, until it
        # takes the venue's time (`/fapi/v1/time`) as its own
        running.exchange.clock_offset_ms = -10_000
        assert client.call("GET", "/fapi/v3/balance").code == -1021
        server_ms = client.call("GET", "/fapi/v1/time", signed=False).body["serverTime"]
        offset = server_ms - client.clock()
        assert abs(offset + 10_000) < 2000
        client.clock = lambda: int(time.time() * 1000) + offset
        assert client.call("GET", "/fapi/v3/balance").status == 200
        logged = repr(running.exchange.requests()) + repr(running.exchange)
        assert SECRET not in logged and KEY not in logged and "signature" not in logged
        assert [r.code for r in running.exchange.requests("/fapi/v3/balance")] == [
            None, -2014, -2015, -1022, -1021, -1021, -1102, -1021, None,
        ]  # fmt: skip


def test_a_market_entry_fills_and_the_account_answers_agree() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        ack = client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01",
                           newClientOrderId="entry-1")  # fmt: skip
        assert ack.body["status"] == "NEW" and ack.body["executedQty"] == "0"  # ACK
        assert ack.body["clientOrderId"] == "entry-1" and ack.body["cumQty"] == "0"
        queried = client.call("GET", "/fapi/v1/order", {"symbol": BTC,
                              "origClientOrderId": "entry-1"}).body  # fmt: skip
        assert queried["status"] == "FILLED" and queried["avgPrice"] == "30000"
        assert queried["executedQty"] == "0.01" and queried["orderId"] == ack.body["orderId"]
        running.exchange.set_price(BTC, "30100")
        [position] = client.call("GET", "/fapi/v3/positionRisk", {"symbol": BTC}).body
        assert position["positionAmt"] == "0.01" and position["entryPrice"] == "30000"
        assert position["unRealizedProfit"] == "1.00000000"
        assert position["positionSide"] == "BOTH" and position["markPrice"] == "30100"
        assert position["positionInitialMargin"] == "15.05000000"  # 0.01 × 30100 / 20
        [trade] = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC}).body
        assert trade["commission"] == "0.15000000" and trade["maker"] is False
        assert trade["orderId"] == ack.body["orderId"] and trade["realizedPnl"] == "0.00000000"
        [balance] = client.call("GET", "/fapi/v3/balance").body
        assert balance["balance"] == "999.85000000"  # the taker fee, 0.05 %
        assert balance["crossUnPnl"] == "1.00000000"
        assert Decimal(balance["availableBalance"]) == Decimal("999.85") + 1 - Decimal("15.05")

        closed = client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.01",
                              reduceOnly="true", newOrderRespType="RESULT")  # fmt: skip
        assert closed.body["status"] == "FILLED" and closed.body["avgPrice"] == "30100"
        trades = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC}).body
        assert [t["realizedPnl"] for t in trades] == ["0.00000000", "1.00000000"]
        assert client.call("GET", "/fapi/v3/positionRisk").body == []
        [balance] = client.call("GET", "/fapi/v3/balance").body
        assert (
            Decimal(balance["balance"]) == Decimal(1000) - Decimal("0.15") - Decimal("0.1505") + 1
        )
        assert running.exchange.wallet_balance == Decimal(balance["balance"])


def test_limit_orders_rest_and_fill_as_maker_when_the_price_touches_them() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        resting = client.order(symbol=BTC, side="BUY", type="LIMIT", timeInForce="GTC",
                               quantity="0.01", price="29900").body  # fmt: skip
        assert resting["status"] == "NEW"
        [listed] = client.call("GET", "/fapi/v1/openOrders", {"symbol": BTC}).body
        assert listed["orderId"] == resting["orderId"] and listed["price"] == "29900"
        [balance] = client.call("GET", "/fapi/v3/balance").body
        assert Decimal(balance["availableBalance"]) == 1000 - Decimal("14.95")  # held
        running.exchange.set_price(BTC, "29950")
        assert running.exchange.open_orders(BTC)
        running.exchange.set_price(BTC, "29900")
        assert running.exchange.open_orders(BTC) == []
        [trade] = running.exchange.trades(BTC)
        assert trade.maker and trade.price == Decimal(29900)
        assert trade.commission == Decimal("0.0598")  # maker fee 0.02 %
        ioc = client.order(symbol=BTC, side="BUY", type="LIMIT", timeInForce="IOC",
                           quantity="0.01", price="29000", newOrderRespType="RESULT")  # fmt: skip
        assert ioc.body["status"] == "EXPIRED" and ioc.body["executedQty"] == "0"
        crossing = client.order(symbol=BTC, side="SELL", type="LIMIT", timeInForce="GTC",
                                quantity="0.01", price="29000",
                                newOrderRespType="RESULT").body  # fmt: skip
        assert crossing["status"] == "FILLED" and crossing["avgPrice"] == "29900"  # taker
        cancelled = client.order(symbol=BTC, side="SELL", type="LIMIT", timeInForce="GTC",
                                 quantity="0.01", price="31000").body  # fmt: skip
        gone = client.call("DELETE", "/fapi/v1/order", {"symbol": BTC,
                           "orderId": cancelled["orderId"]}).body  # fmt: skip
        assert gone["status"] == "CANCELED"
        again = client.call("DELETE", "/fapi/v1/order", {"symbol": BTC,
                            "orderId": cancelled["orderId"]})  # fmt: skip
        assert again.code == -2011


def test_orders_binance_would_refuse_are_refused_with_its_codes() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        running.exchange.set_price(DOGE, "0.2")

        def code(**params: object) -> int | None:
            return client.order(**params).code

        market = {"side": "BUY", "type": "MARKET"}
        assert code(symbol=BTC, side="SELL", type="STOP_MARKET", quantity="0.01",
                    stopPrice="29000") == -4120  # fmt: skip
        assert code(symbol=BTC, side="BUY", type="LIMIT", timeInForce="GTX",
                    quantity="0.01", price="30001") == -5022  # fmt: skip
        assert code(symbol=DOGE, quantity="10", **market) == -4164  # 2 USDT < 5
        assert code(symbol=BTC, quantity="0.0001", **market) == -1111
        assert code(symbol=BTC, side="BUY", type="LIMIT", timeInForce="GTC",
                    quantity="0.01", price="29000.005") == -1111  # fmt: skip
        assert code(symbol=BTC, quantity="1", **market) == -2019  # 30,000 at 20x > 1,000
        assert code(symbol=BTC, side="SELL", type="MARKET", quantity="0.01",
                    reduceOnly="true") == -2022  # flat  # fmt: skip
        assert code(symbol=BTC, quantity="0.01", newClientOrderId="bad id!", **market) == -4015
        assert code(symbol="NOPEUSDT", quantity="1", **market) == -1121
        limit = {"symbol": BTC, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                 "quantity": "0.01", "price": "29000", "newClientOrderId": "dup-1"}  # fmt: skip
        assert client.order(**limit).status == 200
        assert code(**limit) == -4116  # duplicated among open orders
        client.call("DELETE", "/fapi/v1/order", {"symbol": BTC, "origClientOrderId": "dup-1"})
        assert client.order(**limit).status == 200  # only open orders are de-duplicated
        assert client.call("GET", "/fapi/v1/order", {"symbol": BTC,
                           "orderId": 1}).code == -2013  # fmt: skip
        would_trigger = client.algo(symbol=BTC, side="SELL", type="STOP_MARKET",
                                    quantity="0.01", triggerPrice="30500")  # fmt: skip
        assert would_trigger.code == -2021
        assert client.algo(symbol=BTC, side="SELL", type="LIMIT", quantity="0.01").code == -1116
        assert {o.client_order_id for o in running.exchange.orders()} == {"dup-1"}


def test_order_limits_answer_429_with_the_order_counts() -> None:
    now = [1_750_000_000_000]
    with venue(clock=lambda: now[0], orders_per_10s=3, orders_per_minute=5) as (running, client):
        client.clock = lambda: now[0]
        running.exchange.set_price(BTC, "30000")
        order = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "0.001"}
        counts = [client.order(**order).headers["X-MBX-ORDER-COUNT-10S"] for _ in range(3)]
        assert counts == ["1", "2", "3"]
        refused = client.order(**order)
        assert (refused.status, refused.code) == (429, -1015)
        assert "300" not in refused.body["msg"] and "TEN_SECONDS" in refused.body["msg"]
        assert refused.headers["X-MBX-ORDER-COUNT-10S"] == "3"
        assert refused.headers["Retry-After"] == "10"
        now[0] += 10_001
        accepted = client.order(**order)
        assert accepted.status == 200 and accepted.headers["X-MBX-ORDER-COUNT-1M"] == "4"
        assert client.order(**order).status == 200
        assert "MINUTE" in client.order(**order).body["msg"]  # 5 a minute
        assert len(running.exchange.orders()) == 5
        assert int(accepted.headers["X-MBX-USED-WEIGHT-1m"]) >= 0


def test_leverage_margin_type_and_position_mode() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        lever = client.call("POST", "/fapi/v1/leverage", {"symbol": BTC, "leverage": 5}).body
        assert lever == {"leverage": 5, "maxNotionalValue": "1000000", "symbol": BTC}
        assert client.call("POST", "/fapi/v1/leverage", {"symbol": BTC,
                           "leverage": 200}).code == -4028  # fmt: skip
        isolated = {"symbol": BTC, "marginType": "ISOLATED"}
        assert client.call("POST", "/fapi/v1/marginType", isolated).body["code"] == 200
        assert client.call("POST", "/fapi/v1/marginType", isolated).code == -4046
        [config] = client.call("GET", "/fapi/v1/symbolConfig", {"symbol": BTC}).body
        assert (config["marginType"], config["leverage"]) == ("ISOLATED", 5)
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.1")
        [position] = client.call("GET", "/fapi/v3/positionRisk").body
        assert position["isolatedWallet"] == "600.00000000"  # 0.1 × 30000 / 5
        [balance] = client.call("GET", "/fapi/v3/balance").body
        assert Decimal(balance["crossWalletBalance"]) == Decimal(balance["balance"]) - 600
        crossed = {"symbol": BTC, "marginType": "CROSSED"}
        assert client.call("POST", "/fapi/v1/marginType", crossed).code == -4048
        assert client.call("GET", "/fapi/v1/positionSide/dual").body == {"dualSidePosition": False}
        hedge = {"dualSidePosition": "true"}
        assert client.call("POST", "/fapi/v1/positionSide/dual", hedge).code == -4068
        client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.1", reduceOnly="true")
        assert client.call("POST", "/fapi/v1/positionSide/dual", hedge).body["code"] == 200
        assert client.call("POST", "/fapi/v1/positionSide/dual", hedge).code == -4059
        one_way = client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        assert one_way.code == -4061  # hedge mode wants LONG or SHORT
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01", positionSide="LONG")
        client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.02",
                     positionSide="SHORT")  # fmt: skip
        rows = client.call("GET", "/fapi/v3/positionRisk").body
        assert [(r["positionSide"], r["positionAmt"]) for r in rows] == [
            ("LONG", "0.01"), ("SHORT", "-0.02")
        ]  # fmt: skip
        over = client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.02",
                            positionSide="LONG")  # fmt: skip
        assert over.code == -2022


def test_listen_keys_need_the_api_key_and_expire_like_binance() -> None:
    with venue() as (_, client):
        key = client.listen_key()
        assert client.listen_key() == key  # the active key, extended
        kept = client.call("PUT", "/fapi/v1/listenKey", signed=False)
        assert kept.body == {"listenKey": key}
        assert client.call("POST", "/fapi/v1/listenKey", signed=False, key="x").code == -2015
        assert client.call("DELETE", "/fapi/v1/listenKey", signed=False).body == {}
        assert client.call("PUT", "/fapi/v1/listenKey", signed=False).code == -1125
        assert client.listen_key() != key


def test_user_trades_page_by_id_time_and_order() -> None:
    now = [1_750_000_000_000]
    with venue(clock=lambda: now[0]) as (running, client):
        client.clock = lambda: now[0]
        running.exchange.set_price(BTC, "30000")
        ids = []
        for _ in range(5):
            ids.append(client.order(symbol=BTC, side="BUY", type="MARKET",
                                    quantity="0.001").body["orderId"])  # fmt: skip
            now[0] += 1000
        trades = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC}).body
        assert [t["orderId"] for t in trades] == ids
        first = trades[0]["id"]
        page = client.call("GET", "/fapi/v1/userTrades",
                           {"symbol": BTC, "fromId": first + 2, "limit": 2}).body  # fmt: skip
        assert [t["id"] for t in page] == [first + 2, first + 3]
        last = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC, "limit": 2}).body
        assert [t["id"] for t in last] == [first + 3, first + 4]
        window = client.call(
            "GET",
            "/fapi/v1/userTrades",
            {"symbol": BTC, "startTime": trades[1]["time"], "endTime": trades[2]["time"]},
        )
        assert [t["id"] for t in window.body] == [first + 1, first + 2]
        one = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC, "orderId": ids[4]})
        assert [t["orderId"] for t in one.body] == [ids[4]]
        both = client.call("GET", "/fapi/v1/userTrades", {"symbol": BTC, "fromId": first,
                           "startTime": trades[0]["time"]})  # fmt: skip
        assert both.code == -1128


def test_the_rest_fakes_faults_apply_to_trading_endpoints_too() -> None:
    state = ReplayState()
    state.exchange = exchange()
    state.exchange.set_price(BTC, "30000")
    state.fail_next("order", Fault(503, '{"code":-1001,"msg":"Internal error"}'))
    with ReplayServer(state) as server:
        client = Signed(server.base_url)
        order = {"symbol": BTC, "side": "BUY", "type": "MARKET", "quantity": "0.001"}
        assert client.order(**order).status == 503
        assert state.exchange.orders() == []
        assert client.order(**order).status == 200
        assert state.requests_to("order")[0]["symbol"] == BTC


def test_a_venue_without_the_exchange_info_derives_rules_from_the_first_price() -> None:
    with FakeVenue(FakeExchange(KEY, SECRET, balance="1000")) as running:
        client = Signed(running.rest_url)
        assert client.order(symbol="CTK1USDT", side="BUY", type="MARKET",
                            quantity="10").code == -1121  # no price: unknown  # fmt: skip
        running.exchange.set_price("CTK1USDT", "1.2345")
        done = client.order(symbol="CTK1USDT", side="BUY", type="MARKET", quantity="10",
                            newOrderRespType="RESULT")  # fmt: skip
        assert done.body["status"] == "FILLED"
        assert client.order(symbol="CTK1USDT", side="BUY", type="MARKET",
                            quantity="10.123").code == -1111  # step 0.01  # fmt: skip
