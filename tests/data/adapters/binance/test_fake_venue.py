"""A whole fake Binance (`FakeVenue`): REST and WebSocket on ephemeral ports with the
venue attached to the market fakes — paced REAL candles move the venue's prices, a REAL
capture's streams and the user stream share one WebSocket server."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from scalplab.data.adapters.binance.config import route_of
from scalplab.data.adapters.binance.fake import FakeBinanceWs, load_capture, running
from scalplab.data.adapters.binance.fake_live import PacedKlines
from scalplab.data.adapters.binance.fake_rest import ReplayState
from scalplab.data.adapters.binance.fake_rest_data import INTERVAL_MS, load_kline_rows
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from tests.data.adapters.binance.recorded import WS
from tests.data.adapters.binance.venue_client import Signed, exchange, read, stream
from tests.data.conftest import BTC_1M

BTC = "BTCUSDT"


def test_paced_candles_move_the_venues_prices_and_fill_its_orders() -> None:
    rows = load_kline_rows(BTC_1M, INTERVAL_MS["1m"])[:4]
    closes = [Decimal(str(r[4])) for r in rows]
    paced = PacedKlines({BTC: rows}, int(rows[0][0]), minute_s=0.05, minutes=4)
    with FakeVenue(exchange(), market=paced) as venue:
        client = Signed(venue.rest_url)
        venue.exchange.set_price(BTC, closes[0])
        lowest, highest = min(closes[1:]), max(closes[1:])
        if lowest < closes[0]:
            side, price = "BUY", lowest
        else:
            side, price = "SELL", highest
        placed = client.order(symbol=BTC, side=side, type="LIMIT", timeInForce="GTC",
                              quantity="0.01", price=str(price))  # fmt: skip
        assert placed.body["status"] == "NEW"
        with (
            stream(venue, client.listen_key()) as user,
            connect(f"{venue.ws_url}/market/stream?streams=btcusdt@kline_1m") as market,
        ):
            klines = [json.loads(market.recv(timeout=3)) for _ in range(4)]
            events = read(user, 2)
        assert [Decimal(k["data"]["k"]["c"]) for k in klines] == closes
        assert venue.exchange.price(BTC) == closes[-1]
        assert [e["e"] for e in events] == ["ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"]
        fill = events[0]["o"]
        assert fill["x"] == "TRADE" and fill["m"] is True and Decimal(fill["L"]) == price
        sent_at = set(paced.sent_at.values())
        assert fill["T"] in sent_at  # stamped with the kline's sending time


def test_a_capture_and_the_user_stream_share_one_websocket_server() -> None:
    messages = load_capture(WS / "combined_stream_um_2021-07-22.jsonl")[:20]
    market = FakeBinanceWs(messages)
    state = ReplayState()
    with FakeVenue(exchange(), state=state, market=market) as venue:
        assert state.exchange is venue.exchange and market.exchange is venue.exchange
        assert market.base == venue.ws_url
        client = Signed(venue.rest_url)
        key = client.listen_key()
        streams = "/".join(sorted({json.loads(m)["stream"] for m in messages}))
        with connect(f"{venue.ws_url}/market/stream?streams={streams}") as ws:
            first = json.loads(ws.recv(timeout=3))
        on_market = [m for m in messages if route_of(json.loads(m)["stream"]) == "market"]
        assert first == json.loads(on_market[0])
        with stream(venue, key) as user:
            venue.exchange.set_price(BTC, "30000")
            client.order(symbol=BTC, side="BUY", type="MARKET", quantity="0.001")
            assert [e["e"] for e in read(user, 3)][-1] == "ACCOUNT_UPDATE"
        assert [v.route for v in market.visits] == ["market", "private"]
        assert client.call("GET", "/fapi/v1/time", signed=False).status == 200


def test_the_capture_fake_refuses_private_connections_without_a_venue() -> None:
    async def scenario() -> None:
        fake = FakeBinanceWs([])
        async with running(fake):
            async with async_connect(f"{fake.base}/private/ws?listenKey=x") as ws:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 3)
            venue = exchange()
            fake.exchange = venue
            key = venue.streams.create()
            async with async_connect(f"{fake.base}/private/ws?listenKey={key}") as ws:
                while venue.streams.connected() == 0:
                    await asyncio.sleep(0.005)
                venue.set_price(BTC, "30000")
                venue.streams.close()
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 3)

    asyncio.run(scenario())


def test_a_venue_stops_its_servers_when_the_block_ends() -> None:
    with FakeVenue() as venue:
        rest, ws = venue.rest_url, venue.ws_url
        assert venue.exchange.api_key == "fake-api-key"
    with pytest.raises(OSError):
        connect(ws, open_timeout=1)
    assert rest.startswith("http://127.0.0.1:")
