"""What the data directory holds, symbol by symbol: the Data tab's coverage report.

Per symbol: each stored candle timeframe (first and last bar, bars, the holes in the
series: how many, the bars they miss, the largest few), the timeframes read by
resampling 1m, the funding records (first, last, how many, the settlement instants of
the candle span without a record) and the recorded market-data days (rows per stream
and UTC day). Spans come from Parquet statistics; the holes need the `open_time` column
only, so a few symbols with months of 1m bars cost milliseconds. A file that cannot be
read is an error of its symbol (one line, never a path), never the end of the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scalplab.data.candles import CandleStore, candle_file
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import Gap, find_gaps
from scalplab.data.market_store import MarketStore, StoredDay
from scalplab.data.parquet_io import read_table
from scalplab.data.timeframes import TIMEFRAMES, timeframe_ms
from scalplab.errors import DataError

FUNDING_INTERVAL_MS = 8 * 3_600_000
"""Settlement instants are 00:00, 08:00 and 16:00 UTC."""
LARGEST_GAPS = 5
"""Holes listed per timeframe (the largest first)."""
MISSING_SHOWN = 5
"""Missing funding instants listed per symbol (the earliest first)."""


@dataclass(frozen=True, slots=True)
class TimeframeCoverage:
    """One stored candle file: its span, its bars and its holes."""

    timeframe: str
    first_ms: int
    last_ms: int
    bars: int
    gap_count: int
    missing_bars: int
    largest_gaps: list[Gap] = field(default_factory=list)
    """The largest holes (at most `LARGEST_GAPS`), largest first."""


@dataclass(frozen=True, slots=True)
class FundingCoverage:
    """A symbol's funding records against the settlement instants of its candle span."""

    records: int
    first_ms: int | None
    last_ms: int | None
    expected: int
    """Settlement instants within the stored candles' span (0 without candles)."""
    missing: int
    """Of those, the instants no record rounds to."""
    missing_first: list[int] = field(default_factory=list)
    """The earliest missing instants (at most `MISSING_SHOWN`)."""


@dataclass(frozen=True, slots=True)
class SymbolCoverage:
    """Everything stored for one symbol (`errors`: files that could not be read)."""

    symbol: str
    timeframes: list[TimeframeCoverage] = field(default_factory=list)
    resampled: list[str] = field(default_factory=list)
    """Timeframes without a file, read by resampling the 1m candles."""
    funding: FundingCoverage | None = None
    market: list[StoredDay] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def timeframe_coverage(store: CandleStore, symbol: str, tf: str) -> TimeframeCoverage:
    """The span, bars and holes of `symbol`'s stored `tf` file (`DataError` if unreadable
    or empty)."""
    first, last, rows = store.span(symbol, tf)
    times = read_table(store.path(symbol, tf), ["open_time"], what=candle_file(symbol, tf))
    unique = np.unique(times.column("open_time").to_numpy())
    gaps = find_gaps(unique, timeframe_ms(tf))
    largest = sorted(gaps, key=lambda gap: (-gap.missing_bars, gap.after_ms))[:LARGEST_GAPS]
    return TimeframeCoverage(
        timeframe=tf,
        first_ms=first,
        last_ms=last,
        bars=rows,
        gap_count=len(gaps),
        missing_bars=sum(gap.missing_bars for gap in gaps),
        largest_gaps=largest,
    )


def funding_coverage(
    funding: FundingStore, symbol: str, span: tuple[int, int] | None
) -> FundingCoverage | None:
    """The funding records of `symbol` against the instants in `span` (`[first, end)` of
    its candles); None when it has neither records nor candles."""
    times = funding.read(symbol)["funding_time"].to_numpy(dtype=np.int64)
    if span is None:
        if len(times) == 0:
            return None
        return FundingCoverage(len(times), int(times[0]), int(times[-1]), 0, 0)
    first, end = span
    step = FUNDING_INTERVAL_MS
    instants = np.arange(-(-first // step) * step, end, step, dtype=np.int64)
    recorded = (times + step // 2) // step * step  # the instant each record rounds to
    missing = instants[~np.isin(instants, recorded)]
    return FundingCoverage(
        records=len(times),
        first_ms=int(times[0]) if len(times) else None,
        last_ms=int(times[-1]) if len(times) else None,
        expected=len(instants),
        missing=len(missing),
        missing_first=[int(t) for t in missing[:MISSING_SHOWN]],
    )


def symbol_coverage(
    candles: CandleStore, funding: FundingStore, symbol: str, market: list[StoredDay]
) -> SymbolCoverage:
    """The coverage of one symbol, given its recorded market-data days (an unreadable
    file is listed in `errors`)."""
    rows: list[TimeframeCoverage] = []
    errors: list[str] = []
    files = candles.timeframes(symbol)
    for tf in files:
        try:
            rows.append(timeframe_coverage(candles, symbol, tf))
        except DataError as exc:  # unreadable, wrong schema, or no rows
            errors.append(exc.message)
    resampled = []
    if any(row.timeframe == "1m" for row in rows):
        resampled = [tf for tf in TIMEFRAMES if tf not in files]
    try:
        funding_row = funding_coverage(funding, symbol, _candle_span(rows))
    except DataError as exc:
        funding_row = None
        errors.append(exc.message)
    return SymbolCoverage(symbol, rows, resampled, funding_row, market, errors)


def _candle_span(rows: list[TimeframeCoverage]) -> tuple[int, int] | None:
    """`[first, end)` of the stored candles, all timeframes together."""
    if not rows:
        return None
    return (
        min(row.first_ms for row in rows),
        max(row.last_ms + timeframe_ms(row.timeframe) for row in rows),
    )


def coverage_report(
    candles: CandleStore, funding: FundingStore, market: MarketStore
) -> list[SymbolCoverage]:
    """Every symbol with candles, funding or market data, sorted, with what is stored."""
    days: dict[str, list[StoredDay]] = {}
    for day in market.inventory():
        days.setdefault(day.symbol, []).append(day)
    symbols = set(candles.symbols()) | set(funding.symbols()) | set(days)
    return [
        symbol_coverage(candles, funding, symbol, days.get(symbol, []))
        for symbol in sorted(symbols)
    ]
