"""`/signals`: the recorded signals, and the SSE stream over a real HTTP connection."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from scalplab.api.schemas.stream import StreamEventPublic
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.stream import bars_from_frame
from scalplab.orders.models import Bar
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.signal import Signal
from tests.api.conftest import (
    BTC_PAIR,
    add_pair,
    free_port,
    serve_env,
    wait_for_simulation,
    wait_until_up,
)

DAY_ONE = {"speed": "max", "start": "2025-06-17", "end": "2025-06-19"}


def test_signals_are_listed_newest_first_with_their_fate(client: TestClient) -> None:
    assert client.get("/signals").json() == []
    add_pair(client)
    add_pair(client, symbol="ETHUSDT")
    assert client.post("/simulation/start", json=DAY_ONE).status_code == 200
    wait_for_simulation(client)
    signals = client.get("/signals", params={"limit": 500}).json()
    assert signals, "the replay produced no signal"
    ids = [entry["id"] for entry in signals]
    assert ids == sorted(ids, reverse=True)  # newest recorded first
    assert {entry["symbol"] for entry in signals} == {"BTCUSDT", "ETHUSDT"}
    for symbol in ("BTCUSDT", "ETHUSDT"):
        times = [entry["time"] for entry in signals if entry["symbol"] == symbol]
        assert times == sorted(times, reverse=True)
    for entry in signals:
        assert entry["strategy"] == "sma_cross" and entry["side"] in ("long", "short")
        assert entry["status"] in ("accepted", "rejected", "blocked", "pending", "dropped")
        has_order = entry["status"] in ("accepted", "pending")
        assert (entry["order_id"] is not None) == has_order
        assert entry["status"] == "accepted" or entry["reason"]
    btc = client.get("/signals", params={"symbol": "btcusdt", "limit": 2}).json()
    assert len(btc) == min(2, sum(entry["symbol"] == "BTCUSDT" for entry in signals))
    assert all(entry["symbol"] == "BTCUSDT" for entry in btc)
    # a page of one symbol longer than memory holds is read from the rows: the same signals
    long_page = client.get("/signals", params={"symbol": "BTCUSDT", "limit": 500}).json()
    assert long_page == [entry for entry in signals if entry["symbol"] == "BTCUSDT"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"limit": 501}, "limit: Input should be less than or equal to 500"),
        ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"symbol": "BTC/USDT"}, "invalid symbol 'BTC/USDT'"),
    ],
)
def test_bad_queries_are_422(client: TestClient, params: dict[str, Any], detail: str) -> None:
    response = client.get("/signals", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    stream = client.get("/signals/stream", params={"symbol": "BTC/USDT"})
    assert stream.status_code == 422


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    """One closed bar as a strategy drives it."""
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def long_signal(bar: Bar, reward: float) -> Signal:
    """A long at the close, 1 % stop, target `reward` above (reward/risk `reward` / 1 %)."""
    return Signal("long", bar.close, bar.close * 0.99, bar.close * (1 + reward), 60.0, ["test"])


def hand_driven(client: TestClient, settings: Settings, *strategies: str) -> list[StepExecutor]:
    """BTCUSDT 15m books of `strategies`, driven by hand, 20 plain bars each."""
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    books = [engine.attach(PairSpec("BTCUSDT", name, "15m")) for name in strategies]
    for bar in sample_bars(settings)[:20]:
        for book in books:
            step(book, bar)
    return books


def sample_bars(settings: Settings) -> list[Bar]:
    return bars_from_frame(CandleStore(settings.data_dir).read("BTCUSDT", "15m", None, None))


def test_a_blocked_signal_shows_its_breaker_and_its_risk_event_the_strategy(
    client: TestClient, settings: Settings
) -> None:
    patch = client.patch("/settings", json={"risk": {"max_open_positions": 1}})
    assert patch.status_code == 200
    sma, smc = hand_driven(client, settings, "sma_cross", "smc")
    bar = sample_bars(settings)[20]
    step(sma, bar, long_signal(bar, 0.04))
    step(smc, bar, long_signal(bar, 0.04))
    blocked, accepted = client.get("/signals", params={"symbol": "BTCUSDT"}).json()
    assert (accepted["strategy"], accepted["status"], accepted["breaker"]) == (
        "sma_cross",
        "accepted",
        None,
    )
    assert (blocked["strategy"], blocked["status"], blocked["breaker"]) == (
        "smc",
        "blocked",
        "max_open_positions",
    )
    assert "1 open positions reach the limit of 1" in blocked["reason"]
    [event] = client.get("/simulation/risk-events").json()
    assert event == {
        "id": event["id"],
        "time": blocked["time"],
        "symbol": "BTCUSDT",
        "strategy": "smc",
        "breaker": "max_open_positions",
        "reason": blocked["reason"],
        "signal_id": blocked["id"],
        "scope": "global",
        "effect": "block_signal",
        "until": None,
        "code": "max_open_positions",  # the reason as a code the web UI translates
        "params": {"open": 1, "limit": 1},
    }
    assert (blocked["reason_code"], blocked["reason_params"]) == (event["code"], event["params"])


def test_lowering_min_rr_lets_the_next_qualifying_signal_through(
    client: TestClient, settings: Settings
) -> None:
    [sma] = hand_driven(client, settings, "sma_cross")
    bars = sample_bars(settings)
    step(sma, bars[20], long_signal(bars[20], 0.02))  # reward/risk 2, under MIN_RR 3
    [rejected] = client.get("/signals").json()
    assert (rejected["status"], rejected["reason"], rejected["breaker"]) == (
        "rejected",
        "min_rr",
        None,
    )
    assert (rejected["reason_code"], rejected["reason_params"]) == ("min_rr", {"rr": 2, "min": 3})
    current = client.get("/settings").json()
    lowered = client.put("/settings", json={**current, "risk": {"min_rr": 1.5}})
    assert lowered.status_code == 200 and lowered.json()["risk"]["min_rr"] == 1.5
    step(sma, bars[21], long_signal(bars[21], 0.02))
    accepted = client.get("/signals").json()[0]
    assert (accepted["status"], accepted["time"]) == ("accepted", "2025-06-17T05:15:00Z")
    order = client.get(f"/orders/{accepted['order_id']}").json()
    assert (order["source"], order["strategy"], order["status"]) == (
        "strategy",
        "sma_cross",
        "accepted",
    )


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """`(event, data)` of each Server-Sent Event in a stream of lines (pings skipped)."""
    kind, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def test_sse_stream_delivers_signals_over_real_http(tmp_path: Path) -> None:
    port = free_port()
    env = serve_env(tmp_path / "data")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("scalplab")), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    received: list[tuple[str, Any]] = []
    idle: socket.socket | None = None
    try:
        wait_until_up(base, process)
        assert httpx.post(f"{base}/pairs", json=BTC_PAIR).status_code == 201
        assert (
            httpx.post(f"{base}/pairs", json={**BTC_PAIR, "symbol": "ETHUSDT"}).status_code == 201
        )
        timeout = httpx.Timeout(10.0, read=30.0)
        url = f"{base}/signals/stream?symbol=BTCUSDT"
        with httpx.stream("GET", url, timeout=timeout) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = sse_events(stream.iter_lines())
            received.append(next(events))  # the subscription is live
            started = httpx.post(
                f"{base}/simulation/start",
                json=DAY_ONE,
                headers={"X-Request-ID": "sse-start-1"},
            )
            assert started.status_code == 200, started.text
            deadline = time.monotonic() + 60
            for kind, data in events:
                received.append((kind, data))
                kinds = {seen for seen, _ in received}
                if {"signal", "order"} <= kinds or time.monotonic() > deadline:
                    break
        # the stream was closed by the client: the server keeps serving
        assert httpx.get(f"{base}/simulation/status").status_code == 200
        # a stream still open at shutdown ends cleanly and does not hold the server up
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        idle.sendall(b"GET /signals/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
        opened = b""
        while b"event: status" not in opened:
            chunk = idle.recv(65536)
            assert chunk, opened
            opened += chunk
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    if idle is not None:
        idle.close()
    assert received[0][0] == "status" and received[0][1]["mode"] == "simulation"
    for kind, data in received:  # every event is its kind's public model
        event = StreamEventPublic.model_validate({"kind": kind, "data": data}).root
        assert event.kind == kind
        assert event.data.model_dump(mode="json", exclude_unset=True) == data
    signals = [data for kind, data in received if kind == "signal"]
    orders = [data for kind, data in received if kind == "order"]
    assert signals and orders, received
    first = signals[0]
    assert first["symbol"] == "BTCUSDT" and first["strategy"] == "sma_cross"
    assert first["side"] in ("long", "short") and first["status"] == "accepted"
    assert orders[0]["id"] == first["order_id"]  # the accepted signal's entry order
    assert orders[0]["source"] == "strategy" and orders[0]["client_order_id"]
    assert all(
        (payload.get("symbol") or payload.get("order", {}).get("symbol", "BTCUSDT")) == "BTCUSDT"
        for _, payload in received
    )
    assert process.returncode == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [line for line in lines if line["level"] == "ERROR"] == []
    started_lines = [line for line in lines if line["message"].startswith("simulation started")]
    assert started_lines and started_lines[0]["request_id"] == "sse-start-1"
