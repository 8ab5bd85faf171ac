"""Local order books kept live from Binance USDT-M diff depth streams.

`OrderBookKeeper` runs one `LocalOrderBook` per symbol on the `{symbol}@depth@100ms`
streams (`/public` route, through `StreamManager`) and does the I/O the book leaves to
its caller:

* when a book is not synced and a diff arrives (the first one, or one that reveals a
  gap: the book started over), it requests a REST snapshot (`limit=1000`, in a worker
  thread so the stream keeps being read) for the book's current epoch; a snapshot that
  comes back after the book started over again is dropped by the book and another one
  is requested at once;
* a snapshot that fails (REST error) or that the buffered diffs cannot bridge is
  retried with exponential backoff, `SnapshotRetry.attempts` times; then the round
  counts as a snapshot failure, is logged, and a new round starts after a cool-down:
  the keeper never gives up and never raises;
* after a connection is replaced (a drop, a stale alarm), the books of its streams
  start over: diffs were lost while it was down.

`top(symbol)` is the best bid and ask, None while the book is syncing; `health()` the
typed counters for `/status/health`; `on_update` hears every change of a synced book.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from scalplab.data.adapters.binance.book import BookTopLevels, LocalOrderBook
from scalplab.data.adapters.binance.websocket import (
    ConnectHandler,
    ConnectionOptions,
    StreamConnection,
    StreamManager,
)
from scalplab.data.market_events import BookSnapshot, DepthDiff, MarketEvent
from scalplab.errors import ScalpLabError

log = logging.getLogger(__name__)

SNAPSHOT_LIMIT = 1000
"""Levels a side of the REST snapshot a book syncs from (what Binance's guide uses)."""


class DepthSource(Protocol):
    """Where snapshots come from (`BinanceRestClient`, synchronous)."""

    def depth(self, symbol: str, limit: int = SNAPSHOT_LIMIT) -> BookSnapshot: ...


@dataclass(frozen=True, slots=True)
class SnapshotRetry:
    """How a failed or unbridgeable snapshot is retried: attempt k waits about
    `initial_s · 2^k` (at most `maximum_s`, jittered); after `attempts` failed ones the
    round counts as a failure and the next round starts `cooldown_s` later."""

    attempts: int = 5
    initial_s: float = 0.5
    maximum_s: float = 10.0
    cooldown_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds before retry `attempt` (1-based) of a round."""
        return min(self.maximum_s, self.initial_s * float(2 ** (attempt - 1))) * rng.uniform(
            0.5, 1.0
        )


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """A synced book changed: its last update id and best bid and ask."""

    symbol: str
    update_id: int
    top: BookTopLevels


@dataclass(slots=True)
class BookCounters:
    """What the keeper did for one symbol (the book counts its own resyncs)."""

    snapshots_fetched: int = 0
    snapshot_errors: int = 0
    """Snapshot requests that failed (REST errors)."""
    snapshot_failures: int = 0
    """Rounds of `SnapshotRetry.attempts` attempts that all failed."""
    diffs_applied: int = 0


@dataclass(frozen=True, slots=True)
class SymbolBookHealth:
    """One book at one instant."""

    synced: bool
    last_update_id: int | None
    resyncs: int
    snapshots_fetched: int
    snapshot_errors: int
    snapshot_failures: int
    stale_snapshots: int
    diffs_applied: int
    diffs_ignored: int


@dataclass(frozen=True, slots=True)
class BookKeeperHealth:
    """Every book's counters and their totals, for `/status/health`."""

    books: int
    books_synced: int
    book_resyncs: int
    snapshots_fetched: int
    snapshot_failures: int
    diffs_applied: int
    symbols: dict[str, SymbolBookHealth] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def depth_stream(symbol: str) -> str:
    """The diff depth stream a book is kept from."""
    return f"{symbol.lower()}@depth@100ms"


class OrderBookKeeper:
    """Local books of `symbols`, kept from Binance's streams and REST (see the module)."""

    def __init__(
        self,
        ws_base: str,
        symbols: Sequence[str],
        rest: DepthSource,
        *,
        options: ConnectionOptions | None = None,
        retry: SnapshotRetry | None = None,
        on_update: Callable[[BookUpdate], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        names = [symbol.upper() for symbol in dict.fromkeys(symbols)]
        self.books = {symbol: LocalOrderBook(symbol) for symbol in names}
        self.counters = {symbol: BookCounters() for symbol in names}
        self.rest = rest
        self.retry = retry or SnapshotRetry()
        self.on_update = on_update
        self.rng = rng or random.Random()
        self.manager = StreamManager(
            ws_base, [depth_stream(s) for s in names], self.on_event, options=options
        )
        for connection in self.manager.connections:
            connection.on_connect = self._reconnect_handler(connection)
        self._syncing: dict[str, asyncio.Task[None]] = {}

    # ----- running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Keep the books until `stop()`."""
        try:
            await self.manager.run()
        finally:
            tasks = list(self._syncing.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._syncing.clear()

    def stop(self) -> None:
        """Make `run` return."""
        self.manager.stop()

    def on_event(self, stream: str, event: MarketEvent) -> None:
        """Take one event of the streams (a diff: into its book)."""
        if not isinstance(event, DepthDiff):
            return
        book = self.books.get(event.symbol)
        if book is None:
            return
        if book.on_diff(event) == "applied":
            self.counters[event.symbol].diffs_applied += 1
            self._notify(book)
        if not book.synced:
            self._ensure_syncing(event.symbol)

    # ----- reading -------------------------------------------------------------------------

    def top(self, symbol: str) -> BookTopLevels | None:
        """Best bid and ask of `symbol`'s book (None while it syncs, or unknown)."""
        book = self.books.get(symbol.upper())
        return book.top() if book is not None else None

    def health(self) -> BookKeeperHealth:
        """Every book's counters now."""
        symbols = {
            symbol: SymbolBookHealth(
                synced=book.synced,
                last_update_id=book.last_update_id,
                resyncs=book.resyncs,
                snapshots_fetched=counters.snapshots_fetched,
                snapshot_errors=counters.snapshot_errors,
                snapshot_failures=counters.snapshot_failures,
                stale_snapshots=book.stale_snapshots,
                diffs_applied=counters.diffs_applied,
                diffs_ignored=book.ignored,
            )
            for symbol, book in self.books.items()
            for counters in (self.counters[symbol],)
        }
        books = symbols.values()
        return BookKeeperHealth(
            books=len(symbols),
            books_synced=sum(b.synced for b in books),
            book_resyncs=sum(b.resyncs for b in books),
            snapshots_fetched=sum(b.snapshots_fetched for b in books),
            snapshot_failures=sum(b.snapshot_failures for b in books),
            diffs_applied=sum(b.diffs_applied for b in books),
            symbols=symbols,
        )

    # ----- internals -----------------------------------------------------------------------

    def _reconnect_handler(self, connection: StreamConnection) -> ConnectHandler:
        async def on_connect(reconnected: bool) -> None:
            if not reconnected:
                return
            for stream in connection.streams:
                symbol = stream.split("@", 1)[0].upper()
                if symbol in self.books:
                    self.books[symbol].start_over()  # a running sync sees the new epoch

        return on_connect

    def _notify(self, book: LocalOrderBook) -> None:
        top = book.top()
        if self.on_update is not None and top is not None and book.last_update_id is not None:
            self.on_update(BookUpdate(book.symbol, book.last_update_id, top))

    def _ensure_syncing(self, symbol: str) -> None:
        task = self._syncing.get(symbol)
        if task is None or task.done():
            self._syncing[symbol] = asyncio.create_task(self._sync(symbol))

    async def _sync(self, symbol: str) -> None:
        """Request snapshots until the book is synced (see the module docstring)."""
        book, counters, retry = self.books[symbol], self.counters[symbol], self.retry
        attempt = 0
        while not book.synced:
            epoch = book.epoch
            try:
                snapshot = await asyncio.to_thread(self.rest.depth, symbol, SNAPSHOT_LIMIT)
            except (ScalpLabError, OSError) as exc:
                counters.snapshot_errors += 1
                log.debug("depth snapshot of %s failed: %s", symbol, exc)
            else:
                counters.snapshots_fetched += 1
                stale = book.epoch != epoch
                if book.on_snapshot(epoch, snapshot):
                    self._notify(book)
                    return
                if stale:  # the book started over meanwhile: ask again for the new epoch
                    continue
            attempt += 1
            if attempt < retry.attempts:
                await asyncio.sleep(retry.delay(attempt, self.rng))
                continue
            counters.snapshot_failures += 1
            log.warning(
                "order book of %s could not be synced after %d snapshots; retrying in %.0f s",
                symbol,
                attempt,
                retry.cooldown_s,
                extra={"symbol": symbol},
            )
            attempt = 0
            await asyncio.sleep(retry.cooldown_s)
