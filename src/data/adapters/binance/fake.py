"""A local Binance USDT-M WebSocket that replays REAL recorded messages, with faults.

For tests, benchmarks and demos: nothing here invents market data, it plays back what
Binance sent (a combined-stream capture, one message per line). It speaks the April
2026 routes: `/market/stream?streams=…` serves kline, aggTrade, markPrice and
forceOrder streams, `/public/stream?streams=…` depth and bookTicker; a stream asked
for on the wrong route is accepted and never sent (as Binance does). `/private` is the
user-data stream of the attached `exchange` (`fake_exchange.FakeExchange`), refused
without one. Each connection
replays, in recorded order and `repeat` times, the messages of the streams it serves,
`interval` seconds apart, then stays open and quiet. `copies` turns the capture's
symbols into more (`CTKUSDT` → `CTK1USDT`, … with the same real payloads) for load.

For load, `speed` paces each connection at that many times the recorded pace (by the
messages' event times `E`; without it a connection sends as fast as the client takes),
each connection noting how far behind that schedule it fell (a client that does not
keep up makes it fall behind more and more); `continue_timeline` makes each repeat read
as what came next rather than the same ids again (`fake_timeline`).

Faults: `drop_after` closes the first connection (of `drop_route`) after that many
messages, and later connections of that route start at message `resume_at` (the ones
between were lost on the wire); `garbage_after` sends one malformed message after that
many; `drop_message_at` never sends the capture's messages at those indexes (on any
connection: a depth sequence gap); `reorder_every` sends each N-th message of a
connection after the one that follows it; `silent_stream` is accepted and never sent;
`stall_after` stops the first connection of each route for `stall_s` seconds after that
many messages, the connection left open. `position` is the highest capture index sent so
far (how far the market has moved, for a REST fake that answers consistently with it).
Every connection, its open and close times and every client message are logged.
Run `python -m scalplab.data.adapters.binance.fake CAPTURE --port P [--copies N]
[--repeat R] [--speed S --continue-timeline --report-every SECONDS --reuse-port]` to
serve a capture from its own process (with `--reuse-port`, several such processes
share the port and the connections); `--report-every` prints a JSON line of what it
sent and how far behind schedule its connections are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from scalplab.data.adapters.binance.config import route_of
from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_timeline import Timeline
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
    behind: float = 0.0
    """Seconds the last message went out after its time on the `speed` schedule."""
    most_behind: float = 0.0


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
    speed: float | None = None
    """Times the recorded pace (None: as fast as the client reads)."""
    continue_timeline: bool = False
    drop_message_at: frozenset[int] = frozenset()
    """Capture indexes of messages never sent (a gap in a depth stream's sequence)."""
    reorder_every: int | None = None
    """Each connection sends its N-th, 2N-th, … message after the one that follows it."""
    silent_stream: str | None = None
    """A stream accepted (it is in the URL) and never sent."""
    stall_after: int | None = None
    stall_s: float = 0.0
    """The first connection of each route sends nothing for `stall_s` s after
    `stall_after` messages, and then goes on (the connection stays open)."""
    exchange: FakeExchange | None = None
    """When set, `/private/ws?listenKey=…` connections are this venue's user-data stream."""
    position: int = field(default=-1, init=False)
    visits: list[Visit] = field(default_factory=list)
    port: int = 0
    streams: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.reorder_every is not None and self.reorder_every < 2:
            raise InputError("reorder_every must be at least 2")
        envelopes = [json.loads(message) for message in self.messages]
        self.streams = [envelope["stream"] for envelope in envelopes]
        times: list[float] = []
        for envelope in envelopes:  # a message without an event time goes with the one before
            data = envelope.get("data")
            event = data.get("E") if isinstance(data, dict) else None
            times.append(event / 1000 if isinstance(event, int) else (times[-1] if times else 0))
        first = min(times, default=0.0)
        self._offsets = [t - first for t in times]
        span = max(self._offsets, default=0.0)
        self._pass_s = span + (span / (len(times) - 1) if len(times) > 1 else 0.0)
        self._timeline = Timeline(self.messages) if self.continue_timeline else None

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def handle(self, socket: ServerConnection) -> None:
        url = urlsplit(socket.request.path if socket.request else "/")
        route = url.path.strip("/").split("/")[0]
        if route == "private":  # the user-data stream: the attached venue's, if any
            self.visits.append(Visit(route, [], time.monotonic()))
            if self.exchange is not None:
                await self.exchange.serve_user_stream(socket)
            else:
                await socket.close(1008, "no user-data stream")
            self.visits[-1].closed = time.monotonic()
            return
        streams = parse_qs(url.query).get("streams", [""])[0].split("/")
        visit = Visit(route, streams, time.monotonic())
        self.visits.append(visit)
        same_route = [v for v in self.visits if v.route == route]
        faulty = self.drop_route in (None, route)
        first = len(self.visits) == 1 if self.drop_route is None else len(same_route) == 1
        drops = faulty and self.drop_after is not None
        later = drops and not first
        served = {s for s in streams if s and _route(s) == route and s != self.silent_stream}
        stalls = self.stall_after is not None and len(same_route) == 1
        reader = asyncio.create_task(self._read(socket, visit))
        skipped = 0
        began = time.monotonic()
        try:
            mine = [
                index
                for index, stream in enumerate(self.streams)
                if stream in served and index not in self.drop_message_at
            ]
            mine = _reordered(mine, self.reorder_every)
            for repeat in range(self.repeat):
                for index in mine:
                    if later and skipped < self.resume_at:
                        skipped += 1
                        continue
                    if drops and first and visit.sent >= (self.drop_after or 0):
                        return
                    if self.garbage_after is not None and visit.sent == self.garbage_after:
                        await socket.send(GARBAGE)
                    if stalls and visit.sent == self.stall_after:
                        stalls = False
                        await asyncio.sleep(self.stall_s)
                    if self.speed:
                        due = began + (repeat * self._pass_s + self._offsets[index]) / self.speed
                        await self._keep_to(due, visit)
                    await socket.send(self._message(index, repeat))
                    visit.sent += 1
                    self.position = max(self.position, index)
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

    def _message(self, index: int, repeat: int) -> str:
        if self._timeline is None:
            return self.messages[index]
        return self._timeline.message(index, repeat)

    @staticmethod
    async def _keep_to(due: float, visit: Visit) -> None:
        """Wait for a message's time on the schedule (in steps of 10 ms: a wake-up per
        message would cost more than the sending), or note how late it is."""
        wait = due - time.monotonic()
        if wait > 0.01:
            await asyncio.sleep(wait)
        visit.behind = max(0.0, -wait)
        visit.most_behind = max(visit.most_behind, visit.behind)

    def progress(self) -> dict[str, float]:
        """Messages sent so far, and how far behind schedule the open connections are."""
        open_visits = [v for v in self.visits if v.closed is None]
        return {
            "time": time.time(),
            "sent": sum(v.sent for v in self.visits),
            "behind": max((v.behind for v in open_visits), default=0.0),
            "most_behind": max((v.most_behind for v in self.visits), default=0.0),
        }

    @staticmethod
    async def _read(socket: ServerConnection, visit: Visit) -> None:
        async for message in socket:
            visit.received.append((time.monotonic(), str(message)))


def _reordered(indexes: list[int], every: int | None) -> list[int]:
    """`indexes` with each `every`-th one swapped with the one after it."""
    out = list(indexes)
    if every:
        for k in range(every - 1, len(out) - 1, every):
            out[k], out[k + 1] = out[k + 1], out[k]
    return out


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
async def running(
    fake: FakeBinanceWs, port: int = 0, reuse_port: bool = False
) -> AsyncIterator[FakeBinanceWs]:
    """Serve `fake` on 127.0.0.1 (a free port unless given) while the block runs."""
    async with serve(
        fake.handle, "127.0.0.1", port, max_queue=None, compression=None, reuse_port=reuse_port
    ) as server:
        fake.port = next(iter(server.sockets)).getsockname()[1]
        yield fake


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a capture until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path, help="combined-stream capture (JSON lines)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--speed", type=float, default=None)
    parser.add_argument("--continue-timeline", action="store_true")
    parser.add_argument("--report-every", type=float, default=None)
    parser.add_argument("--reuse-port", action="store_true")
    args = parser.parse_args(argv)
    fake = FakeBinanceWs(
        copies(load_capture(args.capture), args.copies), repeat=args.repeat, speed=args.speed,
        continue_timeline=args.continue_timeline,
    )  # fmt: skip

    async def serve_forever() -> None:
        async with running(fake, args.port, reuse_port=args.reuse_port):
            while True:
                await asyncio.sleep(args.report_every or 3600.0)
                if args.report_every:
                    print(json.dumps(fake.progress()), file=sys.stdout, flush=True)

    asyncio.run(serve_forever())


if __name__ == "__main__":
    main()
