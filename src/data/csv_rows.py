"""CSV files as rows of text cells, and their columns as checked numpy arrays.

Shared by the importers (`csv_import` for klines and funding, `market_import` for the
market-data archives): a file is read whole (gunzipped when it is gzip), split into an
optional header and data rows with their 1-based line numbers, and every problem is a
`DataError` naming the file, the line and the cell — "nothing was imported".
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from scalplab.errors import DataError, InputError, NotFoundError, snippet

MICROSECONDS_THRESHOLD = 10**14
"""Epoch timestamps above this are microseconds (ms stamps stay below it until year 5138)."""


class CsvRows:
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


def read_text(path: Path) -> str:
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


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_rows(path: Path, header_required: bool, dated: bool = False) -> CsvRows:
    """Split a CSV into (optional) header and data rows; blank lines are skipped.

    The first row is a header when required or when its first cell is not a number (in
    a `dated` file, whose first column is a `YYYY-MM-DD …` time: not a digit first)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if line.strip():
            rows.append(line.split(","))
            lines.append(number)
    if not rows:
        raise DataError(f"{path}: the file is empty; nothing was imported")
    header: list[str] | None = None
    header_line = 0
    first = rows[0][0].strip()
    is_header = not first[:1].isdigit() if dated else not is_number(first)
    if header_required or is_header:
        header = [name.strip().lower() for name in rows.pop(0)]
        header_line = lines.pop(0)
    return CsvRows(path, header, header_line, rows, lines)


def check_widths(data: CsvRows, width: int) -> None:
    widths = np.fromiter((len(row) for row in data.rows), dtype=np.int64, count=len(data.rows))
    wrong = np.flatnonzero(widths != width)
    if len(wrong):
        index = int(wrong[0])
        raise data.fail(index, f"expected {width} columns, found {int(widths[index])}")


def float_column(data: CsvRows, column: tuple[str, ...], name: str) -> np.ndarray:
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


def int_column(data: CsvRows, column: tuple[str, ...], name: str) -> np.ndarray:
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


def to_ms(data: CsvRows, stamps: np.ndarray, name: str) -> np.ndarray:
    """Convert microsecond stamps (> 1e14) to milliseconds; they must be whole ms."""
    micro = stamps > MICROSECONDS_THRESHOLD
    if not micro.any():
        return stamps
    fractional = np.flatnonzero(micro & (stamps % 1000 != 0))
    if len(fractional):
        index = int(fractional[0])
        raise data.fail(index, f"{name} {int(stamps[index])} (µs) is not a whole millisecond")
    return np.where(micro, stamps // 1000, stamps)


def utc_times(data: CsvRows, column: tuple[str, ...], name: str) -> np.ndarray:
    """Epoch milliseconds from `YYYY-MM-DD HH:MM:SS` UTC text (the archives' metrics and
    bookDepth stamps) or from epoch ms / µs numbers; the first bad cell is a `DataError`."""
    if column and column[0].strip().isdigit():
        return to_ms(data, int_column(data, column, name), name)
    stamps = pd.to_datetime(
        pd.Series(column, dtype=object).str.strip(),
        format="%Y-%m-%d %H:%M:%S",
        utc=True,
        errors="coerce",
    )
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if len(bad):
        index = int(bad[0])
        raise data.fail(
            index, f"{name} is not a YYYY-MM-DD HH:MM:SS time: {snippet(column[index].strip())}"
        )
    millis: np.ndarray = stamps.dt.as_unit("ms").astype("int64").to_numpy()
    return millis
