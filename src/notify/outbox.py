"""The notifier's bounded outbox: deduplication, per-symbol cooldown, priorities.

`put` is called from any thread (the engine's event consumer, the backtest worker's
callback thread, the health watcher) and never blocks: it admits a record, refuses it
as a duplicate (same key within `dedupe_window_s`) or as cooled down (a signal card
for a symbol that had one less than `cooldown_s` ago), and when the outbox is full it
drops the oldest LOW-priority record (or the new record itself when it is low and
only high ones wait, or else the oldest high one), counting every drop. `take`
hands records out in the order they were admitted, so a chat reads them in the order
things happened (a signal card before its fill and its exit); priority only decides
what a full outbox gives up.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from scalplab.notify.messages import Notification

Admission = Literal["queued", "duplicate", "cooldown", "dropped"]
"""What `put` did with a record."""

DEFAULT_MAXSIZE = 500
DEFAULT_DEDUPE_WINDOW_S = 300.0
"""A record whose key was admitted less than this long ago is a duplicate."""


@dataclass(frozen=True, slots=True)
class Queued:
    """A record waiting in the outbox, with when it was admitted (monotonic seconds)."""

    notification: Notification
    queued_at: float


@dataclass(frozen=True, slots=True)
class OutboxCounters:
    """What the outbox refused or dropped so far, and how many records wait."""

    depth: int
    dropped: int
    duplicates: int
    cooled_down: int


class Outbox:
    """Thread-safe; see the module docstring."""

    def __init__(
        self,
        maxsize: int = DEFAULT_MAXSIZE,
        dedupe_window_s: float = DEFAULT_DEDUPE_WINDOW_S,
        cooldown_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if maxsize < 1:
            raise ValueError("the outbox holds at least one record")
        self.maxsize = maxsize
        self.dedupe_window_s = dedupe_window_s
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._items: deque[Queued] = deque()
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._last_signal: dict[str, float] = {}
        self._dropped = 0
        self._duplicates = 0
        self._cooled_down = 0
        self.on_put: Callable[[], None] | None = None
        """Called (outside the lock) after a record was admitted: wakes the sender."""

    def put(self, notification: Notification) -> Admission:
        """Admit `notification` unless it is a duplicate or cooled down; never blocks."""
        with self._lock:
            now = self._clock()
            admission = self._admit(notification, now)
        if admission == "queued" and self.on_put is not None:
            self.on_put()
        return admission

    def _admit(self, notification: Notification, now: float) -> Admission:
        self._forget_before(now - self.dedupe_window_s)
        key = notification.key
        if key is not None and key in self._seen:
            self._duplicates += 1
            return "duplicate"
        symbol = notification.cooldown_symbol
        if symbol is not None and self.cooldown_s > 0:
            last = self._last_signal.get(symbol)
            if last is not None and now - last < self.cooldown_s:
                self._cooled_down += 1
                return "cooldown"
            self._last_signal[symbol] = now
        if key is not None:
            self._seen[key] = now
        if len(self._items) >= self.maxsize:
            low = next(
                (i for i, q in enumerate(self._items) if q.notification.priority == "low"), None
            )
            if low is not None:
                del self._items[low]
            elif notification.priority == "low":
                self._dropped += 1
                return "dropped"
            else:
                self._items.popleft()
            self._dropped += 1
        self._items.append(Queued(notification, now))
        return "queued"

    def _forget_before(self, horizon: float) -> None:
        while self._seen:
            key, admitted = next(iter(self._seen.items()))
            if admitted > horizon:
                break
            del self._seen[key]

    def take(self) -> Queued | None:
        """The oldest record admitted, or None when empty."""
        with self._lock:
            return self._items.popleft() if self._items else None

    def counters(self) -> OutboxCounters:
        """Depth and the refusal / drop counters."""
        with self._lock:
            return OutboxCounters(
                depth=len(self._items),
                dropped=self._dropped,
                duplicates=self._duplicates,
                cooled_down=self._cooled_down,
            )
