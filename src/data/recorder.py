"""`scalplab record`: Binance USDT-M streams into the stores, whole.

For each symbol the recorder subscribes to the asked streams (routes from their names,
`StreamManager`), makes each stream whole (`sequencing`: aggregate trades by id with
REST `fromId` backfill, closed 1m candles by open time with REST backfill; book tops and
20-level partial books are keyed by their update id in the store, mark prices by their
event time, liquidations by all their columns) and writes what it got every
`flush_every_s` seconds and when it stops: aggregate trades, book tops, partial books,
mark prices (with the funding rate and next funding time) and liquidations to the
market-data store (a Parquet file per UTC day, grown by part files and compacted on
stop), closed 1m candles to the candle store every `candles_every_s` (a candle merge
rewrites the symbol's whole 1m file; REST holds them anyway). The writing runs in a
process of its own (`record_writer`) while the event loop reads on. It stops after `duration_s`,
or once no message came for `until_idle_s`, or when asked to.

Open interest (`openInterest`) has no stream: it is polled over REST (`open_interest`,
every `open_interest_every_s`) beside the subscriptions, one row per new Binance time.

A backfill runs on the event loop between two messages (the other streams wait in
their sockets meanwhile); a store that cannot be written is logged and counted, and
the rows are kept for the next flush, so a full disk loses nothing that later fits.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_klines
from scalplab.data.adapters.binance.websocket import ConnectionOptions, StreamManager
from scalplab.data.candles import CandleStore
from scalplab.data.market_events import (
    AggregateTrade,
    BookTop,
    KlineUpdate,
    Liquidation,
    MarketEvent,
    MarkPrice,
    OpenInterest,
    PartialBook,
)
from scalplab.data.market_store import BOOK_LEVELS, LIQUIDATION_COLUMNS, STREAMS, MarketStore
from scalplab.data.open_interest import POLL_EVERY_S, OpenInterestPoller
from scalplab.data.record_writer import FlushResult, StoreWriter, by_stream
from scalplab.data.sequencing import KlineFetch, KlineSequencer, TradeFetch, TradeSequencer
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import InputError, snippet

log = logging.getLogger(__name__)

RECORDABLE = (
    "aggTrade", "bookTicker", "depth20", "forceOrder", "kline_1m", "markPrice", "openInterest",
)  # fmt: skip
"""Streams the recorder can store (`markPrice` is subscribed at its 1 s pace, `depth20`
at 100 ms)."""
SUBSCRIBED_AS = {"markPrice": "markPrice@1s", "depth20": "depth20@100ms"}
POLLED = ("openInterest",)
"""Recordable streams asked for over REST (`open_interest`), never subscribed."""
MINUTE_MS = 60_000
FLUSH_EVERY_S = 5.0
CANDLES_EVERY_S = 60.0


@dataclass(slots=True)
class RecordReport:
    """What a recording stored and went through."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    """symbol → stream → rows handed to the stores."""
    backfilled: int = 0
    duplicates: int = 0
    unfilled: int = 0
    reconnects: int = 0
    connect_failures: int = 0
    stale_alarms: int = 0
    bad_messages: int = 0
    write_errors: int = 0
    poll_failures: int = 0
    """Open-interest polls that failed (each symbol is polled again next round)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rows": self.rows,
            "backfilled": self.backfilled,
            "duplicates": self.duplicates,
            "unfilled": self.unfilled,
            "reconnects": self.reconnects,
            "connect_failures": self.connect_failures,
            "stale_alarms": self.stale_alarms,
            "bad_messages": self.bad_messages,
            "write_errors": self.write_errors,
            "poll_failures": self.poll_failures,
        }


