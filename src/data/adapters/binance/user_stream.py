"""Binance USDT-M user-data stream: the listenKey's life, the connection, the events.

`UserStream` keeps one account's private stream open until `stop()`:

* it creates a listenKey over REST (`POST /fapi/v1/listenKey`, in a thread) and connects
  to `{WS}/private/ws?listenKey=…` (the route of Binance's April 2026 split: a stream on
  the wrong route is accepted and silent);
* once the socket is open it calls `on_connected(reconnected)` before reading anything:
  the venue reconciles over REST there (open orders, open algo orders, positions,
  trades since the last one seen), then the events that waited in the socket follow.
  Both callbacks run in the event loop: they hand slow work (REST) to a thread of their
  own; an exception in one is logged, never ends the stream;
* it delivers every event, parsed (`user_parse.parse_user_event`), to `on_event` in the
  order received; a malformed message is counted and logged once per problem;
* it extends the listenKey every `keepalive_s` (`PUT`, 30 minutes by default: the key
  lives 60);
* it rotates — a new listenKey, a new connection — on `listenKeyExpired`, on a keepalive
  answered -1125 and on a socket the server closed; after a network failure it
  reconnects with the same key, waiting 1 s → 30 s (exponential, with jitter) for ever;
* with `stale_after_s`, a stream silent that long is reconnected (user streams are quiet
  when nothing trades, so this is off by default).

The listenKey is a credential: it is never logged beyond a four-character prefix, and
the WebSocket library's own trace (which would print the URL and the frames) goes to a
logger kept at INFO with the key masked.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from scalplab.data.adapters.binance.order_errors import NO_LISTEN_KEY, BinanceRejected
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.adapters.binance.user_events import ListenKeyExpired, UserEvent
from scalplab.data.adapters.binance.user_parse import parse_user_event
from scalplab.data.adapters.binance.websocket import Backoff
from scalplab.errors import ScalpLabError

log = logging.getLogger(__name__)

KEEPALIVE_S = 1800.0
KEEPALIVE_RETRY_S = 60.0
"""Wait before another keepalive after one that failed (other than -1125)."""
KEY_IN_TEXT = re.compile(r"""(listenKey["']?\s*[=:]\s*["']?)([A-Za-z0-9]{4})[A-Za-z0-9]+""")
Ending = Literal["stopped", "expired", "closed", "stale"]
T = TypeVar("T")


def user_stream_url(ws_base: str, listen_key: str) -> str:
    """`{ws_base}/private/ws?listenKey=…`."""
    return f"{ws_base.rstrip('/')}/private/ws?listenKey={listen_key}"


def masked(listen_key: str) -> str:
    """A listenKey as it may be logged: its first four characters."""
    return f"{listen_key[:4]}…"


class MaskListenKeys(logging.Filter):
    """Rewrites a record whose text holds a listenKey so only its prefix remains."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask, and keep the record."""
        text = record.getMessage()
        if "listenKey" in text:
            record.msg, record.args = KEY_IN_TEXT.sub(r"\1\2…", text), ()
        return True


SOCKET_LOG = logging.getLogger(f"{__name__}.socket")
SOCKET_LOG.setLevel(logging.INFO)  # the library's DEBUG trace prints the URL and frames
SOCKET_LOG.addFilter(MaskListenKeys())


@dataclass(frozen=True, slots=True)
class UserStreamHealth:
    """What the user stream reports to `/status/health`."""

    connected: bool
    connections: int
    reconnects: int
    listen_key_rotations: int
    keepalives: int
    keepalive_failures: int
    last_event_age_s: float | None
    """Seconds since the last message (None before the first)."""
    events: int
    bad_messages: int
    failures: int
    stale_alarms: int

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        age = self.last_event_age_s
        return {
            "connected": self.connected,
            "connections": self.connections,
            "reconnects": self.reconnects,
            "listen_key_rotations": self.listen_key_rotations,
            "keepalives": self.keepalives,
            "keepalive_failures": self.keepalive_failures,
            "last_event_age_s": None if age is None else round(age, 3),
            "events": self.events,
            "bad_messages": self.bad_messages,
            "failures": self.failures,
            "stale_alarms": self.stale_alarms,
        }


class UserStream:
    """One account's user-data stream (see the module docstring)."""

    def __init__(
        self,
        client: BinanceTradingClient,
        ws_base: str,
        on_event: Callable[[UserEvent], None],
        on_connected: Callable[[bool], None],
        *,
        keepalive_s: float = KEEPALIVE_S,
        backoff_s: tuple[float, float] = (1.0, 30.0),
        stale_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.ws_base = ws_base.rstrip("/")
        self.on_event = on_event
        self.on_connected = on_connected
        self.keepalive_s = keepalive_s
        self.backoff = Backoff(initial=backoff_s[0], maximum=backoff_s[1])
        self.stale_after_s = stale_after_s
        self._clock = clock
        self._rng = rng or random.Random()
        self._stopped = asyncio.Event()
        self._key: str | None = None
        self._keys_created = 0
        self._keepalive_at = 0.0
        self._last_message: float | None = None
        self._freshness_from = 0.0
        self._logged: set[str] = set()
        self._connected = False
        self._connections = self._reconnects = self._rotations = 0
        self._keepalives = self._keepalive_failures = 0
        self._events = self._bad_messages = self._failures = self._stale_alarms = 0

    def __repr__(self) -> str:
        return f"UserStream({self.ws_base!r})"

    def stop(self) -> None:
        """Make `run` return (after closing the connection)."""
        self._stopped.set()

    def health(self) -> UserStreamHealth:
        """Connection state and counters now."""
        last = self._last_message
        return UserStreamHealth(
            connected=self._connected,
            connections=self._connections,
            reconnects=self._reconnects,
            listen_key_rotations=self._rotations,
            keepalives=self._keepalives,
            keepalive_failures=self._keepalive_failures,
            last_event_age_s=None if last is None else max(self._clock() - last, 0.0),
            events=self._events,
            bad_messages=self._bad_messages,
            failures=self._failures,
            stale_alarms=self._stale_alarms,
        )

    async def run(self) -> None:
        """Create the key, connect, deliver, keep alive, rotate, reconnect, until `stop()`."""
        attempt = 0
        while not self._stopped.is_set():
            ending: Ending | None = None
            productive = False
            try:
                if self._key is None:
                    await self._new_key()
                if self._key is not None:
                    ending, productive = await self._session(self._key)
            except ScalpLabError as exc:  # the listenKey could not be created
                self._failures += 1
                self._log_once(f"listenKey: {exc.message}", logging.WARNING)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                self._failures += 1
                self._log_once(f"connection: {type(exc).__name__}", logging.WARNING)
                if isinstance(exc, InvalidStatus):  # refused at the handshake: the key is bad
                    self._key = None
            finally:
                self._connected = False
            if ending == "stopped" or self._stopped.is_set():
                break
            if ending in ("expired", "closed"):
                self._key = None  # rotate
            if productive:
                attempt = 0
            if ending == "expired" and attempt == 0:
                attempt = 1  # at once, but a key that keeps expiring backs off
                continue
            delay = self.backoff.delay(attempt, self._rng)
            attempt += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay)

    # ----- internals -----------------------------------------------------------------

    async def _new_key(self) -> None:
        creating = asyncio.ensure_future(asyncio.to_thread(self.client.new_listen_key))
        stopped = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({creating, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not creating.done():
            creating.add_done_callback(_drop_result)
            return
        key = creating.result()
        self._rotations += self._keys_created > 0
        self._keys_created += 1
        self._key = key
        self._keepalive_at = self._clock() + self.keepalive_s
        log.info("Binance user stream: listenKey %s ready", masked(key))

    async def _session(self, key: str) -> tuple[Ending, bool]:
        """One connection: its ending, and whether it was productive (delivered a message
        or lasted as long as the longest backoff)."""
        async with connect(
            user_stream_url(self.ws_base, key),
            ping_interval=20,
            ping_timeout=20,
            open_timeout=10,
            close_timeout=1,
            max_queue=None,
            logger=SOCKET_LOG,
        ) as socket:
            opened = self._clock()
            reconnected = self._connections > 0
            self._connections += 1
            self._reconnects += reconnected
            self._connected = True
            self._freshness_from = opened
            received_before = self._events + self._bad_messages
            self._call_back(self.on_connected, reconnected, "on_connected")
            ending = await self._read_until_done(socket, key)
            productive = (
                self._events + self._bad_messages > received_before
                or self._clock() - opened >= self.backoff.maximum
            )
            return ending, productive

    async def _read_until_done(self, socket: ClientConnection, key: str) -> Ending:
        reader = asyncio.create_task(self._receive(socket, key))
        stopped = asyncio.create_task(self._stopped.wait())
        try:
            while True:
                await asyncio.wait(
                    {reader, stopped}, timeout=self._check_in(), return_when=asyncio.FIRST_COMPLETED
                )
                if stopped.done():
                    return "stopped"
                if reader.done():
                    try:
                        return reader.result()
                    except ConnectionClosed as exc:
                        if exc.rcvd is None:
                            raise  # the connection was lost, not closed by the server
                        self._log_once("connection closed by the server", logging.INFO)
                        return "closed"
                if self._clock() >= self._keepalive_at and not await self._keepalive():
                    return "expired"
                if self._is_stale():
                    self._stale_alarms += 1
                    self._log_once("user stream silent too long, reconnecting", logging.WARNING)
                    return "stale"
        finally:
            for task in (reader, stopped):
                task.cancel()
            with suppress(asyncio.CancelledError, ConnectionClosed):
                await reader

    async def _receive(self, socket: ClientConnection, key: str) -> Ending:
        """Deliver every message until `listenKeyExpired` ("expired") or the connection
        closes (`ConnectionClosed`)."""
        while True:
            raw = await socket.recv()
            self._last_message = self._clock()
            try:
                event = parse_user_event(raw)
            except MessageError as exc:
                self._bad_messages += 1
                self._log_once(f"bad message: {str(exc).split(':', 1)[0]}", logging.WARNING)
                continue
            if event is None:
                continue
            self._events += 1
            self._call_back(self.on_event, event, "on_event")
            if isinstance(event, ListenKeyExpired) and event.listen_key in ("", key):
                log.info("Binance user stream: listenKey %s expired; rotating", masked(key))
                return "expired"

    async def _keepalive(self) -> bool:
        """Extend the key; False when Binance no longer knows it (-1125)."""
        try:
            await asyncio.to_thread(self.client.keepalive_listen_key)
        except BinanceRejected as exc:
            if exc.code == NO_LISTEN_KEY:
                log.info("Binance user stream: keepalive answered -1125; rotating")
                return False
            self._keepalive_failed(exc)
        except ScalpLabError as exc:
            self._keepalive_failed(exc)
        else:
            self._keepalives += 1
            self._keepalive_at = self._clock() + self.keepalive_s
        return True

    def _keepalive_failed(self, exc: ScalpLabError) -> None:
        self._keepalive_failures += 1
        self._keepalive_at = self._clock() + min(self.keepalive_s, KEEPALIVE_RETRY_S)
        self._log_once(f"keepalive failed: {exc.message}", logging.WARNING)

    def _check_in(self) -> float:
        """Seconds until the next keepalive or freshness check."""
        wait = self._keepalive_at - self._clock()
        if self.stale_after_s is not None:
            wait = min(wait, self.stale_after_s / 4)
        return max(wait, 0.01)

    def _is_stale(self) -> bool:
        if self.stale_after_s is None:
            return False
        last = max(self._last_message or 0.0, self._freshness_from)
        return self._clock() - last > self.stale_after_s

    def _call_back(self, call: Callable[[T], None], argument: T, name: str) -> None:
        try:
            call(argument)
        except Exception:  # a consumer's bug must not end the stream
            log.exception("Binance user stream: %s raised", name)

    def _log_once(self, problem: str, level: int) -> None:
        if problem not in self._logged:
            self._logged.add(problem)
            log.log(level, "Binance user stream: %s", problem)


def _drop_result(task: asyncio.Future[str]) -> None:
    """Consume the outcome of a key creation abandoned by `stop()`."""
    if not task.cancelled():
        task.exception()
