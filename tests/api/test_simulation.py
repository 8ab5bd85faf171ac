"""`/simulation`: the real engine replaying the real sample, over a real SQLite file."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    BTC_PAIR,
    CLIENT_HEADERS,
    add_pair,
    free_port,
    serve_env,
    wait_for_simulation,
    wait_until_up,
)

TWO_DAYS = {"speed": "max", "start": "2025-06-17", "end": "2025-06-19"}
SLOW = {"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
"""15m bars every 0.1 s: slow enough to act between bars, the strategy warms up for 3 s."""


def test_an_idle_engine_reports_the_initial_portfolio(client: TestClient) -> None:
    status = client.get("/simulation/status").json()
    assert status["state"] == "stopped" and status["mode"] == "simulation"
    assert (status["pairs"], status["candles_processed"], status["finished"]) == ([], 0, False)
    portfolio = client.get("/simulation/portfolio").json()
    assert portfolio["initial_capital"] == portfolio["cash"] == portfolio["equity"] == 10_000
    assert portfolio["open_positions"] == 0 and portfolio["unrealised_pnl"] == 0
    for path in ("/simulation/positions", "/simulation/trades", "/simulation/risk-events"):
        assert client.get(path).json() == []
    assert client.get("/simulation/performance").json()["trades"] == 0


def test_start_needs_an_enabled_pair(client: TestClient) -> None:
    response = client.post("/simulation/start")
    assert response.status_code == 422
    assert response.json() == {"detail": "no enabled pairs to simulate: add a pair first"}
    add_pair(client, enabled=False)
    assert client.post("/simulation/start").status_code == 422
    assert client.get("/simulation/status").json()["state"] == "stopped"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"speed": 0}, "speed: must be a finite number from 0.1 to 1000000 (times real time)"),
        ({"speed": "fast"}, "speed: must be a number (times real time) or 'max', not 'fast'"),
        ({"speed": 5e-324}, "speed: must be a finite number from 0.1 to 1000000 (times real time)"),
        ({"speed": 1e7}, "speed: must be a finite number from 0.1 to 1000000 (times real time)"),
        ({"speed": True}, "speed: must be a number (times real time) or 'max', not True"),
        (
            {"start": "2025-06-19", "end": "2025-06-17"},
            "start 2025-06-19T00:00:00Z must be before end 2025-06-17T00:00:00Z",
        ),
        ({"start": "yesterday"}, "start: Value error, 'yesterday' is not an ISO-8601 date"),
        ({"pace": 2}, "pace: Extra inputs are not permitted"),
    ],
)
def test_bad_start_options_are_422_and_start_nothing(
    client: TestClient, body: dict[str, Any], detail: str
) -> None:
    add_pair(client)
    response = client.post("/simulation/start", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail), response.json()
    assert client.get("/simulation/status").json()["state"] == "stopped"


def test_a_replay_runs_to_the_end_and_books_every_trade(client: TestClient) -> None:
    add_pair(client)
    started = client.post("/simulation/start", json=TWO_DAYS)
    assert started.status_code == 200, started.text
    assert started.json()["feed"] == "replay" and started.json()["speed"] is None
    status = wait_for_simulation(client)
    assert status["finished"] is True and status["error"] is None
    assert status["candles_processed"] == 2 * 96
    [pair] = status["pairs"]
    assert pair == {
        "symbol": "BTCUSDT",
        "strategy": "sma_cross",
        "timeframe": "15m",
        "bars": 192,
        "last_bar": "2025-06-18T23:45:00Z",
        # a replay has no live feed to report
        **dict.fromkeys(("feed_state", "message_age_s", "last_price", "bid", "ask", "spread")),
    }
    trades = client.get("/simulation/trades").json()
    assert trades, "the replay made no trade"
    assert [t["exit_time"] for t in trades] == sorted(
        (t["exit_time"] for t in trades), reverse=True
    )
    for trade in trades:
        assert (trade["symbol"], trade["strategy"]) == ("BTCUSDT", "sma_cross")
        assert trade["entry_time"] < trade["exit_time"]
        assert trade["exit_reason"] in ("tp", "sl", "end", "max_hold", "liquidation", "manual")
    assert client.get("/simulation/trades", params={"limit": 1, "offset": 1}).json() == trades[1:2]
    portfolio = client.get("/simulation/portfolio").json()
    assert portfolio["open_positions"] == 0  # the end of the replay closes what is open
    assert math.isclose(portfolio["equity"], 10_000 + sum(t["pnl"] for t in trades))
    assert math.isclose(portfolio["fees"], sum(t["fees"] for t in trades))
    performance = client.get("/simulation/performance").json()
    assert performance["trades"] == len(trades) and performance["bars"] == 192
    assert math.isclose(performance["final_equity"], portfolio["equity"])
    for key in ("sharpe", "max_drawdown_pct", "win_rate", "profit_factor"):
        assert key in performance
    strategy_orders = [o for o in client.get("/orders").json() if o["source"] == "strategy"]
    entries = [o for o in strategy_orders if o["parent_id"] is None]
    assert len(entries) == len(trades) and all(o["status"] == "filled" for o in entries)


def test_start_twice_is_409_and_stop_then_start_continues(client: TestClient) -> None:
    add_pair(client)
    assert client.post("/simulation/start", json=SLOW).status_code == 200
    again = client.post("/simulation/start", json=SLOW)
    assert again.status_code == 409
    assert again.json() == {"detail": "the simulation is already running"}
    wait_for_simulation(client, lambda s: s["candles_processed"] >= 3)
    stopped = client.post("/simulation/stop").json()
    assert stopped["state"] == "stopped" and stopped["finished"] is False
    count = stopped["candles_processed"]
    assert client.get("/simulation/status").json()["candles_processed"] == count
    resumed = client.post("/simulation/start")  # no body: the same replay, after its cursor
    assert resumed.status_code == 200 and resumed.json()["speed"] == 9000
    status = wait_for_simulation(client, lambda s: s["candles_processed"] > count + 1)
    assert status["pairs"][0]["bars"] == status["candles_processed"]
    assert client.post("/simulation/stop").json()["state"] == "stopped"


def test_reset_starts_the_paper_portfolio_over(client: TestClient) -> None:
    add_pair(client)
    client.post("/simulation/start", json=TWO_DAYS)
    wait_for_simulation(client)
    assert client.get("/simulation/trades").json() and client.get("/signals").json()
    status = client.post("/simulation/reset").json()
    assert (status["state"], status["candles_processed"], status["pairs"]) == ("stopped", 0, [])
    for path in ("/simulation/trades", "/signals", "/orders", "/simulation/positions"):
        assert client.get(path).json() == [], path
    assert client.get("/simulation/portfolio").json()["equity"] == 10_000
    assert client.get("/simulation/performance").json()["trades"] == 0


def test_a_position_is_closed_on_request(client: TestClient) -> None:
    add_pair(client)
    client.post("/simulation/start", json=SLOW)
    wait_for_simulation(client, lambda s: s["candles_processed"] >= 2)
    order = client.post("/orders", json={"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"})
    assert order.status_code == 201, order.text
    positions = _wait_for(client, "/simulation/positions", lambda rows: len(rows) == 1)
    [position] = positions
    assert (position["symbol"], position["side"], position["qty"]) == ("BTCUSDT", "long", 0.002)
    assert position["strategy"] == "sma_cross"
    assert position["liquidation_price"] < position["entry_price"]
    assert client.get("/simulation/portfolio").json()["open_positions"] == 1
    closed = client.post("/simulation/positions/btcusdt/close")
    assert closed.status_code == 202
    assert closed.json() == {"symbol": "BTCUSDT", "strategy": "sma_cross", "requested": True}
    _wait_for(client, "/simulation/positions", lambda rows: rows == [])
    [trade] = client.get("/simulation/trades").json()
    assert trade["exit_reason"] == "manual" and trade["qty"] == 0.002
    again = client.post("/simulation/positions/BTCUSDT/close")
    assert again.status_code == 409
    assert again.json() == {"detail": "BTCUSDT/sma_cross has no open position"}
    unknown = client.post("/simulation/positions/ETHUSDT/close")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "ETHUSDT is not a simulated pair: add it and start"}
    other = client.post("/simulation/positions/BTCUSDT/close", params={"strategy": "smc"})
    assert other.status_code == 404
    assert other.json() == {"detail": "BTCUSDT is not traded by 'smc' in the simulation"}
    client.post("/simulation/stop")


def _wait_for(client: TestClient, path: str, done: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if done(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still {body} after {timeout}s")
        time.sleep(0.02)


def _serve(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("scalplab")), "serve", "--port", str(port)],
        cwd=data_dir.parent,
        env=serve_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, process)
    return process, base


def _poll_http(url: str, done: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.get(url).json()
        if done(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} still {body} after {timeout}s")
        time.sleep(0.05)


def test_kill_9_and_restart_keep_positions_orders_and_confirmations(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first, base = _serve(data_dir)
    try:
        for symbol in ("BTCUSDT", "ETHUSDT"):
            pair = {**BTC_PAIR, "symbol": symbol}
            assert httpx.post(f"{base}/pairs", json=pair).status_code == 201
        patch = {"confirm_orders": True, "pending_ttl_seconds": 600}
        assert httpx.patch(f"{base}/settings", json=patch).status_code == 200
        slow = {"speed": 900, "start": "2025-06-17", "end": "2025-06-19"}  # a bar a second
        assert httpx.post(f"{base}/simulation/start", json=slow).status_code == 200
        _poll_http(f"{base}/simulation/status", lambda s: all(p["bars"] for p in s["pairs"]))
        btc = httpx.post(
            f"{base}/orders", json={"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"}
        )
        [btc_pending] = httpx.get(f"{base}/orders/pending").json()
        confirm = httpx.post(
            f"{base}/orders/pending/{btc_pending['id']}/confirm", headers=CLIENT_HEADERS
        )
        assert confirm.status_code == 200
        _poll_http(f"{base}/simulation/positions", lambda rows: len(rows) == 1)
        eth = {"symbol": "ETHUSDT", "side": "sell", "qty": "0.05"}
        assert httpx.post(f"{base}/orders", json=eth).status_code == 201
        before = {
            path: httpx.get(f"{base}{path}").json()
            for path in ("/orders", "/orders/pending", "/simulation/positions", "/settings")
        }
        candles = httpx.get(f"{base}/simulation/status").json()["candles_processed"]
    finally:
        first.kill()  # SIGKILL: no shutdown code runs
        first.communicate()
    assert first.returncode == -9

    second, base = _serve(data_dir)
    try:
        status = httpx.get(f"{base}/simulation/status").json()
        assert status["state"] == "running"  # the interrupted replay continues
        assert status["candles_processed"] >= candles
        assert httpx.get(f"{base}/settings").json() == before["/settings"]
        orders = {o["id"]: o for o in httpx.get(f"{base}/orders").json()}
        for order in before["/orders"]:
            assert orders[order["id"]]["client_order_id"] == order["client_order_id"]
        assert orders[btc.json()["id"]]["status"] == "filled"
        [pending] = httpx.get(f"{base}/orders/pending").json()
        assert pending["id"] == before["/orders/pending"][0]["id"]
        assert pending["order"]["symbol"] == "ETHUSDT" and pending["seconds_left"] > 500
        [position] = httpx.get(f"{base}/simulation/positions").json()
        [kept] = before["/simulation/positions"]
        assert (position["symbol"], position["qty"], position["entry_price"]) == (
            kept["symbol"],
            kept["qty"],
            kept["entry_price"],
        )
        assert (
            httpx.post(
                f"{base}/orders/pending/{pending['id']}/confirm", headers=CLIENT_HEADERS
            ).status_code
            == 200
        )
        rows = _poll_http(f"{base}/simulation/positions", lambda rows: len(rows) == 2)
        assert {row["symbol"]: row["side"] for row in rows} == {
            "BTCUSDT": "long",
            "ETHUSDT": "short",
        }
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.communicate()
    assert second.returncode == 0
