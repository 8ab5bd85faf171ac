"""`scalplab data download`: the last N days of closed klines into the candle store.

Paginated through the Binance adapter's REST client (1500 candles a page), resumable
(only what is missing before or after the stored span is requested), merged every few
pages so an interruption keeps what was fetched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scalplab.data.adapters.binance.http import KLINES_LIMIT, BinanceRestClient
from scalplab.data.adapters.binance.schemas import klines_to_frame
from scalplab.data.candles import CandleStore, empty_candles
from scalplab.data.integrity import Gap, ms_to_iso
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import DataError, InputError, snippet

DAY_MS = 86_400_000
MERGE_EVERY_PAGES = 20
"""Pages held in memory before merging into the store (bounds lost work on interruption)."""


@dataclass(frozen=True, slots=True)
class DownloadReport:
    """What a kline download fetched and what the store holds afterwards."""

    symbol: str
    timeframe: str
    requested_from_ms: int
    requested_to_ms: int
    requests: int
    retries: int
    waited_s: float
    fetched: int
    """Closed candles received (the still-open candle is not counted)."""
    dropped_open: int
    added: int
    total: int
    gaps: list[Gap] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO-8601 UTC times."""
        return {
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "requested_from": ms_to_iso(self.requested_from_ms),
            "requested_to": ms_to_iso(self.requested_to_ms),
            "requests": self.requests,
            "retries": self.retries,
            "waited_s": round(self.waited_s, 3),
            "fetched": self.fetched,
            "dropped_open": self.dropped_open,
            "added": self.added,
            "total": self.total,
            "gaps": [gap.to_dict() for gap in self.gaps],
        }


def _ranges(
    store: CandleStore, symbol: str, tf: str, start: int, end: int
) -> list[tuple[int, int]]:
    """Windows still to fetch: before the stored span (backfill) and after its last candle."""
    step = timeframe_ms(tf)
    if not store.path(symbol, tf).exists():
        return [(start, end)]
    first, last, _ = store.span(symbol, tf)
    windows = []
    if first > start:
        windows.append((start, min(first, end)))
    resume = max(start, last + step)
    if resume < end:
        windows.append((resume, end))
    return windows


def download_klines(
    client: BinanceRestClient,
    store: CandleStore,
    symbol: str,
    tf: str,
    days: int,
    now_ms: int | None = None,
) -> DownloadReport:
    """Download the last `days` days of closed `tf` candles into `store`.

    Resumable: only candles after the last stored one (and before the first
    stored one, when `days` reaches further back) are requested. Pages of
    1500 are merged every few pages, so an interrupted download keeps what it
    got. The still-open last candle (close time not yet passed) is dropped.
    """
    symbol = normalize_symbol(symbol)
    step = timeframe_ms(tf)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise InputError(f"days must be a whole number from 1 to 3650, got {snippet(days)}")
    now = int(now_ms) if now_ms is not None else int(time.time() * 1000)
    start = (now - days * DAY_MS) // step * step
    before = (client.stats.requests, client.stats.retries, client.stats.waited_s)
    fetched = dropped = added = 0
    pending: list[pd.DataFrame] = []

    def flush() -> None:
        nonlocal added
        if pending:
            added += store.merge(symbol, tf, pd.concat(pending, ignore_index=True)).added
            pending.clear()

    for low, high in _ranges(store, symbol, tf, start, now):
        cursor = low
        while cursor < high:
            rows = client.klines(symbol, tf, cursor, high - 1, KLINES_LIMIT)
            frame, close_times = klines_to_frame(rows)
            if frame.empty:
                break
            last_open = int(frame["open_time"].max())
            if last_open < cursor:
                raise DataError(
                    f"Binance returned klines before the requested start {ms_to_iso(cursor)}"
                )
            closed = close_times < now
            dropped += int((~closed).sum())
            frame = frame[closed]
            fetched += len(frame)
            if len(frame):
                pending.append(frame)
            if len(pending) >= MERGE_EVERY_PAGES:
                flush()
            cursor = last_open + step
            if len(rows) < KLINES_LIMIT:
                break
    flush()
    final = store.merge(symbol, tf, empty_candles())  # no write: just the totals and gaps
    return DownloadReport(
        symbol=symbol,
        timeframe=tf,
        requested_from_ms=start,
        requested_to_ms=now,
        requests=client.stats.requests - before[0],
        retries=client.stats.retries - before[1],
        waited_s=client.stats.waited_s - before[2],
        fetched=fetched,
        dropped_open=dropped,
        added=added,
        total=final.total,
        gaps=final.gaps,
    )
