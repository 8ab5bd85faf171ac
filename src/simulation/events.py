"""Thread-safe fan-out of engine events to asyncio consumers (the SSE streams).

The engine publishes from its own threads (pair runners, the replay pump, API
worker threads); each subscriber owns a bounded `asyncio.Queue` on its event
loop, fed with `loop.call_soon_threadsafe`, so publishing never blocks and never
touches a queue from the wrong thread. A slow consumer does not slow the
engine: when its queue is full the oldest event is dropped and counted
(`EventSubscription.dropped`). Events are published only after the state
change they describe has been committed to the database.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from scalplab.orders.pending import PendingView
from scalplab.orders.types import Order
from scalplab.simulation.views import EngineStatus, RiskEventView, SignalView, TradeView

EventKind = Literal["signal", "pending", "order", "trade", "status", "risk"]
StreamPayload = SignalView | PendingView | Order | TradeView | EngineStatus | RiskEventView
"""What an event carries: the typed record of its kind."""
DEFAULT_QUEUE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """One event: a sequence number, its kind, its typed record and when it was published."""

    seq: int
    kind: EventKind
    data: StreamPayload
    published_ns: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`published_ns` is `time.perf_counter_ns()` for latency checks)."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "data": self.data.to_dict(),
            "published_ns": self.published_ns,
        }


class EventSubscription:
    """One consumer's bounded queue; iterate it with `async for` or await `get()`."""

    def __init__(self, hub: EventHub, loop: asyncio.AbstractEventLoop, maxsize: int) -> None:
        self._hub = hub
        self._loop = loop
        self._queue: asyncio.Queue[EngineEvent] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0
        self.closed = False

    def _deliver(self, event: EngineEvent) -> None:
        """Runs on the subscriber's loop: enqueue, dropping the oldest when full."""
        if self.closed:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def _offer(self, event: EngineEvent) -> bool:
        """Called from any thread; False when the loop is gone (the subscription is dropped)."""
        try:
            self._loop.call_soon_threadsafe(self._deliver, event)
        except RuntimeError:
            return False
        return True

    async def get(self) -> EngineEvent:
        """The next event (waits)."""
        return await self._queue.get()

    def get_nowait(self) -> EngineEvent | None:
        """The next event if one is queued, else None."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def pending(self) -> int:
        """Events queued and not yet read."""
        return self._queue.qsize()

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        self.closed = True
        self._hub.unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[EngineEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[EngineEvent]:
        while not self.closed:
            yield await self._queue.get()

    def __enter__(self) -> EventSubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    """Publishes engine events to every live subscription."""

    def __init__(self, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._subscriptions: list[EventSubscription] = []
        self._seq = itertools.count(1)

    def subscribe(
        self, loop: asyncio.AbstractEventLoop | None = None, maxsize: int | None = None
    ) -> EventSubscription:
        """A new subscription on `loop` (default: the running loop of the caller)."""
        target = loop if loop is not None else asyncio.get_running_loop()
        subscription = EventSubscription(self, target, maxsize or self.maxsize)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: EventSubscription) -> None:
        """Forget a subscription (no error if it is already gone)."""
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def publish(self, kind: EventKind, data: StreamPayload) -> EngineEvent:
        """Send an event to every subscriber; safe from any thread, never blocks."""
        with self._lock:
            event = EngineEvent(next(self._seq), kind, data, time.perf_counter_ns())
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            if not subscription._offer(event):
                self.unsubscribe(subscription)
        return event

    @property
    def subscribers(self) -> int:
        """How many subscriptions are live."""
        with self._lock:
            return len(self._subscriptions)
