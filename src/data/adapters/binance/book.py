"""A local order book kept from Binance USDT-M diff depth, with Binance's sync rules.

How Binance says to keep one: buffer the diff stream, take a REST snapshot, drop the
buffered diffs that end before it (`u < lastUpdateId`), apply from the diff that
bridges it (`U ≤ lastUpdateId ≤ u`), and from then on require every diff to follow
the previous one (`pu` equal to the previous `u`). Anything else means updates were
lost, and the book starts over.

`LocalOrderBook` is that state machine and nothing else (no I/O): the caller feeds it
diffs and, when it asks for one, a snapshot. Each start-over opens a new epoch; a
snapshot is accepted only for the epoch it was requested in, so a snapshot that
arrives after the book had to start over again is dropped instead of corrupting the
new attempt. The buffer is bounded; a buffer that fills up before a snapshot arrives
starts over too. A diff that ends at or before the book's last update (a duplicate,
or one delivered again after a reconnect) is ignored.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import Literal

from scalplab.data.market_events import BookSnapshot, DepthDiff, Level

MAX_BUFFER = 10_000
"""Diffs kept while waiting for a snapshot."""

DiffOutcome = Literal["applied", "buffered", "ignored", "resync"]
"""What a diff did: changed the book, waits for the snapshot, changed nothing (a
duplicate), or revealed a gap (the book starts over: request a snapshot)."""


@dataclass(frozen=True, slots=True)
class BookTopLevels:
    """Best bid and ask of the local book."""

    bid: float
    bid_qty: float
    ask: float
    ask_qty: float

    @property
    def spread(self) -> float:
        """Ask minus bid."""
        return self.ask - self.bid


class LocalOrderBook:
    """One symbol's book from snapshot + diffs (see the module docstring)."""

    def __init__(self, symbol: str, max_buffer: int = MAX_BUFFER) -> None:
        self.symbol = symbol
        self.max_buffer = max_buffer
        self.epoch = 0
        self.synced = False
        self.last_update_id: int | None = None
        self.resyncs = 0
        self.stale_snapshots = 0
        self.ignored = 0
        self._bridged = False
        self._buffer: deque[DepthDiff] = deque()
        self._bids: dict[float, float] = {}
        self._asks: dict[float, float] = {}

    # ----- feeding -------------------------------------------------------------------------

    def on_diff(self, diff: DepthDiff) -> DiffOutcome:
        """Take one diff of this symbol's stream (`resync`: request a snapshot for the
        new `epoch`)."""
        if not self.synced:
            overflow = len(self._buffer) >= self.max_buffer
            if overflow:
                self.start_over()
            self._buffer.append(diff)
            return "resync" if overflow else "buffered"
        last = self.last_update_id
        assert last is not None
        if diff.final_update_id <= last:
            self.ignored += 1
            return "ignored"
        follows = diff.previous_final_update_id == last or (
            not self._bridged and diff.first_update_id <= last
        )
        if not follows:
            self.start_over()
            self._buffer.append(diff)
            return "resync"
        self._apply(diff)
        return "applied"

    def start_over(self) -> int:
        """Forget the book and open a new epoch (the snapshot to request is for it)."""
        self.epoch += 1
        if self.synced or self._buffer:
            self.resyncs += 1
        self.synced = False
        self._bridged = False
        self.last_update_id = None
        self._buffer.clear()
        self._bids.clear()
        self._asks.clear()
        return self.epoch

    def on_snapshot(self, epoch: int, snapshot: BookSnapshot) -> bool:
        """A REST snapshot requested in `epoch`; True when the book is now synced.

        False when it is stale (another start-over happened since: dropped) or older
        than every buffered diff can bridge (the book starts over: request another)."""
        if epoch != self.epoch or self.synced:
            self.stale_snapshots += 1
            return False
        buffered = [d for d in self._buffer if d.final_update_id >= snapshot.last_update_id]
        first = buffered[0] if buffered else None
        if (
            first is not None
            and first.first_update_id > snapshot.last_update_id
            and first.previous_final_update_id != snapshot.last_update_id
        ):
            self.start_over()
            return False
        self._buffer.clear()
        self._bids = {price: qty for price, qty in snapshot.bids if qty > 0}
        self._asks = {price: qty for price, qty in snapshot.asks if qty > 0}
        self.last_update_id = snapshot.last_update_id
        self.synced = True
        self._bridged = False
        for index, diff in enumerate(buffered):
            if self.on_diff(diff) == "resync":  # a gap inside the buffer: wait for another
                for later in buffered[index + 1 :]:
                    self.on_diff(later)
                return False
        return True

    def _apply(self, diff: DepthDiff) -> None:
        _update(self._bids, diff.bids)
        _update(self._asks, diff.asks)
        self.last_update_id = diff.final_update_id
        self._bridged = True

    # ----- reading -------------------------------------------------------------------------

    def top(self) -> BookTopLevels | None:
        """Best bid and ask (None until synced, or while a side is empty)."""
        if not self.synced or not self._bids or not self._asks:
            return None
        bid = max(self._bids)
        ask = min(self._asks)
        return BookTopLevels(bid, self._bids[bid], ask, self._asks[ask])

    def levels(self, depth: int) -> tuple[list[Level], list[Level]]:
        """The best `depth` bids (highest first) and asks (lowest first)."""
        if not self.synced:
            return [], []
        bids = heapq.nlargest(depth, self._bids.items())
        asks = heapq.nsmallest(depth, self._asks.items())
        return bids, asks

    @property
    def size(self) -> tuple[int, int]:
        """How many bid and ask levels the book holds."""
        return len(self._bids), len(self._asks)


def _update(side: dict[float, float], levels: tuple[Level, ...]) -> None:
    for price, qty in levels:
        if qty > 0:
            side[price] = qty
        else:
            side.pop(price, None)
