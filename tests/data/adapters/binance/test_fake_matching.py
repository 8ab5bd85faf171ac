"""The fake venue's matching against REAL replayed prices: a session of entries, resting
limits and protection over recorded DOGEUSDT closes whose every fill is accounted for on
the stream and over REST; fills in several trades; reduce-only and FOK limits."""

from __future__ import annotations

import csv
from decimal import Decimal
from itertools import islice
from typing import Any

from tests.conftest import REAL
from tests.data.adapters.binance.venue_client import Signed, read, stream, venue

DOGE = "DOGEUSDT"
BTC = "BTCUSDT"
DOGE_1M = REAL / "klines" / "um" / "DOGEUSDT" / "1m.csv"


def closes(count: int) -> list[tuple[int, str]]:
    """The first `count` recorded DOGEUSDT 1m closes, with their close times."""
    with open(DOGE_1M, newline="", encoding="utf-8") as rows:
        return [
            (int(r["open_time"]) + 59_999, r["close"]) for r in islice(csv.DictReader(rows), count)
        ]


def test_a_session_on_recorded_prices_accounts_for_every_fill() -> None:
    prices = closes(600)
    now = [prices[0][0]]  # the venue's clock follows the replay
    with venue(balance="500", clock=lambda: now[0]) as (running, client):
        client.clock = lambda: now[0]
        running.exchange.set_price(DOGE, prices[0][1])
        with stream(running, client.listen_key()) as ws:
            for minute, (when, close) in enumerate(prices[1:], start=1):
                now[0] = when
                if minute % 30 == 0:  # a keepalive every 30 minutes, as clients do
                    client.call("PUT", "/fapi/v1/listenKey", signed=False)
                running.exchange.set_price(DOGE, close)
                if minute % 60 == 1:
                    trade_an_hour(client, Decimal(close), "BUY" if minute % 120 == 1 else "SELL")
            trades = client.call("GET", "/fapi/v1/userTrades", {"symbol": DOGE, "limit": 1000})
            sent = len(running.exchange.stream_visits[0].events)
            events = read(ws, sent)
        fills = trades.body
        assert len(fills) >= 10 and len(fills) == len(running.exchange.trades())
        assert {t["maker"] for t in fills} == {True, False}  # resting limits filled too
        pnl = sum(Decimal(t["realizedPnl"]) for t in fills)
        fees = sum(Decimal(t["commission"]) for t in fills)
        [balance] = client.call("GET", "/fapi/v3/balance").body
        assert Decimal(balance["balance"]) == Decimal(500) + pnl - fees
        signed = sum(Decimal(t["qty"]) * (1 if t["side"] == "BUY" else -1) for t in fills)
        rows = client.call("GET", "/fapi/v3/positionRisk", {"symbol": DOGE}).body
        assert sum(Decimal(r["positionAmt"]) for r in rows) == signed
        streamed = [e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE"]
        traded = [o["t"] for o in streamed if o["x"] == "TRADE"]
        assert traded == [t["id"] for t in fills]
        updates = [e for e in events if e["e"] == "ACCOUNT_UPDATE"]
        assert len(updates) == len(fills)
        assert updates[-1]["a"]["B"][0]["wb"] == balance["balance"]
        assert all(prices[0][0] <= t["time"] <= prices[-1][0] for t in fills)
        statuses = {a.status for a in running.exchange.algo_orders()}
        assert "FINISHED" in statuses and statuses <= {"NEW", "CANCELED", "FINISHED", "EXPIRED"}


def trade_an_hour(client: Signed, price: Decimal, side: str) -> None:
    """Close what is held, then enter on `side` with a market order, a limit 0.5 % away
    to add, and a 1 % close-position stop."""
    exit_side = "SELL" if side == "BUY" else "BUY"
    for symbol_wide in ("/fapi/v1/algoOpenOrders", "/fapi/v1/allOpenOrders"):
        client.call("DELETE", symbol_wide, {"symbol": DOGE})
    for row in client.call("GET", "/fapi/v3/positionRisk", {"symbol": DOGE}).body:
        held = Decimal(row["positionAmt"])
        client.order(symbol=DOGE, side="SELL" if held > 0 else "BUY", type="MARKET",
                     quantity=str(abs(held)), reduceOnly="true")  # fmt: skip
    client.order(symbol=DOGE, side=side, type="MARKET", quantity="100")
    tick = Decimal("0.00001")
    away, stop = (Decimal("0.995"), Decimal("0.99")) if side == "BUY" else (
        Decimal("1.005"), Decimal("1.01"))  # fmt: skip
    client.order(symbol=DOGE, side=side, type="LIMIT", timeInForce="GTC", quantity="50",
                 price=str((price * away).quantize(tick)))  # fmt: skip
    client.algo(symbol=DOGE, side=exit_side, type="STOP_MARKET", closePosition="true",
                triggerPrice=str((price * stop).quantize(tick)))  # fmt: skip


def test_a_taker_fill_can_come_in_several_trades() -> None:
    with venue(fill_chunks=3) as (running, client):
        running.exchange.set_price(BTC, "30000")
        with stream(running, client.listen_key()) as ws:
            client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010")
            events: list[dict[str, Any]] = read(ws, 7)
        trades = [
            e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE"
        ]
        assert [(o["l"], o["z"], o["X"]) for o in trades] == [
            ("0.003", "0.003", "PARTIALLY_FILLED"),
            ("0.003", "0.006", "PARTIALLY_FILLED"),
            ("0.004", "0.01", "FILLED"),
        ]
        assert len({o["t"] for o in trades}) == 3


def test_reduce_only_fills_at_most_the_position_and_fok_fills_all_or_nothing() -> None:
    with venue() as (running, client):
        running.exchange.set_price(BTC, "30000")
        client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.01")
        capped = client.order(symbol=BTC, side="SELL", type="MARKET", quantity="0.05",
                              reduceOnly="true", newOrderRespType="RESULT").body  # fmt: skip
        assert (capped["status"], capped["executedQty"]) == ("EXPIRED", "0.01")
        assert running.exchange.positions() == []
        fok = client.order(symbol=BTC, side="BUY", type="LIMIT", timeInForce="FOK",
                           quantity="0.01", price="29000",
                           newOrderRespType="RESULT").body  # fmt: skip
        assert fok["status"] == "EXPIRED" and fok["executedQty"] == "0"
        resting = client.order(symbol=BTC, side="SELL", type="LIMIT", timeInForce="GTC",
                               quantity="0.01", price="30500", reduceOnly="true")  # fmt: skip
        assert resting.code == -2022  # nothing to reduce