class MarketRecorder:
    """Records `streams` of `symbols` (see the module docstring)."""

    def __init__(
        self,
        ws_base: str,
        rest: BinanceRestClient,
        data_dir: Path,
        symbols: list[str],
        streams: list[str],
        *,
        flush_every_s: float = FLUSH_EVERY_S,
        candles_every_s: float = CANDLES_EVERY_S,
        options: ConnectionOptions | None = None,
        open_interest_every_s: float = POLL_EVERY_S,
    ) -> None:
        unknown = [s for s in streams if s not in RECORDABLE]
        if unknown or not streams:
            raise InputError(
                f"cannot record {snippet(unknown[0] if unknown else '')} "
                f"(streams: {', '.join(RECORDABLE)})"
            )
        self.symbols = [normalize_symbol(s) for s in symbols]
        if not self.symbols:
            raise InputError("record needs at least one symbol")
        self.rest = rest
        self.market = MarketStore(data_dir)
        self.candles = CandleStore(data_dir)
        self.flush_every_s = flush_every_s
        self.candles_every_s = candles_every_s
        self._candles_flushed = time.monotonic()
        self.report = RecordReport()
        self._trades = {s: TradeSequencer(self._fetch_trades(s)) for s in self.symbols}
        self._klines = {s: KlineSequencer(MINUTE_MS, self._fetch_klines(s)) for s in self.symbols}
        self._pending: dict[tuple[str, str], list[MarketEvent]] = defaultdict(list)
        self._writer = StoreWriter(data_dir)
        self._flushing: asyncio.Task[None] | None = None
        self._last_message = time.monotonic()
        names = [
            f"{s.lower()}@{SUBSCRIBED_AS.get(stream, stream)}"
            for s in self.symbols
            for stream in streams
            if stream not in POLLED
        ]
        self.manager = StreamManager(ws_base, names, self._on_event, options=options)
        self.poller = None
        if "openInterest" in streams:
            self.poller = OpenInterestPoller(
                rest,
                self.symbols,
                lambda event: self._on_event("openInterest", event),
                every_s=open_interest_every_s,
            )

    async def run(
        self, duration_s: float | None = None, until_idle_s: float | None = None
    ) -> RecordReport:
        """Record until `duration_s` passed, `until_idle_s` went without a message, or
        `stop()`; then write what is left and return the report."""
        await self._writer.start()
        streams = asyncio.create_task(self._sources())
        began = flushed = self._last_message = time.monotonic()
        try:
            while not streams.done():
                await asyncio.wait({streams}, timeout=min(self.flush_every_s, 0.1))
                now = time.monotonic()
                if duration_s is not None and now - began >= duration_s:
                    break
                if until_idle_s is not None and now - self._last_message >= until_idle_s:
                    break
                if self._flushing is not None and self._flushing.done():
                    done = self._flushing
                    self._flushing = None
                    done.result()  # a failure other than a store's: raised here
                if now - flushed >= self.flush_every_s and self._flushing is None:
                    self._flushing = asyncio.create_task(self._flush_in_background())
                    flushed = now
        finally:
            self.stop()
            await streams
            if self._flushing is not None:
                await self._flushing
            await self._finish()
        self._sum_up()
        return self.report

    def stop(self) -> None:
        """End the recording (from the event loop)."""
        self.manager.stop()
        if self.poller is not None:
            self.poller.stop()

    async def _sources(self) -> None:
        """The WebSocket streams and the open-interest polls, until both end."""
        polls = [self.poller.run()] if self.poller is not None else []
        await asyncio.gather(self.manager.run(), *polls)

    def flush(self) -> None:
        """Write the rows gathered since the last flush (blocks until written)."""
        batches = self._take()
        self._settle(batches, self._writer.write_now(by_stream(batches, _rows)))

    async def _flush_in_background(self) -> None:
        """`flush` while the event loop reads on (closed candles once `candles_every_s`)."""
        now = time.monotonic()
        candles = now - self._candles_flushed >= self.candles_every_s
        if candles:
            self._candles_flushed = now
        batches = self._take(candles)
        self._settle(batches, await self._writer.write(by_stream(batches, _rows)))

    async def _finish(self) -> None:
        """The last flush, then every recorded day's part files folded into its day file."""
        batches = self._take()
        try:
            self._settle(batches, await self._writer.write(by_stream(batches, _rows)))
            written = [(symbol, stream) for symbol, counts in self.report.rows.items()
                       for stream in counts if stream in STREAMS]  # fmt: skip
            failed = await self._writer.compact(written)
        finally:
            self._writer.close()
        for (symbol, stream), why in failed.items():  # the parts stay: reads union them
            self.report.write_errors += 1
            log.error("recorder: cannot compact %s %s: %s", symbol, stream, why)

    def _take(self, candles: bool = True) -> dict[tuple[str, str], list[MarketEvent]]:
        """The pending rows (closed candles only if `candles`); the rest stay pending."""
        if candles:
            batches, self._pending = self._pending, defaultdict(list)
            return batches
        batches = {key: rows for key, rows in self._pending.items() if key[1] != "kline_1m"}
        for key in batches:
            del self._pending[key]
        return batches

    def _settle(
        self, batches: dict[tuple[str, str], list[MarketEvent]], result: FlushResult
    ) -> None:
        """Count what was written; keep what was not, before anything gathered since."""
        for (symbol, stream), rows in result.written.items():
            counts = self.report.rows.setdefault(symbol, {})
            counts[stream] = counts.get(stream, 0) + rows
        for (symbol, stream), why in result.failed.items():
            self.report.write_errors += 1
            log.error("recorder: cannot write %s %s: %s", symbol, stream, why)
            self._pending[(symbol, stream)][:0] = batches[(symbol, stream)]

    # ----- internals -----------------------------------------------------------------------

    def _on_event(self, _stream: str, event: MarketEvent) -> None:
        self._last_message = time.monotonic()
        if isinstance(event, AggregateTrade):
            self._pending[(event.symbol, "aggTrade")].extend(
                self._trades[event.symbol].on_trade(event)
            )
        elif isinstance(event, KlineUpdate):
            self._pending[(event.symbol, "kline_1m")].extend(
                self._klines[event.symbol].on_kline(event)
            )
        elif isinstance(event, BookTop):
            self._pending[(event.symbol, "bookTicker")].append(event)
        elif isinstance(event, MarkPrice):
            self._pending[(event.symbol, "markPrice")].append(event)
        elif isinstance(event, PartialBook):
            self._pending[(event.symbol, "depth20")].append(event)
        elif isinstance(event, Liquidation):
            self._pending[(event.symbol, "forceOrder")].append(event)
        elif isinstance(event, OpenInterest):
            self._pending[(event.symbol, "openInterest")].append(event)

    def _fetch_trades(self, symbol: str) -> TradeFetch:
        return lambda first: self.rest.agg_trades(symbol, from_id=first)

    def _fetch_klines(self, symbol: str) -> KlineFetch:
        return lambda start, end: parse_klines(
            symbol, "1m", self.rest.klines(symbol, "1m", start, end)
        )

    def _sum_up(self) -> None:
        report = self.report
        if self.poller is not None:
            report.poll_failures += self.poller.stats.failures
        counters = [s.counters for s in self._trades.values()]
        counters += [s.counters for s in self._klines.values()]
        for counter in counters:
            report.backfilled += counter.backfilled
            report.duplicates += counter.duplicates
            report.unfilled += counter.unfilled
        for connection in self.manager.connections:
            report.reconnects += connection.health.reconnects
            report.connect_failures += connection.health.failures
            report.stale_alarms += connection.health.stale_alarms
            report.bad_messages += connection.health.bad_messages


