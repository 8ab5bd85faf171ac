"""Stored market data for the SPA: which symbols/timeframes exist, and candles for charts."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock

from scalplab.data.candles import CandleStore
from scalplab.data.inventory import candle_inventory
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError
from scalplab.timeutil import to_ms

MAX_BARS = 45_000
"""Most bars one candles request may return: the longest backtest (30 days of 1m,
43,200 bars) is charted whole."""
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


@dataclass(frozen=True, slots=True)
class SymbolSpans:
    """A symbol with stored candles and every timeframe it can be read at."""

    symbol: str
    timeframes: tuple[Span, ...]
    error: str | None = None
    """Why a file of the symbol cannot be read (its other spans still list)."""


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """Bars as columns; `time` is each bar's open time in epoch seconds (UTC)."""

    time: Sequence[int]
    open: Sequence[float]
    high: Sequence[float]
    low: Sequence[float]
    close: Sequence[float]
    volume: Sequence[float]

    def __len__(self) -> int:
        return len(self.time)

    def rows(self) -> Iterator[tuple[int, float, float, float, float, float]]:
        """`(time, open, high, low, close, volume)` per bar, oldest first."""
        return zip(self.time, self.open, self.high, self.low, self.close, self.volume, strict=True)


def ms_to_datetime(ms: int) -> datetime:
    """Epoch milliseconds → tz-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def datetime_to_ms(moment: datetime) -> int:
    """Tz-aware datetime → epoch milliseconds (the runner's convention)."""
    return to_ms(moment)


class MarketService:
    """Read-only views of the candle store (the symbol listing is cached per file state)."""

    def __init__(self, candles: CandleStore, max_bars: int = MAX_BARS) -> None:
        self.candles = candles
        self.max_bars = max_bars
        self._lock = Lock()
        self._cache: tuple[tuple[tuple[str, int, int], ...], list[SymbolSpans]] | None = None

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

    def symbols(self) -> list[SymbolSpans]:
        """Every symbol with candles, the span of each readable timeframe, and the read
        error of a file that cannot be read (one bad file hides nothing else)."""
        with self._lock:
            fingerprint = self._fingerprint()
            if self._cache is not None and self._cache[0] == fingerprint:
                return self._cache[1]
            listing = [
                SymbolSpans(
                    entry.symbol,
                    tuple(
                        Span(
                            s.timeframe,
                            s.stored,
                            ms_to_datetime(s.first_ms),
                            ms_to_datetime(s.last_ms),
                            s.rows,
                        )
                        for s in entry.spans
                    ),
                    entry.error,
                )
                for entry in candle_inventory(self.candles)
            ]
            self._cache = (fingerprint, listing)
            return listing

    def candles_between(
        self, symbol: str, tf: str, start: datetime | None, end: datetime | None
    ) -> CandleSeries:
        """Bars with `start <= open time < end`.

        Without `end`: up to the newest bar; without `start`: the `DEFAULT_BARS`
        bars before `end`. More than `max_bars` bars is an `InputError`.
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
            if estimate > self.max_bars:
                raise InputError(
                    f"the range holds up to {estimate} {tf} bars, more than {self.max_bars}: "
                    "narrow start/end or use a longer timeframe"
                )
        frame = self.candles.read(name, tf, start_ms, end_ms)
        return CandleSeries(
            time=(frame["open_time"].to_numpy() // 1000).tolist(),
            open=frame["open"].to_numpy().tolist(),
            high=frame["high"].to_numpy().tolist(),
            low=frame["low"].to_numpy().tolist(),
            close=frame["close"].to_numpy().tolist(),
            volume=frame["volume"].to_numpy().tolist(),
        )
