"""`scalplab record`: Binance USDT-M streams into the stores, whole.

For each symbol the recorder subscribes to the asked streams (routes from their names,
`StreamManager`), makes each stream whole (`sequencing`: aggregate trades by id with
REST `fromId` backfill, closed 1m candles by open time with REST backfill; book tops
are keyed by their update id in the store, mark prices by their event time) and writes
what it got every `flush_every_s` seconds and when it stops: aggregate trades, book
tops and mark prices (with the funding rate and next funding time) to the market-data
store (one Parquet file per UTC day), closed 1m candles to the candle store. It stops
after `duration_s`, or once no message came for `until_idle_s`, or when asked to.

A backfill runs on the event loop between two messages (the other streams wait in
their sockets meanwhile); a store that cannot be written is logged and counted, and
the rows are kept for the next flush, so a full disk loses nothing that later fits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_klines
from scalplab.data.adapters.binance.websocket import ConnectionOptions, StreamManager
from scalplab.data.candles import CandleStore
from scalplab.data.market_events import (
    AggregateTrade,
    BookTop,
    KlineUpdate,
    MarketEvent,
    MarkPrice,
)
from scalplab.data.market_store import MarketStore
from scalplab.data.sequencing import KlineFetch, KlineSequencer, TradeFetch, TradeSequencer
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import DataError, InputError, snippet

log = logging.getLogger(__name__)

RECORDABLE = ("aggTrade", "bookTicker", "kline_1m", "markPrice")
"""Streams the recorder can store (`markPrice` is subscribed at its 1 s pace)."""
SUBSCRIBED_AS = {"markPrice": "markPrice@1s"}
MINUTE_MS = 60_000
FLUSH_EVERY_S = 5.0


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
        options: ConnectionOptions | None = None,
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
        self.report = RecordReport()
        self._trades = {s: TradeSequencer(self._fetch_trades(s)) for s in self.symbols}
        self._klines = {s: KlineSequencer(MINUTE_MS, self._fetch_klines(s)) for s in self.symbols}
        self._pending: dict[tuple[str, str], list[MarketEvent]] = defaultdict(list)
        self._last_message = time.monotonic()
        names = [
            f"{s.lower()}@{SUBSCRIBED_AS.get(stream, stream)}"
            for s in self.symbols
            for stream in streams
        ]
        self.manager = StreamManager(ws_base, names, self._on_event, options=options)

    async def run(
        self, duration_s: float | None = None, until_idle_s: float | None = None
    ) -> RecordReport:
        """Record until `duration_s` passed, `until_idle_s` went without a message, or
        `stop()`; then write what is left and return the report."""
        streams = asyncio.create_task(self.manager.run())
        began = flushed = self._last_message = time.monotonic()
        try:
            while not streams.done():
                await asyncio.wait({streams}, timeout=min(self.flush_every_s, 0.1))
                now = time.monotonic()
                if duration_s is not None and now - began >= duration_s:
                    break
                if until_idle_s is not None and now - self._last_message >= until_idle_s:
                    break
                if now - flushed >= self.flush_every_s:
                    self.flush()
                    flushed = now
        finally:
            self.manager.stop()
            await streams
            self.flush()
        self._sum_up()
        return self.report

    def stop(self) -> None:
        """End the recording (from the event loop)."""
        self.manager.stop()

    def flush(self) -> None:
        """Write the rows gathered since the last flush."""
        for (symbol, stream), events in list(self._pending.items()):
            if not events:
                continue
            try:
                self._write(symbol, stream, events)
            except DataError as exc:
                self.report.write_errors += 1
                log.error("recorder: cannot write %s %s: %s", symbol, stream, exc)
                continue
            counts = self.report.rows.setdefault(symbol, {})
            counts[stream] = counts.get(stream, 0) + len(events)
            self._pending[(symbol, stream)] = []

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

    def _write(self, symbol: str, stream: str, events: list[MarketEvent]) -> None:
        if stream == "aggTrade":
            self.market.write(symbol, "aggTrade", _frame(events, TRADE_COLUMNS))
        elif stream in ("bookTicker", "markPrice"):
            columns = TOP_COLUMNS if stream == "bookTicker" else MARK_COLUMNS
            self.market.write(symbol, stream, _frame(events, columns))
        else:
            self.candles.merge(symbol, "1m", _frame(events, CANDLE_COLUMNS))

    def _fetch_trades(self, symbol: str) -> TradeFetch:
        return lambda first: self.rest.agg_trades(symbol, from_id=first)

    def _fetch_klines(self, symbol: str) -> KlineFetch:
        return lambda start, end: parse_klines(
            symbol, "1m", self.rest.klines(symbol, "1m", start, end)
        )

    def _sum_up(self) -> None:
        report = self.report
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
CANDLE_COLUMNS = {
    name: name
    for name in ("open_time", "open", "high", "low", "close", "volume", "quote_volume", "trades",
                 "taker_buy_volume", "taker_buy_quote_volume")
}  # fmt: skip
"""Candle-store column → `KlineUpdate` attribute."""


def _frame(events: list[MarketEvent], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {column: [getattr(event, name) for event in events] for column, name in columns.items()}
    )
