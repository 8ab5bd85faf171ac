"""A local Binance USDT-M WebSocket that replays REAL recorded messages, with faults.

For tests, benchmarks and demos: nothing here invents market data, it plays back what
Binance sent (a combined-stream capture, one message per line). It speaks the April
2026 routes: `/market/stream?streams=…` serves kline, aggTrade, markPrice and
forceOrder streams, `/public/stream?streams=…` depth and bookTicker; a stream asked
for on the wrong route is accepted and never sent (as Binance does). Each connection
replays, in recorded order and `repeat` times, the messages of the streams it serves,
`interval` seconds apart, then stays open and quiet. `copies` turns the capture's
symbols into more (`CTKUSDT` → `CTK1USDT`, … with the same real payloads) for load.

Faults: `drop_after` closes the first connection (of `drop_route`) after that many
messages, and later connections of that route start at message `resume_at` (the ones
between were lost on the wire); `garbage_after` sends one malformed message after that
many. Every connection, its open and close times and every client message are logged.
Run `python -m scalplab.data.adapters.binance.fake CAPTURE --port P [--copies N]
[--repeat R]` to serve a capture from its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scalplab.data.adapters.binance.config import route_of
from scalplab.errors import InputError

GARBAGE = '{"stream": "btcusdt@aggTrade", "data": {"e": 1}}'


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
    repeat: int = 1
    drop_after: int | None = None
    resume_at: int = 0
    """Connections after a drop start at this served message (the ones before were lost)."""
    drop_route: str | None = None
    """The route whose first connection drops (default: the first connection made)."""
    garbage_after: int | None = None
    visits: list[Visit] = field(default_factory=list)
    port: int = 0
    streams: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.streams = [json.loads(message)["stream"] for message in self.messages]

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
        reader = asyncio.create_task(self._read(socket, visit))
        skipped = 0
        try:
            for _ in range(self.repeat):
                for stream, message in zip(self.streams, self.messages, strict=True):
                    if stream not in served:
                        continue
                    if later and skipped < self.resume_at:
                        skipped += 1
                        continue
                    if drops and first and visit.sent >= (self.drop_after or 0):
                        return
                    if self.garbage_after is not None and visit.sent == self.garbage_after:
                        await socket.send(GARBAGE)
                    await socket.send(message)
                    visit.sent += 1
                    if self.interval:
                        await asyncio.sleep(self.interval)
                    elif visit.sent % 256 == 0:
                        await asyncio.sleep(0)  # let the other connections send too
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


def copies(messages: Sequence[str], count: int) -> list[str]:
    """The messages of `count` copies of every symbol: copy k of `CTKUSDT` is `CTK{k}USDT`
    (copy 0 keeps the real name), interleaved in recorded order."""
    out = []
    for message in messages:
        symbol = json.loads(message)["data"].get("s", "")
        base = symbol[:-4] if symbol.endswith("USDT") else symbol
        for k in range(count):
            name = symbol if k == 0 else f"{base}{k}USDT"
            text = re.sub(rf"\b{symbol.lower()}@", f"{name.lower()}@", message)
            out.append(text.replace(f'"s":"{symbol}"', f'"s":"{name}"'))
    return out


def load_capture(path: Path) -> list[str]:
    """A capture file's messages: lines of `{"stream", "data"}`, or of `{"recv_ts", "msg"}`."""
    messages = []
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            message = record.get("msg", record)
            messages.append(json.dumps(message, separators=(",", ":")))
    return messages


@asynccontextmanager
async def running(fake: FakeBinanceWs, port: int = 0) -> AsyncIterator[FakeBinanceWs]:
    """Serve `fake` on 127.0.0.1 (a free port unless given) while the block runs."""
    async with serve(fake.handle, "127.0.0.1", port, max_queue=None) as server:
        fake.port = next(iter(server.sockets)).getsockname()[1]
        yield fake


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a capture until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path, help="combined-stream capture (JSON lines)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    fake = FakeBinanceWs(copies(load_capture(args.capture), args.copies), repeat=args.repeat)

    async def serve_forever() -> None:
        async with running(fake, args.port):
            await asyncio.Future()

    asyncio.run(serve_forever())


if __name__ == "__main__":
    main()
