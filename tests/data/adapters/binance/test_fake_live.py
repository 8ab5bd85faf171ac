"""The paced fake: real candles as closing klines, `E` stamped at sending, minute by minute."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pandas as pd
from websockets.asyncio.client import connect

from scalplab.data.adapters.binance.fake_live import PacedKlines, serve_in_thread, store_rows
from scalplab.data.adapters.binance.fake_rest import ReplayState
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.candles import CandleStore
from scalplab.data.market_events import KlineUpdate
from tests.simulation.live_fakes import BTC_1M

START = 1_750_204_800_000  # 2025-06-18 00:00 UTC


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def receive(url: str, count: int, timeout: float = 5.0) -> list[tuple[float, str]]:
    got: list[tuple[float, str]] = []
    async with connect(url) as ws:
        while len(got) < count:
            got.append((time.time() * 1000, str(await asyncio.wait_for(ws.recv(), timeout))))
    return got


def test_closes_are_paced_and_stamped_when_sent(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    frame = pd.read_csv(BTC_1M)
    store.merge("BTCUSDT", "1m", frame)
    store.merge("ETHUSDT", "1m", frame.assign(close=frame["close"]))  # a second symbol
    state = ReplayState()
    paced = PacedKlines(
        store_rows(store, ["BTCUSDT", "ETHUSDT"], state), START, 0.2, 0.1, minutes=3
    )
    port = free_port()
    assert serve_in_thread(paced, port).wait(10)
    url = f"ws://127.0.0.1:{port}/market/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m"
    messages = asyncio.run(receive(url, 6))
    events = [parse_combined(text)[1] for _, text in messages]
    assert all(isinstance(e, KlineUpdate) and e.closed for e in events)
    klines = [e for e in events if isinstance(e, KlineUpdate)]
    assert [k.open_time for k in klines] == [START, START, START + 60_000, START + 60_000,
                                             START + 120_000, START + 120_000]  # fmt: skip
    assert [k.symbol for k in klines[:2]] == ["BTCUSDT", "ETHUSDT"]
    first = frame[frame["open_time"] == START].iloc[0]
    assert klines[0].close == first["close"] and klines[0].volume == first["volume"]
    for (arrived, _), kline in zip(messages, klines, strict=True):
        assert abs(arrived - kline.event_time) < 200  # E is the sending instant
    assert klines[4].event_time - klines[0].event_time >= 350  # 0.2 s per minute
    assert paced.sent_at[("BTCUSDT", START)] == klines[0].event_time
    # The REST side serves the same candles (warm-up, backfill).
    assert state.klines[("BTCUSDT", "1m")][0][0] == int(frame["open_time"].iloc[0])


def test_other_routes_are_accepted_and_quiet(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    store.merge("BTCUSDT", "1m", pd.read_csv(BTC_1M))
    paced = PacedKlines(store_rows(store, ["BTCUSDT"], ReplayState()), START, 0.05)
    port = free_port()
    assert serve_in_thread(paced, port).wait(10)

    async def quiet() -> bool:
        async with connect(f"ws://127.0.0.1:{port}/public/stream?streams=btcusdt@kline_1m") as ws:
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                return True
        return False

    assert asyncio.run(quiet())
    market = f"ws://127.0.0.1:{port}/market/stream?streams=btcusdt@kline_1m"
    assert len(asyncio.run(receive(market, 1))) == 1  # the same stream on its route is served