TRADE_COLUMNS = {
    name: name
    for name in ("agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id",
                 "transact_time", "is_buyer_maker")
}  # fmt: skip
"""Market-store column → `AggregateTrade` attribute."""
TOP_COLUMNS = {
    "update_id": "update_id",
    "best_bid_price": "bid",
    "best_bid_qty": "bid_qty",
    "best_ask_price": "ask",
    "best_ask_qty": "ask_qty",
    "transaction_time": "transact_time",
    "event_time": "event_time",
}
"""Market-store column → `BookTop` attribute."""
MARK_COLUMNS = {
    name: name
    for name in ("event_time", "mark_price", "index_price", "funding_rate", "next_funding_time")
}
"""Market-store column → `MarkPrice` attribute."""
OPEN_INTEREST_COLUMNS = {"time": "time", "open_interest": "open_interest"}
"""Market-store column → `OpenInterest` attribute."""
CANDLE_COLUMNS = {
    name: name
    for name in ("open_time", "open", "high", "low", "close", "volume", "quote_volume", "trades",
                 "taker_buy_volume", "taker_buy_quote_volume")
}  # fmt: skip
"""Candle-store column → `KlineUpdate` attribute."""


def _rows(stream: str, events: list[MarketEvent]) -> pa.Table:
    """A stream's events as its store's rows (`kline_1m`: the candle store's)."""
    if stream == "aggTrade":
        return _table(events, TRADE_COLUMNS)
    if stream in ("bookTicker", "markPrice"):
        return _table(events, TOP_COLUMNS if stream == "bookTicker" else MARK_COLUMNS)
    if stream == "depth20":
        return book_table(events)
    if stream == "forceOrder":
        return pa.Table.from_pandas(liquidation_frame(events), preserve_index=False)
    if stream == "openInterest":
        return _table(events, OPEN_INTEREST_COLUMNS)
    return _table(events, CANDLE_COLUMNS)


