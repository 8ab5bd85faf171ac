"""`scalplab data download` and the Data tab's downloads: closed klines into the candle store.

Paginated through the Binance adapter's REST client (1500 candles a page), resumable
(only the windows of the range without a stored candle are requested: before the first
stored one, the holes, after the last one; a hole Binance has no candles for costs one
request), merged every few pages so an interruption keeps what was fetched.
`download_range` reports its progress after each page and stops between pages when
asked (what it fetched is merged first), so a download of the same range later resumes
from what is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.adapters.binance.http import KLINES_LIMIT, BinanceRestClient
from scalplab.data.adapters.binance.schemas import klines_to_frame
from scalplab.data.candles import CandleStore, candle_file, empty_candles
from scalplab.data.integrity import Gap, ms_to_iso
from scalplab.data.parquet_io import read_table
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import DataError, InputError, snippet

DAY_MS = 86_400_000
MAX_DAYS = 3650
"""The longest download (days)."""
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
    cancelled: bool = False
    """Stopped between pages on request (what was fetched is stored)."""

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
            "cancelled": self.cancelled,
        }


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """How far a download is: pages requested, closed candles received, candles expected
    (the bars of the windows still missing when it began)."""

    pages: int
    fetched: int
    expected: int


def _ranges(
    store: CandleStore, symbol: str, tf: str, start: int, end: int
) -> list[tuple[int, int]]:
    """Windows of `[start, end)` without a stored candle: before the first stored one
    (backfill), the holes between stored ones, and after the last one (resume)."""
    step = timeframe_ms(tf)
    path = store.path(symbol, tf)
    if not path.exists():
        return [(start, end)]
    inside = [("open_time", ">=", start), ("open_time", "<", end)]
    table = read_table(path, ["open_time"], filters=inside, what=candle_file(symbol, tf))
    times = np.unique(table.column("open_time").to_numpy().astype(np.int64))
    edges = np.concatenate(([start - step], times, [end]))
    holes = np.flatnonzero(np.diff(edges) > step)
    return [(int(edges[i]) + step, int(edges[i + 1])) for i in holes]


def download_klines(
    client: BinanceRestClient,
    store: CandleStore,
    symbol: str,
    tf: str,
    days: int,
    now_ms: int | None = None,
) -> DownloadReport:
    """Download the last `days` days of closed `tf` candles into `store` (`download_range`
    from `days` before now to now)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be a whole number from 1 to {MAX_DAYS}, got {snippet(days)}")
    now = int(now_ms) if now_ms is not None else int(time.time() * 1000)
    return download_range(client, store, symbol, tf, now - days * DAY_MS, now, now_ms=now)


def download_range(
    client: BinanceRestClient,
    store: CandleStore,
    symbol: str,
    tf: str,
    start_ms: int,
    end_ms: int,
    *,
    now_ms: int | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> DownloadReport:
    """Download the closed `tf` candles opening in `[start_ms, end_ms)` into `store`.

    `start_ms` is floored to the timeframe and `end_ms` capped at now. Resumable: only
    the windows of the range without a stored candle are requested. Pages of 1500 are
    merged every few pages, so an interrupted download keeps what it got. The still-open
    last candle (close time not yet passed) is dropped. `progress` is called after each
    page; `stop` is asked before each page, and when it answers True the download merges
    what it fetched and ends with `cancelled` set.
    """
    symbol = normalize_symbol(symbol)
    step = timeframe_ms(tf)
    now = int(now_ms) if now_ms is not None else int(time.time() * 1000)
    start, end = start_ms // step * step, min(int(end_ms), now)
    if start >= end:
        raise InputError(
            f"the download range {ms_to_iso(start_ms)} → {ms_to_iso(end_ms)} is empty "
            "(the start must be before the end, and before now)"
        )
    if end - start > MAX_DAYS * DAY_MS:
        raise InputError(f"a download covers at most {MAX_DAYS} days")
    before = (client.stats.requests, client.stats.retries, client.stats.waited_s)
    fetched = dropped = added = pages = 0
    cancelled = False
    pending: list[pd.DataFrame] = []
    windows = _ranges(store, symbol, tf, start, end)
    expected = sum(-(-(high - low) // step) for low, high in windows)

    def flush() -> None:
        nonlocal added
        if pending:
            added += store.merge(symbol, tf, pd.concat(pending, ignore_index=True)).added
            pending.clear()

    try:
        for low, high in windows:
            cursor = low
            while cursor < high and not cancelled:
                if stop is not None and stop():
                    cancelled = True
                    break
                rows = client.klines(symbol, tf, cursor, high - 1, KLINES_LIMIT)
                pages += 1
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
                if progress is not None:
                    progress(DownloadProgress(pages, fetched, expected))
                cursor = last_open + step
                if len(rows) < KLINES_LIMIT:
                    break
    finally:
        flush()  # what was fetched stays, whatever ended the download
    final = store.merge(symbol, tf, empty_candles())  # no write: just the totals and gaps
    return DownloadReport(
        symbol=symbol,
        timeframe=tf,
        requested_from_ms=start,
        requested_to_ms=end,
        requests=client.stats.requests - before[0],
        retries=client.stats.retries - before[1],
        waited_s=client.stats.waited_s - before[2],
        fetched=fetched,
        dropped_open=dropped,
        added=added,
        total=final.total,
        gaps=final.gaps,
        cancelled=cancelled,
    )
