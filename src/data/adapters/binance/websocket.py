"""Binance USDT-M combined-stream connections that survive what real connections do.

`StreamManager` spreads streams over connections — one route each (`/market` or
`/public`, from the stream's name) and at most `MAX_STREAMS_PER_CONNECTION` streams —
and runs one `StreamConnection` per group. A connection:

* delivers every message as a typed market event (`schemas.parse_combined`) to the
  consumer; a message that does not parse is counted and logged once per problem,
  never raised;
* reconnects after any failure with exponential backoff and jitter (1 s → 30 s),
  and calls `on_connect(reconnected)` before reading a new connection's first message,
  so the consumer backfills over REST what was missed before anything later is
  applied (messages wait in the socket meanwhile);
* watches each stream's freshness: a stream silent for longer than its kind's limit
  (`STALE_AFTER_S`; a stream on the wrong route is accepted and then silent) raises an
  alarm and a reconnect. The reading runs in its own task and drains everything the
  event loop has received before each check, so a stream counts as silent only when
  nothing of it arrived: a check that wakes late (the loop was held up, e.g. by a
  REST backfill, so messages may be waiting unread) is skipped rather than judged;
* opens its successor before Binance's 24 h cut and only then closes itself, so no
  message is lost (the few delivered twice are de-duplicated downstream by their ids);
* sends `SUBSCRIBE` messages for added streams at most `SUBSCRIBE_PER_SECOND` a second
  (Binance disconnects above 10).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from scalplab.data.adapters.binance.config import combined_stream_url, route_of, stream_kind
from scalplab.data.adapters.binance.schemas import MessageError, parse_combined
from scalplab.data.market_events import MarketEvent

log = logging.getLogger(__name__)

MAX_STREAMS_PER_CONNECTION = 200
SUBSCRIBE_PER_SECOND = 5.0
ROTATE_AFTER_S = 23.5 * 3600
"""Age at which a connection hands over to a new one (Binance cuts at 24 h)."""
STALE_AFTER_S: dict[str, float | None] = {
    "kline": 90.0,
    "aggTrade": 120.0,
    "trade": 120.0,
    "markPrice": 10.0,
    "forceOrder": None,  # liquidations are rare: silence is normal
    "depth": 10.0,
    "depth5": 10.0,
    "depth10": 10.0,
    "depth20": 10.0,
    "bookTicker": 30.0,
}
"""Longest silence (s) per stream kind before the stream counts as stale."""

EventHandler = Callable[[str, MarketEvent], None]
ConnectHandler = Callable[[bool], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential reconnect delays with jitter: attempt k waits about `initial · 2^k`,
    at most `maximum`, scaled by a random factor in [0.5, 1]."""

    initial: float = 1.0
    maximum: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect attempt `attempt` (0-based)."""
        return min(self.maximum, self.initial * float(2**attempt)) * rng.uniform(0.5, 1.0)


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    """How a connection paces itself and when it gives up on one."""

    backoff: Backoff = Backoff()
    stale_after: Mapping[str, float | None] = field(default_factory=lambda: STALE_AFTER_S)
    rotate_after_s: float = ROTATE_AFTER_S
    subscribe_per_second: float = SUBSCRIBE_PER_SECOND


@dataclass(slots=True)
class StreamState:
    """One stream's counters."""

    messages: int = 0
    last_message: float | None = None
    stale: bool = False


@dataclass(slots=True)
class ConnectionHealth:
    """What a connection reports to `/status/health`."""

    connected: bool = False
    connections: int = 0
    reconnects: int = 0
    failures: int = 0
    stale_alarms: int = 0
    bad_messages: int = 0
    rotations: int = 0
    streams: dict[str, StreamState] = field(default_factory=dict)


