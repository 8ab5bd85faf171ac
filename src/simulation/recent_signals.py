"""The newest signals of every symbol, in memory: what `/signals` answers from.

A front end polls the newest signals many times a second while the engine writes new
ones; reading them from the database each time costs a query, an ORM load and a
worker thread per request. This read model keeps each symbol's newest `DEPTH` signals
as the rows say them: loaded from the `_sim` rows when the engine starts (and emptied
by a reset), then kept current by the journal after every commit — a new signal is
added, a confirmation's resolution settles its pending signal exactly as the row is
updated. A read takes a short lock of its own, never the engine's, and never touches
the database; a request for more than `DEPTH` signals goes to the rows.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import threading
from collections import deque
from collections.abc import Iterable

from scalplab.orders.outcomes import ConfirmationResolved
from scalplab.simulation.recorder import signal_view
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import SignalView

DEPTH = 500
"""Signals kept per symbol (the most `/signals` returns)."""

SignalChange = SignalView | ConfirmationResolved
"""What a commit did to the signals: one added, or a confirmation resolved (its
signal's fate settled), in the order the rows were written."""


class RecentSignals:
    """Each symbol's newest signals, newest last; thread-safe."""

    def __init__(self, store: SimStore, depth: int = DEPTH) -> None:
        self.store = store
        self.depth = depth
        self._lock = threading.Lock()
        self._by_symbol: dict[str, deque[SignalView]] = {}

    def load(self) -> None:
        """Fill from the rows (the caller holds the engine lock, so no commit races it)."""
        views = [signal_view(row) for row in self.store.newest_signals(self.depth)]
        with self._lock:
            self._by_symbol = {}
            for view in views:
                self._ring(view.symbol).append(view)

    def clear(self) -> None:
        """Forget every signal (the rows were deleted)."""
        with self._lock:
            self._by_symbol = {}

    def apply(self, changes: Iterable[SignalChange]) -> None:
        """What a unit of work committed, in the order it wrote it."""
        with self._lock:
            for change in changes:
                if isinstance(change, SignalView):
                    self._ring(change.symbol).append(dataclasses.replace(change, candle_in_ns=None))
                else:
                    self._settle(change)

    def newest(self, symbol: str | None, limit: int) -> list[SignalView]:
        """The newest `limit` (≤ `depth`) signals, of one symbol or of all, newest first."""
        if not 0 < limit <= self.depth:
            raise ValueError(f"limit must be within 1..{self.depth}")
        with self._lock:
            if symbol is not None:
                ring = self._by_symbol.get(symbol)
                return [] if ring is None else list(itertools.islice(reversed(ring), limit))
            newest_first = heapq.merge(
                *(reversed(ring) for ring in self._by_symbol.values()),
                key=lambda view: view.id,
                reverse=True,
            )
            return list(itertools.islice(newest_first, limit))

    def _ring(self, symbol: str) -> deque[SignalView]:
        ring = self._by_symbol.get(symbol)
        if ring is None:
            ring = self._by_symbol[symbol] = deque(maxlen=self.depth)
        return ring

    def _settle(self, resolved: ConfirmationResolved) -> None:
        ring = self._by_symbol.get(resolved.order.symbol)
        if ring is None:
            return
        for index, view in enumerate(ring):
            if view.order_id == resolved.order.id and view.status == "pending":
                ring[index] = dataclasses.replace(
                    view, status=resolved.fate, reason=resolved.reason
                )
