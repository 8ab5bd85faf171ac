"""The newest signals of every symbol, in memory: what `/signals` answers from.

A front end polls the newest signals many times a second while the engine writes new
ones; reading them from the database each time costs a query, an ORM load and a
worker thread per request. This read model keeps the newest `DEPTH` signals overall
and the newest `SYMBOL_DEPTH` of each symbol as the rows say them: loaded from the
`_sim` rows when the engine starts (and emptied by a reset), then kept current by the
journal after every commit — a new signal is added, a confirmation's resolution
settles its pending signal exactly as the row is updated. A read takes a short lock
of its own, never the engine's, and never touches the database; a request for more
than memory holds (`holds`) goes to the rows.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import threading
from collections import deque
from collections.abc import Iterable

from scalplab.orders.outcomes import ConfirmationResolved
from scalplab.simulation.recorder import signal_view
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import SignalView

DEPTH = 500
"""The newest signals kept overall (the most `/signals` returns)."""
SYMBOL_DEPTH = 100
"""The newest signals kept per symbol (`/signals?symbol=`'s default page)."""

SignalChange = SignalView | ConfirmationResolved
"""What a commit did to the signals: one added, or a confirmation resolved (its
signal's fate settled), in the order the rows were written."""


class RecentSignals:
    """The newest signals overall and of each symbol, newest last; thread-safe."""

    def __init__(
        self, store: SimStore, depth: int = DEPTH, symbol_depth: int = SYMBOL_DEPTH
    ) -> None:
        self.store = store
        self.depth = depth
        self.symbol_depth = symbol_depth
        self._lock = threading.Lock()
        self._all: deque[SignalView] = deque(maxlen=depth)
        self._by_symbol: dict[str, deque[SignalView]] = {}

    def holds(self, symbol: str | None, limit: int) -> bool:
        """Whether memory holds the newest `limit` signals (of `symbol`, if given)."""
        return 0 < limit <= (self.depth if symbol is None else self.symbol_depth)

    def load(self) -> None:
        """Fill from the rows (the caller holds the engine lock, so no commit races it)."""
        views = {row.id: compact(signal_view(row)) for row in self.store.signals(None, self.depth)}
        for row in self.store.newest_signals(self.symbol_depth):
            views.setdefault(row.id, compact(signal_view(row)))
        with self._lock:
            self._all = deque(maxlen=self.depth)
            self._by_symbol = {}
            for view in sorted(views.values(), key=lambda view: view.id):
                self._add(view)

    def clear(self) -> None:
        """Forget every signal (the rows were deleted)."""
        with self._lock:
            self._all = deque(maxlen=self.depth)
            self._by_symbol = {}

    def apply(self, changes: Iterable[SignalChange]) -> None:
        """What a unit of work committed, in the order it wrote it."""
        with self._lock:
            for change in changes:
                if isinstance(change, SignalView):
                    self._add(compact(change))
                else:
                    self._settle(change)

    def newest(self, symbol: str | None, limit: int) -> list[SignalView]:
        """The newest `limit` signals, of one symbol or of all, newest first (`holds`)."""
        if not self.holds(symbol, limit):
            raise ValueError(
                f"memory holds {self.depth} signals overall and {self.symbol_depth} per symbol"
            )
        with self._lock:
            ring = self._all if symbol is None else self._by_symbol.get(symbol)
            return [] if ring is None else list(itertools.islice(reversed(ring), limit))

    def _add(self, view: SignalView) -> None:
        """Keep a view, newer than every one kept (the overall ring drops its oldest)."""
        self._all.append(view)
        ring = self._by_symbol.get(view.symbol)
        if ring is None:
            ring = self._by_symbol[view.symbol] = deque(maxlen=self.symbol_depth)
        ring.append(view)

    def _settle(self, resolved: ConfirmationResolved) -> None:
        rings = (self._all, self._by_symbol.get(resolved.order.symbol) or deque())
        for ring in rings:
            for index, view in enumerate(ring):
                if view.order_id == resolved.order.id and view.status == "pending":
                    ring[index] = dataclasses.replace(
                        view, status=resolved.fate, reason=resolved.reason
                    )


def compact(view: SignalView) -> SignalView:
    """`view` as memory keeps it: the words every signal repeats (symbol, strategy, side,
    fate, reasons, tier, variant) shared instead of copied, and no latency stamp (the rows
    have none)."""
    intern = sys.intern
    return dataclasses.replace(
        view,
        symbol=intern(view.symbol),
        strategy=intern(view.strategy),
        side=intern(view.side),
        status=intern(view.status),
        reason=intern(view.reason),
        reasons=[intern(reason) for reason in view.reasons],
        candle_in_ns=None,
        tier=None if view.tier is None else intern(view.tier),
        variant=None if view.variant is None else intern(view.variant),
    )
