"""Live trading through the API, end to end, with the gate open: the engine's venue is
Binance (the fake: REST + WebSocket on loopback, REAL BTCUSDT klines on the market
stream, the REAL 2021 exchangeInfo rules), its ledger a database of its own.

A person's order goes to Binance under its client order id, fills, gets its stop-loss and
take-profit as algo orders; `/status/health` says what runs; the kill switch closes the
position on Binance; and neither the API key, the secret nor the API token appears in any
log line of the whole session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from scalplab.api.app import create_app
from scalplab.data.adapters.binance.fake import FakeBinanceWs
from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_klines import kline_messages
from scalplab.data.adapters.binance.fake_rest import ReplayState
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from tests.api.conftest import add_pair, api_client, wait_for_simulation
from tests.conftest import make_settings
from tests.data.adapters.binance.venue_client import EXCHANGE_INFO, KEY, SECRET
from tests.simulation.live_fakes import BTC_1M

FIRST = 1_750_204_800_000  # 2025-06-18 00:00 UTC
TOKEN = "live-test-token-7Hq2Zp9XwR4mN8vB"


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_a_live_session_trades_on_binance_and_never_logs_a_secret(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    state = ReplayState(exchange_info=EXCHANGE_INFO)
    rows = state.add_klines("BTCUSDT", "1m", BTC_1M)
    start = next(i for i, row in enumerate(rows) if int(row[0]) == FIRST)
    streamed = rows[start : start + 600]
    close = Decimal(str(streamed[0][4]))
    exchange = FakeExchange(KEY, SECRET, exchange_info=EXCHANGE_INFO, balance="5000")
    exchange.set_price("BTCUSDT", close)
    market = FakeBinanceWs(kline_messages({"BTCUSDT": streamed}, forming=True), interval=0.02)
    with FakeVenue(exchange, state=state, market=market) as fake:
        settings = make_settings(
            data_dir,
            REST_URL=fake.rest_url,
            WS_URL=fake.ws_url,
            TRADING_MODE="live",
            TRADING_APPROVED="true",
            BINANCE_API_KEY=KEY,
            BINANCE_API_SECRET=SECRET,
            API_TOKEN=TOKEN,
            LIVE_WARMUP_BARS=30,
            LIVE_CONNECT_TIMEOUT_S=5,
        )
        app = create_app(settings, web_dist=tmp_path / "no-dist")
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with api_client(app) as client:
            client.headers.update(auth)
            add_pair(client)
            health = client.get("/status/health").json()
            assert health["mode"] == "live" and health["venue"] == "binance"
            assert health["missing"] == []
            started = client.post("/simulation/start", json={"feed": "live"})
            assert started.status_code == 200, started.text
            assert client.get("/status/health").json()["live_venue"]["user_stream_connected"]
            wait_for_simulation(client, lambda status: status["candles_processed"] >= 2)

            buy = {
                "symbol": "BTCUSDT",
                "side": "buy",
                "type": "market",
                "qty": "0.01",
                "stop_loss": str(close - 800),
                "take_profit": str(close + 2600),
                "client_order_id": "live-api-entry-1",
            }
            unauthorised = client.post("/orders", json=buy, headers={"Authorization": "Bearer x"})
            assert unauthorised.status_code == 401
            placed = client.post("/orders", json=buy)
            assert placed.status_code == 201, placed.text
            wait_until(lambda: len(exchange.open_algo_orders()) == 2)
            assert [o.client_order_id for o in exchange.orders()] == ["live-api-entry-1"]
            order = client.get(f"/orders/{placed.json()['id']}").json()
            assert order["status"] == "filled"
            positions = client.get("/simulation/positions").json()
            assert len(positions) == 1 and float(positions[0]["qty"]) == 0.01
            assert float(exchange.position("BTCUSDT").amount) == 0.01
            venue = client.get("/status/health").json()["live_venue"]
            assert venue["orders_sent"] >= 3 and venue["fills"] >= 1

            halted = client.post("/trading/halt", json={"close_positions": True})
            assert halted.status_code == 200, halted.text
            wait_until(lambda: float(exchange.position("BTCUSDT").amount) == 0)
            wait_until(lambda: not exchange.open_algo_orders())
            wait_until(lambda: client.get("/simulation/positions").json() == [])
            again = client.post("/orders", json={**buy, "client_order_id": "live-api-entry-2"})
            assert again.status_code == 409  # halted: no new entry reaches Binance
            assert len(exchange.orders()) == 2  # the entry and the closing order
            client.post("/simulation/stop")
            wait_for_simulation(client, timeout=30)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    logged += caplog.text
    for secret in (KEY, SECRET, TOKEN):
        assert secret not in logged
    assert (tmp_path / "no-dist").exists() is False
    assert Path(settings.live_database_url.removeprefix("sqlite:///")).exists()
