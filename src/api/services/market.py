"""Stored market data for the SPA: which symbols/timeframes exist, and candles for charts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock

from scalplab.data.candles import CandleStore
from scalplab.data.inventory import candle_inventory
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError
from scalplab.timeutil import to_ms

MAX_BARS = 20_000
"""Most bars one candles request may return."""
DEFAULT_BARS = 1_000
"""Bars returned when no `start` is given (the latest ones)."""


@dataclass(frozen=True, slots=True)
class Span:
    """Bars available for one symbol and timeframe."""

    timeframe: str
    stored: bool
    first: datetime
    last: datetime
    bars: int


Listing = tuple[str, list[Span], str | None]
"""A symbol, its readable spans, and its read error (None when every file reads)."""


def ms_to_datetime(ms: int) -> datetime:
    """Epoch milliseconds → tz-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def datetime_to_ms(moment: datetime) -> int:
    """Tz-aware datetime → epoch milliseconds (the runner's convention)."""
    return to_ms(moment)


class MarketService:
    """Read-only views of the candle store (the symbol listing is cached per file state)."""

    def __init__(self, candles: CandleStore) -> None:
        self.candles = candles
        self._lock = Lock()
        self._cache: tuple[tuple[tuple[str, int, int], ...], list[Listing]] | None = None

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        root = self.candles.data_dir / "candles" / self.candles.exchange
        if not root.is_dir():
            return ()
        entries = []
        for path in sorted(root.glob("*/*.parquet")):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def symbols(self) -> list[Listing]:
        """Every symbol with candles, the span of each readable timeframe, and the read
        error of a file that cannot be read (None when all are fine)."""
        with self._lock:
            fingerprint = self._fingerprint()
            if self._cache is not None and self._cache[0] == fingerprint:
                return self._cache[1]
            listing = [
                (
                    entry.symbol,
                    [
                        Span(s.timeframe, s.stored, ms_to_datetime(s.first_ms),
                             ms_to_datetime(s.last_ms), s.rows)
                        for s in entry.spans
                    ],
                    entry.error,
                )
                for entry in candle_inventory(self.candles)
            ]  # fmt: skip
            self._cache = (fingerprint, listing)
            return listing

    def candles_between(
        self, symbol: str, tf: str, start: datetime | None, end: datetime | None
    ) -> list[dict[str, float | int]]:
        """Bars with `start <= open time < end` as `{time, open, high, low, close, volume}`.

        `time` is the bar's open time in epoch seconds.

        Without `end`: up to the newest bar; without `start`: the `DEFAULT_BARS`
        bars before `end`. More than `MAX_BARS` bars is an `InputError`.
        """
        name = normalize_symbol(symbol)
        step = timeframe_ms(tf)
        first, last, _ = self.candles.span(name, tf)
        end_ms = datetime_to_ms(end) if end is not None else last + step
        start_ms = datetime_to_ms(start) if start is not None else end_ms - DEFAULT_BARS * step
        if start_ms >= end_ms:
            raise InputError("start must be before end")
        lo, hi = max(start_ms, first), min(end_ms, last + step)
        if hi > lo:
            estimate = math.ceil((hi - lo) / step)
            if estimate > MAX_BARS:
                raise InputError(
                    f"the range holds up to {estimate} {tf} bars, more than {MAX_BARS}: "
                    "narrow start/end or use a longer timeframe"
                )
        frame = self.candles.read(name, tf, start_ms, end_ms)
        times = (frame["open_time"].to_numpy() // 1000).tolist()
        columns = [frame[column].to_numpy().tolist() for column in ("open", "high", "low", "close")]
        volume = frame["volume"].to_numpy().tolist()
        return [
            {
                "time": int(t),
                "open": o,
                "high": h,
                "low": lo_,
                "close": c,
                "volume": v,
            }
            for t, o, h, lo_, c, v in zip(times, *columns, volume, strict=True)
        ]
