"""The candle store: one zstd Parquet file per exchange, symbol and timeframe.

Layout `data/candles/{exchange}/{symbol}/{tf}.parquet` (see
`scalplab.storage.paths.candle_path`). Columns, sorted by `open_time`, unique:

| column | type | |
| --- | --- | --- |
| `open_time` | int64 | bar open, UTC epoch ms |
| `open high low close volume` | float64 | required |
| `quote_volume taker_buy_volume taker_buy_quote_volume` | float64, nullable | null if unknown |
| `trades` | int64 (pandas `Int64`), nullable | |

A timeframe without its own file is resampled from the 1m file on read.
Writes are atomic and validated: a merge that would store a malformed,
misaligned or conflicting candle is rejected whole and the file is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scalplab.data.integrity import (
    Gap,
    check_loaded_candles,
    find_gaps,
    ms_to_iso,
    ohlc_violation_mask,
)
from scalplab.data.parquet_io import (
    locked,
    read_metadata,
    read_schema,
    read_table,
    write_table_atomic,
)
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import TIMEFRAMES, resample, timeframe_ms
from scalplab.errors import DataError, InputError, NoDataError, snippet
from scalplab.storage.paths import candle_path

REQUIRED_COLUMNS = ("open_time", "open", "high", "low", "close", "volume")
OPTIONAL_COLUMNS = ("quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

CANDLE_SCHEMA = pa.schema(
    [
        pa.field("open_time", pa.int64(), nullable=False),
        pa.field("open", pa.float64(), nullable=False),
        pa.field("high", pa.float64(), nullable=False),
        pa.field("low", pa.float64(), nullable=False),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("volume", pa.float64(), nullable=False),
        pa.field("quote_volume", pa.float64()),
        pa.field("trades", pa.int64()),
        pa.field("taker_buy_volume", pa.float64()),
        pa.field("taker_buy_quote_volume", pa.float64()),
    ]
)


def candle_file(symbol: str, tf: str) -> str:
    """How errors name a stored candle file: by symbol and timeframe, never by path."""
    return f"{symbol} {tf} candle file"


@dataclass(frozen=True, slots=True)
class MergeResult:
    """Outcome of a merge: rows new to the store, rows stored now, holes in the series."""

    added: int
    total: int
    gaps: list[Gap] = field(default_factory=list)


class ConflictingDataError(DataError):
    """Two rows with the same time key (`open_time`, `funding_time`) but different values."""

    def __init__(self, message: str, times: list[int]) -> None:
        super().__init__(message)
        self.times = times


def empty_candles() -> pd.DataFrame:
    """A zero-row candle frame with the store's columns and dtypes."""
    return frame_from_table(CANDLE_SCHEMA.empty_table())


def frame_from_table(table: pa.Table) -> pd.DataFrame:
    """Arrow table in the store schema → pandas frame (int64, float64, `Int64` trades)."""
    data: dict[str, Any] = {}
    for name in COLUMNS:
        column = table.column(name)
        if name == "open_time":
            data[name] = column.to_numpy().astype(np.int64, copy=False)
        elif name == "trades":
            mask = column.is_null().to_numpy(zero_copy_only=False)
            values = column.fill_null(0).to_numpy().astype(np.int64, copy=False)
            data[name] = pd.arrays.IntegerArray(values, mask)
        else:
            data[name] = column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    return pd.DataFrame(data)


def _numeric(frame: pd.DataFrame, name: str, what: str) -> pd.Series:
    """Column `name` as a numeric Series, or `DataError`."""
    column = frame[name]
    if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
        converted = pd.to_numeric(column, errors="coerce")
        bad = converted.isna() & column.notna()
        if bool(bad.any()):
            value = column[bad].iloc[0]
            raise DataError(
                f"{what}: column {name} holds a non-numeric value {snippet(str(value))}"
            )
        return converted
    return column


