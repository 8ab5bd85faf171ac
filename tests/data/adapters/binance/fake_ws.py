"""A local Binance USDT-M WebSocket that replays REAL recorded messages, with faults.

It speaks the April 2026 routes: `/market/stream?streams=…` serves kline, aggTrade,
markPrice and forceOrder streams, `/public/stream?streams=…` depth and bookTicker; a
stream asked for on the wrong route is accepted and never sent (as Binance does).
Each connection replays, in recorded order, the recorded messages of the streams it
serves (see `recorded.combined_messages`), `interval` seconds apart, then stays open
and quiet. Faults: `drop_after` closes the first connection after that many messages;
`garbage_after` sends one malformed message after that many. Every connection, its
open and close times and every client message are logged.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scalplab.data.adapters.binance.config import route_of
from scalplab.errors import InputError


@dataclass
class Visit:
    """One connection: its route, streams, times and what the client sent."""

    route: str
    streams: list[str]
    opened: float
    closed: float | None = None
    sent: int = 0
    received: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class FakeBinanceWs:
    """The server's script and log."""

    messages: list[str]
    interval: float = 0.0
    drop_after: int | None = None
    resume_at: int = 0
    """Connections after a drop start at this served message (the ones before were lost)."""
    drop_route: str | None = None
    """The route whose first connection drops (default: the first connection made)."""
    garbage_after: int | None = None
    visits: list[Visit] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def handle(self, socket: ServerConnection) -> None:
        url = urlsplit(socket.request.path if socket.request else "/")
        route = url.path.strip("/").split("/")[0]
        streams = parse_qs(url.query).get("streams", [""])[0].split("/")
        visit = Visit(route, streams, time.monotonic())
        self.visits.append(visit)
        same_route = [v for v in self.visits if v.route == route]
        faulty = self.drop_route in (None, route)
        first = len(self.visits) == 1 if self.drop_route is None else len(same_route) == 1
        drops = faulty and self.drop_after is not None
        later = drops and not first
        served = {s for s in streams if s and _route(s) == route}
        skipped = 0
        reader = asyncio.create_task(self._read(socket, visit))
        try:
            for message in self.messages:
                if json.loads(message)["stream"] not in served:
                    continue
                if later and skipped < self.resume_at:
                    skipped += 1
                    continue
                if drops and first and visit.sent >= (self.drop_after or 0):
                    return
                if self.garbage_after is not None and visit.sent == self.garbage_after:
                    await socket.send('{"stream": "btcusdt@aggTrade", "data": {"e": 1}}')
                await socket.send(message)
                visit.sent += 1
                if self.interval:
                    await asyncio.sleep(self.interval)
            await socket.wait_closed()
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
            visit.closed = time.monotonic()

    @staticmethod
    async def _read(socket: ServerConnection, visit: Visit) -> None:
        async for message in socket:
            visit.received.append((time.monotonic(), str(message)))


def _route(stream: str) -> str | None:
    try:
        return route_of(stream)
    except InputError:
        return None


@asynccontextmanager
async def running(fake: FakeBinanceWs) -> AsyncIterator[FakeBinanceWs]:
    """Serve `fake` on a free local port while the block runs."""
    async with serve(fake.handle, "127.0.0.1", 0) as server:
        fake.port = next(iter(server.sockets)).getsockname()[1]
        yield fake
