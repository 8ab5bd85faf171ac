"""The fake Binance (REST + WebSocket) serving REAL recorded BTCUSDT 1m candles, in a
background thread, for the live paper-trading tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_klines import kline_messages
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from tests.conftest import REAL

BTC_1M = REAL / "klines" / "um" / "BTCUSDT" / "1m.csv"


@dataclass
class LiveFakes:
    """Both servers and the rows the WebSocket streams."""

    rest: ReplayServer
    ws: FakeBinanceWs
    streamed: list[list[Any]]

    @property
    def env(self) -> dict[str, str]:
        return {"REST_URL": self.rest.base_url, "WS_URL": self.ws.base}


@contextmanager
def serve_ws(fake: FakeBinanceWs) -> Iterator[FakeBinanceWs]:
    """Serve `fake` from a thread of its own until the block ends."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    done: asyncio.Future[None] | None = None

    async def main() -> None:
        nonlocal done
        done = loop.create_future()
        async with running(fake):
            started.set()
            await done

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(lambda: done is not None and done.set_result(None))
        thread.join(10)
        loop.close()


@contextmanager
def live_fakes(first_open_ms: int, minutes: int, **ws: Any) -> Iterator[LiveFakes]:
    """REST serves every recorded BTCUSDT 1m candle (warm-up, backfill); the WebSocket
    streams `minutes` closed klines from `first_open_ms` on, each after its forming
    update, with the fake's faults (`drop_after`, `resume_at`, `repeat`, …) from `ws`."""
    state = ReplayState()
    rows = state.add_klines("BTCUSDT", "1m", BTC_1M)
    start = next(i for i, row in enumerate(rows) if int(row[0]) == first_open_ms)
    streamed = rows[start : start + minutes]
    fake = FakeBinanceWs(kline_messages({"BTCUSDT": streamed}, forming=True), **ws)
    with ReplayServer(state) as rest, serve_ws(fake):
        yield LiveFakes(rest, fake, streamed)
