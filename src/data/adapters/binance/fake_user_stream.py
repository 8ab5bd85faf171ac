"""The fake venue's user-data stream: the account's listenKey and the WebSocket
connections that receive its events.

As Binance documents it for USDT-M: a listenKey lives 60 minutes; `POST` returns the
active key (extending it) or a new one; `PUT` extends the active key (-1125 when there is
none); `DELETE` closes it. Connections come in at `/private/ws?listenKey=KEY` (also the
documented `/private/ws/KEY`) and receive the raw events (`{"e": …}`), in the order the
venue produced them; a connection with an unknown or expired key is closed at once. When
the key expires (60 minutes without a keepalive, or the `ListenKeyExpiry` fault) its
connections get `listenKeyExpired` and are closed.

`drop_on_next_fill` closes every connection right before the next fill's events, which
those connections never get (only a REST reconciliation recovers them). Events are
handed over from any thread (the REST server's, a replay loop's) to each connection's
own event loop.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from scalplab.data.adapters.binance.fake_records import StreamEvent

LISTEN_KEY_MS = 60 * 60 * 1000
CLOSE = None
"""Queued to a connection: close it."""


@dataclass
class StreamVisit:
    """One user-stream connection: its key, when it came and went, what it was sent."""

    listen_key: str
    opened_ms: int
    closed_ms: int | None = None
    events: list[str] = field(default_factory=list)
    """The event types sent, in order."""
    refused: bool = False


@dataclass
class _Connection:
    visit: StreamVisit
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str | None]
    live: bool = True

    def push(self, item: str | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the connection's loop is gone
            self.live = False


def listen_key_of(path: str) -> str | None:
    """The listenKey a connection asks for: `/private/ws?listenKey=K` or `/private/ws/K`."""
    url = urlsplit(path)
    parts = [p for p in url.path.split("/") if p]
    if parts[:2] != ["private", "ws"]:
        return None
    if len(parts) == 3:
        return parts[2]
    if len(parts) == 2:
        return parse_qs(url.query).get("listenKey", [None])[0]
    return None


class UserStreams:
    """The account's listenKey and user-stream connections (thread-safe)."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.key: str | None = None
        self.expires_ms = 0
        self.visits: list[StreamVisit] = []
        self.drop_on_next_fill = False
        self._connections: list[_Connection] = []
        self._lock = threading.RLock()

    # ----- the listenKey (REST) ---------------------------------------------------------

    def create(self) -> str:
        """`POST /fapi/v1/listenKey`: the active key, extended, or a new one."""
        with self._lock:
            self.expire_stale()
            if self.key is None:
                self.key = secrets.token_urlsafe(48)[:64]
            self.expires_ms = self.clock() + LISTEN_KEY_MS
            return self.key

    def keepalive(self, given: str | None = None) -> str | None:
        """`PUT /fapi/v1/listenKey`: extend the active key (None: there is none, -1125)."""
        with self._lock:
            self.expire_stale()
            if self.key is None or given not in (None, self.key):
                return None
            self.expires_ms = self.clock() + LISTEN_KEY_MS
            return self.key

    def close(self) -> None:
        """`DELETE /fapi/v1/listenKey`: invalidate the key and close its connections."""
        with self._lock:
            self.key = None
            for connection in self._connections:
                self._shut(connection)

    def expire(self) -> None:
        """The key expires now: `listenKeyExpired` to its connections, which then close."""
        with self._lock:
            key, self.key = self.key, None
            if key is None:
                return
            now = self.clock()
            text = json.dumps({"e": "listenKeyExpired", "E": str(now), "listenKey": key})
            for connection in self._connections:
                if connection.live and connection.visit.listen_key == key:
                    connection.visit.events.append("listenKeyExpired")
                    connection.push(text)
                    self._shut(connection)

    def expire_stale(self) -> None:
        """Expire the key if its 60 minutes ran out."""
        with self._lock:
            if self.key is not None and self.clock() >= self.expires_ms:
                self.expire()

    # ----- events -----------------------------------------------------------------------

    def publish(self, event: StreamEvent) -> None:
        """Send an event to every live connection (after a pending fill-time drop)."""
        with self._lock:
            if event.fill and self.drop_on_next_fill:
                self.drop_on_next_fill = False
                for connection in self._connections:
                    self._shut(connection)
            for connection in self._connections:
                if connection.live:
                    connection.visit.events.append(event.name)
                    connection.push(event.payload)
            self._connections = [c for c in self._connections if c.live]

    def connected(self) -> int:
        """Live connections."""
        with self._lock:
            return sum(1 for c in self._connections if c.live)

    def _shut(self, connection: _Connection) -> None:
        if connection.live:
            connection.live = False
            connection.push(CLOSE)

    # ----- the WebSocket side -----------------------------------------------------------

    async def serve(self, socket: ServerConnection) -> None:
        """Serve one `/private` connection until it or the key closes."""
        key = listen_key_of(socket.request.path if socket.request else "/")
        visit = StreamVisit(key or "", self.clock())
        connection = _Connection(visit, asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self.visits.append(visit)
            self.expire_stale()
            valid = key is not None and key == self.key
            if valid:
                self._connections.append(connection)
        if not valid:
            visit.refused, visit.closed_ms = True, self.clock()
            await socket.close(1008, "invalid listenKey")
            return
        queue = connection.queue
        reader = asyncio.create_task(_drain(socket, queue))
        try:
            while (text := await queue.get()) is not CLOSE:
                await socket.send(text)
            await socket.close()
        except ConnectionClosed:
            pass
        finally:
            reader.cancel()
            with self._lock:
                connection.live = False
            visit.closed_ms = self.clock()


async def _drain(socket: ServerConnection, queue: asyncio.Queue[str | None]) -> None:
    """Read (and ignore) what the client sends; when it closes, end the connection."""
    try:
        async for _ in socket:
            pass
    except ConnectionClosed:
        pass
    finally:
        queue.put_nowait(CLOSE)
