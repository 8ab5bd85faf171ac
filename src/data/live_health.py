"""What a live feed reports to `/status/health` and the Dashboard: one typed snapshot.

`state` is the feed in one word: `connecting` (no connection yet), `connected` (every
connection up and no stream stale), `stale` (a subscribed stream went silent past its
limit; the connection is being replaced) or `reconnecting` (a connection is down and
retrying with backoff). Message ages are seconds since each stream's last message
(None before its first).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from scalplab.data.adapters.binance.websocket import StreamManager
from scalplab.data.sequencing import KlineSequencer

FeedState = Literal["connecting", "connected", "stale", "reconnecting"]


@dataclass(frozen=True, slots=True)
class LiveFeedHealth:
    """A live feed's connection and sequencing counters at one instant."""

    state: FeedState
    connected: bool
    prepared: bool
    connections: int
    reconnects: int
    failures: int
    stale_alarms: int
    bad_messages: int
    backfilled: int
    duplicates: int
    unfilled: int
    message_age_s: dict[str, float | None] = field(default_factory=dict)
    clock_offset_ms: int | None = None
    """Local clock minus the latest kline's exchange event time."""
    book_resyncs: int | None = None
    """Local order books started over after a gap (None: no books kept)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)

    def age_of(self, symbol: str) -> float | None:
        """Seconds since the last message of any stream of `symbol` (None: never)."""
        prefix = symbol.lower() + "@"
        ages = [a for s, a in self.message_age_s.items() if s.startswith(prefix) and a is not None]
        return min(ages) if ages else None

    def state_of(self, symbol: str, stale_after_s: float = 90.0) -> FeedState:
        """The feed state as one symbol sees it: stale when its streams went quiet."""
        if self.state in ("connecting", "reconnecting"):
            return self.state
        age = self.age_of(symbol)
        if age is None:
            return "connecting"
        return "stale" if age > stale_after_s else "connected"


def feed_health(
    manager: StreamManager,
    sequencers: Sequence[KlineSequencer],
    prepared: bool,
    clock_offset_ms: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> LiveFeedHealth:
    """The snapshot of `manager`'s connections and `sequencers`' counters."""
    connections = manager.connections
    now = clock()
    ages: dict[str, float | None] = {}
    stale = False
    for connection in connections:
        for stream, counters in connection.health.streams.items():
            last = counters.last_message
            ages[stream] = None if last is None else round(now - last, 3)
            stale = stale or counters.stale
    healths = [c.health for c in connections]
    connected = bool(healths) and all(h.connected for h in healths)
    state: FeedState
    if connected:
        state = "stale" if stale else "connected"
    elif any(h.connections or h.failures for h in healths):
        state = "reconnecting"
    else:
        state = "connecting"
    return LiveFeedHealth(
        state=state,
        connected=connected,
        prepared=prepared,
        connections=sum(h.connections for h in healths),
        reconnects=sum(h.reconnects for h in healths),
        failures=sum(h.failures for h in healths),
        stale_alarms=sum(h.stale_alarms for h in healths),
        bad_messages=sum(h.bad_messages for h in healths),
        backfilled=sum(s.counters.backfilled for s in sequencers),
        duplicates=sum(s.counters.duplicates for s in sequencers),
        unfilled=sum(s.counters.unfilled for s in sequencers),
        message_age_s=ages,
        clock_offset_ms=clock_offset_ms,
    )