def normalize_candles(df: pd.DataFrame, what: str = "candles") -> pd.DataFrame:
    """Coerce a candle frame to the store's columns and dtypes (adds missing optional columns).

    Raises `DataError` for a missing required column, a non-numeric value, a
    null in a required column or a non-integer `open_time`.
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")
    rows = len(df)
    out: dict[str, Any] = {}
    times = _numeric(df, "open_time", what)
    if bool(times.isna().any()):
        raise DataError(f"{what}: open_time has empty values")
    times_f = times.to_numpy(dtype=np.float64)
    if not bool(np.all(np.isfinite(times_f))) or not bool(np.all(times_f == np.floor(times_f))):
        raise DataError(f"{what}: open_time must hold integer epoch milliseconds")
    out["open_time"] = times.to_numpy(dtype=np.int64)
    for name in REQUIRED_COLUMNS[1:]:
        values = _numeric(df, name, what).to_numpy(dtype=np.float64, na_value=np.nan)
        if bool(np.isnan(values).any()):
            at = int(out["open_time"][np.flatnonzero(np.isnan(values))[0]])
            raise DataError(f"{what}: {name} is empty or NaN at {ms_to_iso(at)}")
        out[name] = values
    for name in OPTIONAL_COLUMNS:
        if name not in df.columns:
            empty = np.full(rows, np.nan)
            out[name] = pd.Series(empty).astype("Int64").array if name == "trades" else empty
            continue
        series = _numeric(df, name, what)
        if name == "trades":
            as_float = series.to_numpy(dtype=np.float64, na_value=np.nan)
            known = as_float[~np.isnan(as_float)]
            if not bool(np.all(known == np.floor(known))):
                raise DataError(f"{what}: trades must be whole numbers")
            out[name] = pd.Series(as_float).astype("Int64").array
        else:
            out[name] = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame(out)


def _table_from_frame(frame: pd.DataFrame) -> pa.Table:
    """Normalised candle frame → Arrow table in the store schema."""
    arrays = []
    for schema_field in CANDLE_SCHEMA:
        column = frame[schema_field.name]
        if schema_field.name == "trades":
            mask = column.isna().to_numpy()
            values = column.to_numpy(dtype=np.int64, na_value=0)
            arrays.append(pa.array(values, type=pa.int64(), mask=mask))
        elif schema_field.nullable:
            values = column.to_numpy(dtype=np.float64)
            arrays.append(pa.array(values, type=pa.float64(), mask=np.isnan(values)))
        else:
            arrays.append(pa.array(column.to_numpy(), type=schema_field.type))
    return pa.Table.from_arrays(arrays, schema=CANDLE_SCHEMA)


def _describe_conflict(rows: pd.DataFrame) -> str:
    """`column: a vs b` for the first column whose non-null values differ."""
    for name in COLUMNS[1:]:
        values = rows[name].dropna().unique().tolist()
        if len(values) > 1:
            return f"{name} {values[0]} vs {values[1]}"
    return "values differ"  # pragma: no cover - callers only pass conflicting rows


def combine_candles(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Union of two normalised frames by `open_time`, sorted.

    Rows with the same `open_time` must agree wherever both have a value (a row
    may fill another's nulls, e.g. quote volume from a 12-column source);
    otherwise `ConflictingDataError` is raised.
    """
    combined = pd.concat([existing, new], ignore_index=True) if len(existing) else new
    combined = combined.drop_duplicates(ignore_index=True)  # identical rows: keep one
    dup_mask = combined["open_time"].duplicated(keep=False).to_numpy()
    if dup_mask.any():
        dups = combined[dup_mask]
        distinct = dups.groupby("open_time", sort=True).nunique(dropna=True)
        conflicting = distinct.index[(distinct > 1).any(axis=1).to_numpy()]
        if len(conflicting):
            first = int(conflicting[0])
            detail = _describe_conflict(dups[dups["open_time"] == first])
            raise ConflictingDataError(
                f"{len(conflicting)} candle(s) have the same open_time but different values, "
                f"first at {ms_to_iso(first)} ({detail}); nothing was written",
                [int(t) for t in conflicting],
            )
        merged = dups.groupby("open_time", sort=False, as_index=False).first()
        combined = pd.concat([combined[~dup_mask], merged], ignore_index=True)
    times = combined["open_time"].to_numpy()
    if len(times) > 1 and not bool(np.all(times[1:] > times[:-1])):
        combined = combined.sort_values("open_time", kind="stable", ignore_index=True)
    return combined[list(COLUMNS)]


def validate_candles(frame: pd.DataFrame, tf: str, what: str = "candles") -> None:
    """Reject misaligned open times and OHLC violations in a normalised frame."""
    step = timeframe_ms(tf)
    times = frame["open_time"].to_numpy()
    off_grid = np.flatnonzero(times % step != 0)
    if len(off_grid):
        at = int(times[off_grid[0]])
        raise DataError(f"{what}: open_time {at} ({ms_to_iso(at)}) is not on the {tf} grid")
    bad = np.flatnonzero(ohlc_violation_mask(frame))
    if len(bad):
        row = frame.iloc[int(bad[0])]
        raise DataError(
            f"{what}: OHLC violation at {ms_to_iso(int(row['open_time']))} "
            f"(open {row['open']}, high {row['high']}, low {row['low']}, close {row['close']}, "
            f"volume {row['volume']})"
        )


