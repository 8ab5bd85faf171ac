"""Import Binance archive kline CSVs and funding CSVs into the stores.

Kline files are the data.binance.vision layout: 6 columns
(`open_time,open,high,low,close,volume`) or all 12 (`…,close_time,quote_volume,
count,taker_buy_volume,taker_buy_quote_volume,ignore`), with or without a
header row, plain or gzip-compressed. Timestamps in microseconds (spot
archives since 2025) are converted to milliseconds.

Import is all-or-nothing: a malformed row, an OHLC violation, an open time off
the timeframe grid, or a duplicate open time with different values (in the file
or against the store) rejects the whole file with one `DataError` line naming
the file, the line number and the problem; the store is left as it was. Gaps
are kept as holes and listed in the `ImportReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.candles import CandleStore, ConflictingDataError
from scalplab.data.csv_rows import (
    CsvRows,
    check_widths,
    float_column,
    int_column,
    split_rows,
    to_ms,
)
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import Gap, find_gaps, ms_to_iso, ohlc_violation_mask
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import TIMEFRAMES, timeframe_ms

KLINE_COLUMNS_12 = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
KLINE_COLUMNS_6 = KLINE_COLUMNS_12[:6]
FLOAT_COLUMNS = (
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "taker_buy_volume",
    "taker_buy_quote_volume",
)
FUNDING_HEADER = ("symbol", "funding_time", "funding_rate")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import read from a file and what it changed in the store."""

    path: str
    symbol: str
    kind: str
    """The timeframe (`1m`, …) or `funding`."""
    columns: int
    rows: int
    """Data rows read from the file."""
    duplicates_dropped: int
    added: int
    total: int
    first_ms: int | None
    last_ms: int | None
    gaps: list[Gap] = field(default_factory=list)
    """Holes inside the imported rows (kept as holes)."""

    @property
    def missing_bars(self) -> int:
        """Total bars missing across `gaps`."""
        return sum(gap.missing_bars for gap in self.gaps)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO-8601 UTC times."""
        return {
            "path": self.path,
            "symbol": self.symbol,
            "kind": self.kind,
            "columns": self.columns,
            "rows": self.rows,
            "duplicates_dropped": self.duplicates_dropped,
            "added": self.added,
            "total": self.total,
            "first": ms_to_iso(self.first_ms) if self.first_ms is not None else None,
            "last": ms_to_iso(self.last_ms) if self.last_ms is not None else None,
            "missing_bars": self.missing_bars,
            "gaps": [gap.to_dict() for gap in self.gaps],
        }


def _check_spacing(data: CsvRows, times: np.ndarray, tf: str, step: int) -> None:
    """Refuse a file whose rows are mostly spaced one coarser timeframe apart."""
    unique = np.unique(times)
    if len(unique) < 3:
        return
    spacings, counts = np.unique(np.diff(unique), return_counts=True)
    typical = int(spacings[int(np.argmax(counts))])
    if typical > step and counts.max() * 2 > len(unique) - 1:
        named = next((name for name, ms in TIMEFRAMES.items() if ms == typical), None)
        guess = f" (is this a {named} file?)" if named else ""
        raise data.fail(
            None, f"rows are {typical // 60_000} minutes apart, not {tf} candles{guess}"
        )


def _resolve_duplicates(
    data: CsvRows, frame: pd.DataFrame, key: str = "open_time"
) -> tuple[pd.DataFrame, int]:
    """Drop identical repeats of `key`; a repeat with different values is a `DataError`."""
    repeated = frame[key].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame, 0
    subset = frame[repeated]
    for _, group in subset.groupby(key, sort=True):
        values = group.drop(columns="_row").drop_duplicates()
        if len(values) > 1:
            first, second = (int(i) for i in group["_row"].iloc[:2])
            moment = int(group[key].iloc[0])
            raise data.fail(
                second,
                f"{key} {moment} ({ms_to_iso(moment)}) repeats line "
                f"{int(data.lines[first])} with different values",
            )
    deduped = frame.drop_duplicates(subset=key, keep="first")
    return deduped, len(frame) - len(deduped)


def _parse_klines(data: CsvRows, tf: str) -> tuple[pd.DataFrame, int]:
    """Validated candle frame (with `_row` = row index) and its column count."""
    step = timeframe_ms(tf)
    width = len(data.header) if data.header is not None else len(data.rows[0]) if data.rows else 6
    if width not in (6, 12):
        raise data.fail_line(
            data.header_line if data.header is not None else int(data.lines[0]),
            f"expected 6 or 12 columns (Binance kline layout), found {width}",
        )
    if not data.rows:
        raise data.fail(None, "the file has a header but no data rows")
    check_widths(data, width)
    columns = dict(zip(KLINE_COLUMNS_12[:width], zip(*data.rows, strict=True), strict=True))
    out: dict[str, Any] = {
        "open_time": to_ms(data, int_column(data, columns["open_time"], "open_time"), "open_time")
    }
    for name in FLOAT_COLUMNS:
        if name in columns:
            out[name] = float_column(data, columns[name], name)
    if width == 12:
        out["trades"] = int_column(data, columns["trades"], "count")
        close_stamps = int_column(data, columns["close_time"], "close_time")
        close_time = to_ms(data, close_stamps, "close_time")
    times = out["open_time"]
    off_grid = np.flatnonzero(times % step != 0)
    if len(off_grid):
        index = int(off_grid[0])
        raise data.fail(
            index,
            f"open_time {int(times[index])} ({ms_to_iso(int(times[index]))}) "
            f"is not on the {tf} grid",
        )
    if width == 12:
        wrong_close = np.flatnonzero(close_time != times + step - 1)
        if len(wrong_close):
            index = int(wrong_close[0])
            raise data.fail(
                index,
                f"close_time {int(close_time[index])} does not close a {tf} bar opening at "
                f"{ms_to_iso(int(times[index]))}; is --tf right?",
            )
    frame = pd.DataFrame(out)
    bad = np.flatnonzero(ohlc_violation_mask(frame))
    if len(bad):
        index = int(bad[0])
        row = frame.iloc[index]
        raise data.fail(
            index,
            f"OHLC violation (open {row['open']}, high {row['high']}, low {row['low']}, "
            f"close {row['close']}, volume {row['volume']})",
        )
    _check_spacing(data, times, tf, step)
    frame["_row"] = np.arange(len(frame))
    return frame, width


def import_klines_csv(path: Path, symbol: str, tf: str, store: CandleStore) -> ImportReport:
    """Validate a Binance kline CSV and merge it into `store` (all or nothing)."""
    path = Path(path)
    symbol = normalize_symbol(symbol)
    step = timeframe_ms(tf)
    data = split_rows(path, header_required=False)
    frame, width = _parse_klines(data, tf)
    rows = len(frame)
    frame, dropped = _resolve_duplicates(data, frame)
    try:
        result = store.merge(symbol, tf, frame.drop(columns="_row"))
    except ConflictingDataError as exc:
        first = exc.times[0]
        index = int(frame.loc[frame["open_time"] == first, "_row"].iloc[0])
        raise data.fail(
            index,
            f"the candle at {ms_to_iso(first)} differs from the one already stored "
            f"({len(exc.times)} conflicting candle(s))",
        ) from None
    times = np.sort(frame["open_time"].to_numpy())
    return ImportReport(
        path=str(path),
        symbol=symbol,
        kind=tf,
        columns=width,
        rows=rows,
        duplicates_dropped=dropped,
        added=result.added,
        total=result.total,
        first_ms=int(times[0]),
        last_ms=int(times[-1]),
        gaps=find_gaps(times, step),
    )


def import_funding_csv(path: Path, symbol: str, store: FundingStore) -> ImportReport:
    """Validate a `symbol,funding_time,funding_rate` CSV and merge it into `store`."""
    path = Path(path)
    symbol = normalize_symbol(symbol)
    data = split_rows(path, header_required=True)
    header = data.header or []
    if any(name not in header for name in FUNDING_HEADER):
        raise data.fail_line(
            data.header_line,
            f"header `{','.join(FUNDING_HEADER)}` required, found `{','.join(header)}`",
        )
    if not data.rows:
        raise data.fail(None, "the file has a header but no data rows")
    check_widths(data, len(header))
    columns = dict(zip(header, zip(*data.rows, strict=True), strict=True))
    symbols = np.array([cell.strip().upper() for cell in columns["symbol"]])
    foreign = np.flatnonzero(symbols != symbol)
    if len(foreign):
        index = int(foreign[0])
        raise data.fail(index, f"row is for {symbols[index] or '(no symbol)'}, not {symbol}")
    times = int_column(data, columns["funding_time"], "funding_time")
    rates = float_column(data, columns["funding_rate"], "funding_rate")
    out_of_range = np.flatnonzero(np.abs(rates) >= 1)
    if len(out_of_range):
        index = int(out_of_range[0])
        raise data.fail(index, f"funding_rate {float(rates[index])} is not a rate in (-1, 1)")
    frame = pd.DataFrame({"funding_time": times, "funding_rate": rates})
    frame["_row"] = np.arange(len(frame))
    rows = len(frame)
    frame, dropped = _resolve_duplicates(data, frame, key="funding_time")
    try:
        result = store.merge(symbol, frame.drop(columns="_row"))
    except ConflictingDataError as exc:
        first = exc.times[0]
        index = int(frame.loc[frame["funding_time"] == first, "_row"].iloc[0])
        raise data.fail(
            index, f"the funding rate at {ms_to_iso(first)} differs from the one already stored"
        ) from None
    ordered = np.sort(frame["funding_time"].to_numpy())
    return ImportReport(
        path=str(path),
        symbol=symbol,
        kind="funding",
        columns=len(header),
        rows=rows,
        duplicates_dropped=dropped,
        added=result.added,
        total=result.total,
        first_ms=int(ordered[0]),
        last_ms=int(ordered[-1]),
    )
