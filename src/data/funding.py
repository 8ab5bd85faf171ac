"""The funding-rate store: `data/funding/{exchange}/{symbol}.parquet`.

Columns `funding_time` (int64, Binance's settlement stamp in UTC epoch ms, which
is often a few ms after the 8-hourly instant) and `funding_rate` (float64),
sorted and unique by `funding_time`. Reads of a symbol without funding data
return an empty frame (callers fall back to `DEFAULT_FUNDING_RATE`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scalplab.data.candles import ConflictingDataError, MergeResult
from scalplab.data.integrity import ms_to_iso
from scalplab.data.parquet_io import locked, read_schema, read_table, write_table_atomic
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import DataError, snippet
from scalplab.storage.paths import funding_path

FUNDING_SCHEMA = pa.schema(
    [
        pa.field("funding_time", pa.int64(), nullable=False),
        pa.field("funding_rate", pa.float64(), nullable=False),
    ]
)


def empty_funding() -> pd.DataFrame:
    """A zero-row funding frame with the store's dtypes."""
    return pd.DataFrame(
        {
            "funding_time": np.array([], dtype=np.int64),
            "funding_rate": np.array([], dtype=np.float64),
        }
    )


def normalize_funding(df: pd.DataFrame, what: str = "funding") -> pd.DataFrame:
    """Coerce a funding frame to the store's dtypes; `DataError` for bad values.

    Rejects missing columns, non-numeric or empty values, non-integer times and
    rates outside (-1, 1).
    """
    missing = [name for name in FUNDING_SCHEMA.names if name not in df.columns]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")
    times = pd.to_numeric(df["funding_time"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    rates = pd.to_numeric(df["funding_rate"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad_time = ~np.isfinite(times) | (times != np.floor(times))
    if bad_time.any():
        value = df["funding_time"].iloc[int(np.flatnonzero(bad_time)[0])]
        raise DataError(
            f"{what}: funding_time {snippet(str(value))} is not integer epoch milliseconds"
        )
    out_times = times.astype(np.int64)
    bad_rate = ~np.isfinite(rates) | (np.abs(rates) >= 1)
    if bad_rate.any():
        index = int(np.flatnonzero(bad_rate)[0])
        raise DataError(
            f"{what}: funding_rate {snippet(str(df['funding_rate'].iloc[index]))} at "
            f"{ms_to_iso(int(out_times[index]))} is not a rate in (-1, 1)"
        )
    return pd.DataFrame({"funding_time": out_times, "funding_rate": rates})


def combine_funding(existing: pd.DataFrame, new: pd.DataFrame, what: str) -> pd.DataFrame:
    """Union by `funding_time`; identical duplicates dropped, different rates a `DataError`."""
    combined = pd.concat([existing, new], ignore_index=True)
    combined = combined.drop_duplicates(ignore_index=True)
    clash = combined["funding_time"].duplicated(keep=False).to_numpy()
    if clash.any():
        first = int(combined["funding_time"][clash].min())
        rates = combined.loc[combined["funding_time"] == first, "funding_rate"].tolist()
        times = sorted({int(t) for t in combined["funding_time"][clash]})
        raise ConflictingDataError(
            f"{what}: funding at {ms_to_iso(first)} has different rates ({snippet(rates[0])} vs "
            f"{snippet(rates[1])}); nothing was written",
            times,
        )
    return combined.sort_values("funding_time", kind="stable", ignore_index=True)


class FundingStore:
    """Read and merge stored funding rates under `data_dir/funding/{exchange}`."""

    def __init__(self, data_dir: Path, exchange: str = "binance") -> None:
        self.data_dir = Path(data_dir)
        self.exchange = exchange

    def path(self, symbol: str) -> Path:
        """The Parquet file of `symbol` (it may not exist)."""
        return funding_path(self.data_dir, self.exchange, normalize_symbol(symbol))

    def symbols(self) -> list[str]:
        """Symbols with a funding file, sorted."""
        root = self.data_dir / "funding" / self.exchange
        if not root.is_dir():
            return []
        return sorted(p.stem for p in root.glob("*.parquet") if p.is_file())

    def _read_file(self, path: Path, what: str, filters: list[Any] | None) -> pd.DataFrame:
        schema = read_schema(path, what)
        for schema_field in FUNDING_SCHEMA:
            if schema_field.name not in schema.names:
                raise DataError(
                    f"the {what} has the wrong schema: missing column {schema_field.name}"
                )
            kind = schema.field(schema_field.name).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
                raise DataError(
                    f"the {what} has the wrong schema: column {schema_field.name} is {kind}"
                )
        table = read_table(path, columns=FUNDING_SCHEMA.names, filters=filters, what=what)
        frame = pd.DataFrame(
            {
                "funding_time": table.column("funding_time").to_numpy().astype(np.int64),
                "funding_rate": table.column("funding_rate")
                .to_numpy(zero_copy_only=False)
                .astype(np.float64),
            }
        )
        times = frame["funding_time"].to_numpy()
        if len(times) > 1 and not bool(np.all(times[1:] >= times[:-1])):
            frame = frame.sort_values("funding_time", kind="stable", ignore_index=True)
        return frame

    def read(
        self, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> pd.DataFrame:
        """Funding rows with `start_ms <= funding_time < end_ms`, sorted; empty when none.

        Never raises for missing data; `DataError` for an unreadable file.
        """
        path = self.path(symbol)
        if not path.exists():
            return empty_funding()
        filters: list[Any] = []
        if start_ms is not None:
            filters.append(("funding_time", ">=", int(start_ms)))
        if end_ms is not None:
            filters.append(("funding_time", "<", int(end_ms)))
        return self._read_file(path, f"{normalize_symbol(symbol)} funding file", filters or None)

    def merge(self, symbol: str, df: pd.DataFrame) -> MergeResult:
        """Merge funding rows: dedupe, sort, write atomically (`gaps` is always empty).

        A `funding_time` already stored (or repeated in `df`) with a different
        rate raises `DataError` and leaves the file untouched.
        """
        name = normalize_symbol(symbol)
        what = f"{name} funding"
        new = normalize_funding(df, what)
        path = self.path(name)
        label = f"{name} funding file"
        with locked(path, label):
            existing = self._read_file(path, label, None) if path.exists() else empty_funding()
            before = len(existing)
            if len(new) == 0:
                return MergeResult(added=0, total=before)
            combined = combine_funding(existing, new, what)
            table = pa.Table.from_pandas(combined, schema=FUNDING_SCHEMA, preserve_index=False)
            write_table_atomic(table, path, label)
        return MergeResult(added=len(combined) - before, total=len(combined))