class CandleStore:
    """Read, merge and list stored candles under `data_dir/candles/{exchange}`."""

    def __init__(self, data_dir: Path, exchange: str = "binance") -> None:
        self.data_dir = Path(data_dir)
        self.exchange = exchange

    # --- paths and listing ---

    def path(self, symbol: str, tf: str) -> Path:
        """The Parquet file of `symbol`/`tf` (it may not exist)."""
        timeframe_ms(tf)
        return candle_path(self.data_dir, self.exchange, normalize_symbol(symbol), tf)

    def _root(self) -> Path:
        return self.data_dir / "candles" / self.exchange

    def symbols(self) -> list[str]:
        """Symbols with at least one stored timeframe, sorted."""
        root = self._root()
        if not root.is_dir():
            return []
        return sorted(
            entry.name for entry in root.iterdir() if entry.is_dir() and self._stored_tfs(entry)
        )

    @staticmethod
    def _stored_tfs(folder: Path) -> list[str]:
        names = {p.stem for p in folder.glob("*.parquet") if p.is_file()}
        return sorted((tf for tf in names if tf in TIMEFRAMES), key=TIMEFRAMES.__getitem__)

    def timeframes(self, symbol: str) -> list[str]:
        """Timeframes stored as files for `symbol`, shortest first (others resample from 1m)."""
        folder = self._root() / normalize_symbol(symbol)
        return self._stored_tfs(folder) if folder.is_dir() else []

    def has_candles(self) -> bool:
        """True when any symbol has any stored candle file."""
        return bool(self.symbols())

    # --- reading ---

    def _check_schema(self, path: Path, what: str) -> list[str]:
        """Validate the file's schema; returns the optional columns it lacks."""
        schema = read_schema(path, what)
        names = set(schema.names)
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise DataError(
                f"the {what} has the wrong schema: missing column(s) {', '.join(missing)}"
            )
        for name in COLUMNS:
            if name not in names:
                continue
            kind = schema.field(name).type
            numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
            if (name in ("open_time", "trades") and not pa.types.is_integer(kind)) or not numeric:
                raise DataError(f"the {what} has the wrong schema: column {name} is {kind}")
        return [name for name in OPTIONAL_COLUMNS if name not in names]

    def _read_file(
        self, path: Path, what: str, start_ms: int | None, end_ms: int | None
    ) -> pd.DataFrame:
        absent = self._check_schema(path, what)
        filters: list[Any] = []
        if start_ms is not None:
            filters.append(("open_time", ">=", int(start_ms)))
        if end_ms is not None:
            filters.append(("open_time", "<", int(end_ms)))
        present = [name for name in COLUMNS if name not in absent]
        table = read_table(path, columns=present, filters=filters or None, what=what)
        for name in absent:
            table = table.append_column(
                pa.field(name, CANDLE_SCHEMA.field(name).type),
                pa.nulls(table.num_rows, CANDLE_SCHEMA.field(name).type),
            )
        try:
            table = table.select(list(COLUMNS)).cast(CANDLE_SCHEMA, safe=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            # e.g. a null in a required column (Arrow raises a plain ValueError for it)
            raise DataError(f"the {what} has the wrong schema: {exc}") from None
        frame = frame_from_table(table)
        times = frame["open_time"].to_numpy()
        if len(times) > 1 and not bool(np.all(times[1:] >= times[:-1])):
            frame = frame.sort_values("open_time", kind="stable", ignore_index=True)
        return frame

    def read(
        self,
        symbol: str,
        tf: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        checked: bool = False,
    ) -> pd.DataFrame:
        """Candles of `symbol`/`tf` with `start_ms <= open_time < end_ms`, sorted.

        Without a `tf` file, the 1m file is filtered to the range and resampled.
        Raises `NoDataError` when nothing is stored or the range is empty (the
        message says what is available), `DataError` for an unreadable file.
        With `checked`, the bars read (the 1m bars, before resampling) are
        refused when corrupt (`CorruptCandlesError`, see `check_loaded_candles`):
        what a run uses; a report like `data check` reads unchecked.
        """
        symbol = normalize_symbol(symbol)
        timeframe_ms(tf)
        if start_ms is not None and end_ms is not None and start_ms >= end_ms:
            raise InputError(
                f"empty range: start {ms_to_iso(start_ms)} is not before end {ms_to_iso(end_ms)}"
            )
        path = self.path(symbol, tf)
        source_tf = tf
        if not path.exists():
            one_minute = self.path(symbol, "1m")
            if tf == "1m" or not one_minute.exists():
                raise NoDataError(
                    f"no {symbol} {tf} candles stored for {self.exchange}"
                    + ("" if tf == "1m" else " (and no 1m candles to resample)")
                    + "; import or download them first (`scalplab data import|download`)"
                )
            path, source_tf = one_minute, "1m"
        frame = self._read_file(path, candle_file(symbol, source_tf), start_ms, end_ms)
        if checked:
            check_loaded_candles(frame, symbol, source_tf)
        if source_tf != tf:
            frame = resample(frame, tf)
        if len(frame) == 0:
            if start_ms is None and end_ms is None:
                raise NoDataError(f"the {candle_file(symbol, source_tf)} has no rows")
            first, last, _ = self.span(symbol, source_tf)
            lo = ms_to_iso(start_ms) if start_ms is not None else "the beginning"
            hi = ms_to_iso(end_ms) if end_ms is not None else "the end"
            raise NoDataError(
                f"no {symbol} {tf} candles from {lo} to {hi}; "
                f"stored {source_tf}: {ms_to_iso(first)} to {ms_to_iso(last)}"
            )
        return frame

    def span(self, symbol: str, tf: str) -> tuple[int, int, int]:
        """`(first_ms, last_ms, rows)` of `symbol`/`tf` (from Parquet statistics when possible).

        For a timeframe resampled from 1m, the span of the bars a read would return.
        """
        symbol = normalize_symbol(symbol)
        step = timeframe_ms(tf)
        path = self.path(symbol, tf)
        if path.exists():
            what = candle_file(symbol, tf)
            self._check_schema(path, what)
            stats = self._span_from_statistics(path, what)
            if stats is not None:
                return stats
            times = read_table(path, columns=["open_time"], what=what).column("open_time")
            times = times.to_numpy()
        else:
            one_minute = self.path(symbol, "1m")
            if tf == "1m" or not one_minute.exists():
                raise NoDataError(f"no {symbol} {tf} candles stored for {self.exchange}")
            what = candle_file(symbol, "1m")
            self._check_schema(one_minute, what)
            minutes = read_table(one_minute, columns=["open_time"], what=what).column("open_time")
            times = np.unique(minutes.to_numpy().astype(np.int64) // step * step)
        if len(times) == 0:
            raise NoDataError(f"the {symbol} {tf} candle file has no rows")
        return int(times.min()), int(times.max()), len(times)

    @staticmethod
    def _span_from_statistics(path: Path, what: str) -> tuple[int, int, int] | None:
        """Span from row-group min/max statistics; None when they are absent."""
        meta = read_metadata(path, what)
        if meta.num_rows == 0:
            return None
        index = meta.schema.to_arrow_schema().get_field_index("open_time")
        lows: list[int] = []
        highs: list[int] = []
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                return None
            lows.append(int(stats.min))
            highs.append(int(stats.max))
        return min(lows), max(highs), int(meta.num_rows)

    # --- writing ---

    def merge(self, symbol: str, tf: str, df: pd.DataFrame) -> MergeResult:
        """Merge candles into the store: dedupe by `open_time`, sort, write atomically.

        Identical duplicates are dropped; a duplicate `open_time` with different
        values (within `df` or against the store), a misaligned open time or an
        OHLC violation raises `DataError` and leaves the stored file untouched.
        """
        symbol = normalize_symbol(symbol)
        step = timeframe_ms(tf)
        new = normalize_candles(df, what=f"{symbol} {tf} input")
        validate_candles(new, tf, what=f"{symbol} {tf} input")
        path = self.path(symbol, tf)
        what = candle_file(symbol, tf)
        with locked(path, what):
            existing = self._read_file(path, what, None, None) if path.exists() else empty_candles()
            before = int(existing["open_time"].nunique())
            if len(new) == 0:
                combined = existing
            else:
                combined = combine_candles(existing, new)
                write_table_atomic(_table_from_frame(combined), path, what)
        times = combined["open_time"].to_numpy()
        return MergeResult(
            added=len(combined) - before, total=len(combined), gaps=find_gaps(times, step)
        )