def _table(events: list[MarketEvent], columns: dict[str, str]) -> pa.Table:
    """Store rows straight into Arrow (the store casts them to the stream's schema)."""
    return pa.table(
        {column: [getattr(event, name) for event in events] for column, name in columns.items()}
    )


def book_frame(events: list[MarketEvent]) -> pd.DataFrame:
    """Partial books as `depth20` store rows (NaN where a side has fewer levels)."""
    frame: pd.DataFrame = book_table(events).to_pandas()
    return frame


_EMPTY_LEVELS = [((math.nan, math.nan),) * (BOOK_LEVELS - held) for held in range(BOOK_LEVELS + 1)]


def book_table(events: list[MarketEvent]) -> pa.Table:
    """Partial books as `depth20` store rows (empty where a side has fewer levels)."""
    books = [event for event in events if isinstance(event, PartialBook)]
    columns: dict[str, Any] = {
        "update_id": pa.array([book.final_update_id for book in books], pa.int64()),
        "transaction_time": pa.array([book.transact_time for book in books], pa.int64()),
        "event_time": pa.array([book.event_time for book in books], pa.int64()),
    }
    for side in ("bid", "ask"):
        sides = [book.bids if side == "bid" else book.asks for book in books]
        padded = (levels[:BOOK_LEVELS] + _EMPTY_LEVELS[min(len(levels), BOOK_LEVELS)]
                  for levels in sides)  # fmt: skip
        numbers = chain.from_iterable(chain.from_iterable(padded))
        grid = np.fromiter(numbers, np.float64, count=len(books) * BOOK_LEVELS * 2).reshape(
            len(books), BOOK_LEVELS, 2
        )
        for what, index in (("price", 0), ("qty", 1)):
            for i in range(BOOK_LEVELS):
                columns[f"{side}_{what}_{i}"] = pa.array(grid[:, i, index], from_pandas=True)
    return pa.table(columns)


def liquidation_frame(events: list[MarketEvent]) -> pd.DataFrame:
    """Liquidations as `forceOrder` store rows (the side as Binance spells it: BUY, SELL)."""
    rows = [
        (e.trade_time, e.side.upper(), e.order_type, e.time_in_force, e.quantity, e.price,
         e.average_price, e.status, e.last_filled_quantity, e.filled_quantity, e.event_time)
        for e in events
        if isinstance(e, Liquidation)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(LIQUIDATION_COLUMNS))
