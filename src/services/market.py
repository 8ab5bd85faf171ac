"""Stored market data for the SPA: which symbols/timeframes exist, and candles for charts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock

from scalplab.data.candles import CandleStore
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import TIMEFRAMES, timeframe_ms
from scalplab.errors import InputError, NoDataError
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
        self._cache: tuple[tuple[tuple[str, int, int], ...], list[tuple[str, list[Span]]]] | None
        self._cache = None

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

    def symbols(self) -> list[tuple[str, list[Span]]]:
        """Every symbol with candles and the span of each readable timeframe."""
        with self._lock:
            fingerprint = self._fingerprint()
            if self._cache is not None and self._cache[0] == fingerprint:
                return self._cache[1]
            listing = [(symbol, self._spans(symbol)) for symbol in self.candles.symbols()]
            self._cache = (fingerprint, listing)
            return listing

    def _spans(self, symbol: str) -> list[Span]:
        stored = set(self.candles.timeframes(symbol))
        readable = [tf for tf in TIMEFRAMES if tf in stored or "1m" in stored]
        spans = []
        for tf in readable:
            try:
                first, last, rows = self.candles.span(symbol, tf)
            except NoDataError:
                continue
            spans.append(Span(tf, tf in stored, ms_to_datetime(first), ms_to_datetime(last), rows))
        return spans

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
