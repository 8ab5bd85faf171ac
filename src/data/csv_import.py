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

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.candles import CandleStore, ConflictingDataError
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import Gap, find_gaps, ms_to_iso, ohlc_violation_mask
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import TIMEFRAMES, timeframe_ms
from scalplab.errors import DataError, InputError, NotFoundError, snippet

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
MICROSECONDS_THRESHOLD = 10**14
"""Epoch timestamps above this are microseconds (ms stamps stay below it until year 5138)."""


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


class _Rows:
    """The data rows of a CSV file: split fields plus their 1-based line numbers."""

    def __init__(
        self,
        path: Path,
        header: list[str] | None,
        header_line: int,
        rows: list[list[str]],
        lines: list[int],
    ) -> None:
        self.path = path
        self.header = header
        self.header_line = header_line
        self.rows = rows
        self.lines = np.asarray(lines, dtype=np.int64)

    def fail(self, index: int | None, problem: str) -> DataError:
        """`DataError` naming the file and (when known) the line of data row `index`."""
        return self.fail_line(int(self.lines[index]) if index is not None else None, problem)

    def fail_line(self, line: int | None, problem: str) -> DataError:
        """`DataError` naming the file and (when known) the 1-based line number."""
        where = f"line {line}: " if line is not None else ""
        return DataError(f"{self.path}: {where}{problem}; nothing was imported")


def _read_text(path: Path) -> str:
    """File contents as text, transparently gunzipped."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: corrupt gzip data ({exc}); nothing was imported") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.start}); nothing was imported"
        ) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split(path: Path, header_required: bool) -> _Rows:
    """Split a CSV into (optional) header and data rows; blank lines are skipped."""
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if line.strip():
            rows.append(line.split(","))
            lines.append(number)
    if not rows:
        raise DataError(f"{path}: the file is empty; nothing was imported")
    header: list[str] | None = None
    header_line = 0
    if header_required or not _is_number(rows[0][0].strip()):
        header = [name.strip().lower() for name in rows.pop(0)]
        header_line = lines.pop(0)
    return _Rows(path, header, header_line, rows, lines)


def _check_widths(data: _Rows, width: int) -> None:
    widths = np.fromiter((len(row) for row in data.rows), dtype=np.int64, count=len(data.rows))
    wrong = np.flatnonzero(widths != width)
    if len(wrong):
        index = int(wrong[0])
        raise data.fail(index, f"expected {width} columns, found {int(widths[index])}")


def _floats(data: _Rows, column: tuple[str, ...], name: str) -> np.ndarray:
    """A column of finite floats; the first bad cell becomes a `DataError` with its line."""
    try:
        values = np.array(column, dtype=np.float64)
    except ValueError:
        values = np.full(len(column), np.nan)
        for index, cell in enumerate(column):
            try:
                values[index] = float(cell)
            except ValueError:
                raise data.fail(index, f"{name} is not a number: {snippet(cell.strip())}") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        index = int(bad[0])
        raise data.fail(index, f"{name} is not a finite number: {snippet(column[index].strip())}")
    return values


def _ints(data: _Rows, column: tuple[str, ...], name: str) -> np.ndarray:
    """A column of integers; the first bad cell becomes a `DataError` with its line."""
    try:
        return np.array(column, dtype=np.int64)
    except (ValueError, OverflowError):
        for index, cell in enumerate(column):
            try:
                int(cell)
            except ValueError:
                raise data.fail(
                    index, f"{name} is not an integer: {snippet(cell.strip())}"
                ) from None
        raise data.fail(None, f"{name} holds an out-of-range integer") from None


def _to_ms(data: _Rows, stamps: np.ndarray, name: str) -> np.ndarray:
    """Convert microsecond stamps (> 1e14) to milliseconds; they must be whole ms."""
    micro = stamps > MICROSECONDS_THRESHOLD
    if not micro.any():
        return stamps
    fractional = np.flatnonzero(micro & (stamps % 1000 != 0))
    if len(fractional):
        index = int(fractional[0])
        raise data.fail(index, f"{name} {int(stamps[index])} (µs) is not a whole millisecond")
    return np.where(micro, stamps // 1000, stamps)


def _check_spacing(data: _Rows, times: np.ndarray, tf: str, step: int) -> None:
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
    data: _Rows, frame: pd.DataFrame, key: str = "open_time"
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


def _parse_klines(data: _Rows, tf: str) -> tuple[pd.DataFrame, int]:
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
    _check_widths(data, width)
    columns = dict(zip(KLINE_COLUMNS_12[:width], zip(*data.rows, strict=True), strict=True))
    out: dict[str, Any] = {
        "open_time": _to_ms(data, _ints(data, columns["open_time"], "open_time"), "open_time")
    }
    for name in FLOAT_COLUMNS:
        if name in columns:
            out[name] = _floats(data, columns[name], name)
    if width == 12:
        out["trades"] = _ints(data, columns["trades"], "count")
        close_time = _to_ms(data, _ints(data, columns["close_time"], "close_time"), "close_time")
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
    data = _split(path, header_required=False)
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
    data = _split(path, header_required=True)
    header = data.header or []
    if any(name not in header for name in FUNDING_HEADER):
        raise data.fail_line(
            data.header_line,
            f"header `{','.join(FUNDING_HEADER)}` required, found `{','.join(header)}`",
        )
    if not data.rows:
        raise data.fail(None, "the file has a header but no data rows")
    _check_widths(data, len(header))
    columns = dict(zip(header, zip(*data.rows, strict=True), strict=True))
    symbols = np.array([cell.strip().upper() for cell in columns["symbol"]])
    foreign = np.flatnonzero(symbols != symbol)
    if len(foreign):
        index = int(foreign[0])
        raise data.fail(index, f"row is for {symbols[index] or '(no symbol)'}, not {symbol}")
    times = _ints(data, columns["funding_time"], "funding_time")
    rates = _floats(data, columns["funding_rate"], "funding_rate")
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
