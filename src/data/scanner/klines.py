"""The scanner's closed 15m candles per symbol, fetched once and topped up.

A closed candle never changes, so a symbol's candles are fetched in full once (the
scan's window plus the candle still forming: `limit` 201, weight 2) and afterwards only
when a newer candle has closed — then just the new ones (`limit` 99, weight 1). At a
60 s refresh a symbol therefore costs one small request per 15 minutes instead of a full
one per minute. "Closed" is judged on the venue's clock (the symbol's 24 h ticker's
window end), never the local one; ATR is always taken over the last `window` closed
candles, so a topped-up series gives what a fresh fetch would.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scalplab.errors import DataError, snippet

TOP_UP_LIMIT = 99
"""Largest top-up page that still weighs 1 (Binance: limit < 100)."""


@dataclass(frozen=True, slots=True)
class Candle:
    """The fields of a closed kline the scanner reads."""

    open_time: int
    high: float
    low: float
    close: float


@dataclass(frozen=True, slots=True)
class KlineRequest:
    """One `/fapi/v1/klines` call: open times `start_ms..end_ms`, at most `limit` rows."""

    start_ms: int
    end_ms: int
    limit: int
    top_up: bool


def last_closed_open(now_ms: int, interval_ms: int) -> int:
    """Open time of the newest candle closed at `now_ms` (it closed at `open + interval − 1`)."""
    return (now_ms + 1) // interval_ms * interval_ms - interval_ms


def parse_closed(rows: Sequence[Any], now_ms: int) -> list[Candle]:
    """Raw kline rows → the closed candles among them (`close_time <= now_ms`, as
    `last_closed_open` counts), oldest first; `DataError` naming the first malformed row."""
    candles = []
    for row in rows:
        try:
            if not isinstance(row, list) or len(row) < 7:
                raise ValueError("not a kline array")
            open_time, close_time = int(row[0]), int(row[6])
            high, low, close = float(row[2]), float(row[3]), float(row[4])
            if not all(math.isfinite(v) for v in (high, low, close)):
                raise ValueError("a price is not finite")
            if not 0 < low <= close <= high:
                raise ValueError(f"low {low:g}, close {close:g}, high {high:g} out of order")
        except (ValueError, TypeError, OverflowError) as exc:
            raise DataError(f"malformed kline {snippet(row)}: {exc}") from None
        if close_time <= now_ms:
            candles.append(Candle(open_time, high, low, close))
    return candles


class KlineCache:
    """Closed candles per symbol, at most `window` each (thread-safe)."""

    def __init__(self, interval_ms: int, window: int) -> None:
        self.interval_ms = interval_ms
        self.window = window
        self._series: dict[str, list[Candle]] = {}
        self._lock = threading.Lock()

    def request(self, symbol: str, now_ms: int) -> KlineRequest | None:
        """What to fetch for `symbol` at `now_ms`: nothing (None) when its newest closed
        candle is cached, the new candles when few are missing, else the full window."""
        newest = last_closed_open(now_ms, self.interval_ms)
        with self._lock:
            cached = self._series.get(symbol)
        if cached and cached[-1].open_time >= newest:
            return None
        if cached and (newest - cached[-1].open_time) // self.interval_ms < TOP_UP_LIMIT:
            return KlineRequest(cached[-1].open_time + self.interval_ms, now_ms, TOP_UP_LIMIT, True)
        start = newest - (self.window - 1) * self.interval_ms
        return KlineRequest(start, now_ms, self.window + 1, False)

    def store(self, symbol: str, candles: list[Candle], top_up: bool) -> list[Candle]:
        """Keep `candles` (added after the cached ones on a top-up); the symbol's series."""
        with self._lock:
            series = list(self._series.get(symbol, [])) if top_up else []
            last = series[-1].open_time if series else -1
            series += [candle for candle in candles if candle.open_time > last]
            series = series[-self.window :]
            self._series[symbol] = series
            return series

    def series(self, symbol: str) -> list[Candle]:
        """The cached closed candles of `symbol` (oldest first)."""
        with self._lock:
            return list(self._series.get(symbol, []))

    def symbols(self) -> list[str]:
        """The symbols with cached candles."""
        with self._lock:
            return sorted(self._series)

    def forget(self, symbol: str) -> None:
        """Drop `symbol`'s candles (after bad data: the next scan fetches them again)."""
        with self._lock:
            self._series.pop(symbol, None)