class StreamConnection:
    """One combined-stream connection and its successors (see the module docstring)."""

    def __init__(
        self,
        ws_base: str,
        streams: Sequence[str],
        on_event: EventHandler,
        *,
        on_connect: ConnectHandler | None = None,
        options: ConnectionOptions | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        combined_stream_url(ws_base, streams)  # one route, known kinds
        self.ws_base = ws_base
        self.streams = list(streams)
        self.on_event = on_event
        self.on_connect = on_connect
        self.options = options = options or ConnectionOptions()
        self.backoff = options.backoff
        self.stale_after = options.stale_after
        self.rotate_after_s = options.rotate_after_s
        self.subscribe_interval = 1.0 / options.subscribe_per_second
        self.rng = rng or random.Random()
        self.clock = clock
        self.health = ConnectionHealth(streams={s: StreamState() for s in streams})
        self._limits = {s: v for s in self.streams if (v := self.stale_after.get(stream_kind(s)))}
        self._stopped = asyncio.Event()
        self._socket: ClientConnection | None = None
        self._last_subscribe = float("-inf")
        self._request_id = 0
        self._logged: set[str] = set()

    @property
    def url(self) -> str:
        """The combined-stream URL of the current streams."""
        return combined_stream_url(self.ws_base, self.streams)

    def stop(self) -> None:
        """Make `run` return (after closing the connection)."""
        self._stopped.set()

    async def run(self) -> None:
        """Connect, read, reconnect, until `stop()`."""
        attempt = 0
        successor: ClientConnection | None = None
        while not self._stopped.is_set():
            try:
                socket = successor or await self._connect()
                successor = None
                async with socket:
                    self._socket = socket
                    await self._opened()
                    attempt = 0
                    successor = await self._read(socket)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                self.health.failures += 1
                self._log_once(f"connection: {type(exc).__name__}", logging.WARNING)
            finally:
                self._socket = None
                self.health.connected = successor is not None
            if successor is None and not self._stopped.is_set():
                delay = self.backoff.delay(attempt, self.rng)
                attempt += 1
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), delay)

    async def subscribe(self, streams: Sequence[str]) -> None:
        """Add streams (same route) to the live connection, paced; they also join the URL
        of every later connection."""
        added = [s for s in streams if s not in self.streams]
        combined_stream_url(self.ws_base, [*self.streams, *added])
        for stream in added:
            self.streams.append(stream)
            self.health.streams[stream] = StreamState(last_message=self.clock())
            if limit := self.stale_after.get(stream_kind(stream)):
                self._limits[stream] = limit
            wait = self._last_subscribe + self.subscribe_interval - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_subscribe = self.clock()
            socket = self._socket
            if socket is not None:
                self._request_id += 1
                message = {"method": "SUBSCRIBE", "params": [stream], "id": self._request_id}
                with suppress(ConnectionClosed):
                    await socket.send(json.dumps(message))

    # ----- internals -----------------------------------------------------------------------

    async def _connect(self) -> ClientConnection:
        return await connect(
            self.url,
            ping_interval=20,
            ping_timeout=20,
            open_timeout=10,
            close_timeout=1,
            compression=None,
            max_queue=None,
        )

    async def _opened(self) -> None:
        health = self.health
        reconnected = health.connections > 0
        health.connections += 1
        health.reconnects += reconnected
        health.connected = True
        now = self.clock()
        for state in health.streams.values():
            state.last_message = now  # freshness counts from the connection
            state.stale = False
        if self.on_connect is not None:
            await self.on_connect(reconnected)

    async def _read(self, socket: ClientConnection) -> ClientConnection | None:
        """Read (in a task of its own) until stopped, stale or due for rotation; the
        successor, when rotating (the old connection is read until it is open)."""
        opened = checked = self.clock()
        reader = asyncio.create_task(self._receive(socket))
        stopped = asyncio.create_task(self._stopped.wait())
        try:
            while True:
                every = self._check_every()  # streams subscribed later may need it sooner
                await asyncio.wait({reader, stopped}, timeout=every)
                if reader.done():
                    reader.result()  # the connection's failure, if it failed
                    return None
                if stopped.done():
                    return None
                now = self.clock()
                if now - opened >= self.rotate_after_s:
                    successor = await self._connect()
                    self.health.rotations += 1
                    return successor
                punctual = now - checked <= 2 * every + 0.05
                checked = now
                if punctual and self._alarm():
                    return None
        finally:
            for task in (reader, stopped):
                task.cancel()
            with suppress(asyncio.CancelledError, ConnectionClosed):
                await reader

    async def _receive(self, socket: ClientConnection) -> None:
        """Deliver every message until the connection closes (`ConnectionClosed`)."""
        deliver = self._deliver
        while True:
            deliver(await socket.recv())

    def _check_every(self) -> float:
        return max(0.05, min([*self._limits.values(), 1.0]) / 4)

    def _deliver(self, raw: str | bytes) -> None:
        if isinstance(raw, str) and raw.startswith('{"result"'):
            return  # the answer to a SUBSCRIBE
        try:
            stream, event = parse_combined(raw)
        except MessageError as exc:
            self.health.bad_messages += 1
            self._log_once(str(exc).split(":", 1)[0], logging.WARNING)
            return
        state = self.health.streams.get(stream)
        if state is None:
            self.health.bad_messages += 1
            self._log_once(f"message of a stream not subscribed here: {stream}", logging.WARNING)
            return
        state.messages += 1
        state.last_message = self.clock()
        self.on_event(stream, event)

    def _alarm(self) -> bool:
        now = self.clock()
        stale = []
        streams = self.health.streams
        for stream, limit in self._limits.items():
            state = streams[stream]
            state.stale = now - (state.last_message or now) > limit
            if state.stale:
                stale.append(stream)
        if not stale:
            return False
        self.health.stale_alarms += 1
        log.warning(
            "Binance streams silent too long, reconnecting: %s",
            ", ".join(stale[:5]),
            extra={"streams": stale, "route": route_of(stale[0])},
        )
        return True

    def _log_once(self, problem: str, level: int) -> None:
        if problem not in self._logged:
            self._logged.add(problem)
            log.log(level, "Binance stream: %s", problem)


class StreamManager:
    """Every stream of a set, grouped into connections by route, `MAX_STREAMS_PER_CONNECTION`
    each (see the module docstring)."""

    def __init__(
        self,
        ws_base: str,
        streams: Sequence[str],
        on_event: EventHandler,
        *,
        on_connect: ConnectHandler | None = None,
        options: ConnectionOptions | None = None,
        max_streams: int = MAX_STREAMS_PER_CONNECTION,
    ) -> None:
        groups: dict[str, list[str]] = {}
        for stream in dict.fromkeys(streams):
            groups.setdefault(route_of(stream), []).append(stream)
        self.connections = [
            StreamConnection(ws_base, chunk, on_event, on_connect=on_connect, options=options)
            for group in groups.values()
            for chunk in _chunks(group, max_streams)
        ]

    async def run(self) -> None:
        """Run every connection until `stop()`."""
        await asyncio.gather(*(connection.run() for connection in self.connections))

    def stop(self) -> None:
        """Stop every connection."""
        for connection in self.connections:
            connection.stop()


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
