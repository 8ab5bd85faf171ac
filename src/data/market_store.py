"""Recorded market data beyond candles: one Parquet file per symbol, stream and UTC day.

`data/market/{exchange}/{SYMBOL}/{stream}/{YYYY-MM-DD}.parquet` (zstd), with the
data.binance.vision archive's columns where an archive exists, so a recorded day and
an imported day are the same file. Each stream has a key (the aggregate-trade id,
the book update id) and a time column (which decides the day): a write merges the
new rows into each day they fall in, keeps one row per key (the first one stored
wins: nothing stored is ever rewritten with other values) sorted by key, and
replaces the file atomically under a lock. A read returns the rows of a time range
from the day files it touches, in key order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from scalplab.data.exchange import EXCHANGE
from scalplab.data.parquet_io import locked, read_table, write_table_atomic
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import DataError, InputError, snippet

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class StreamSchema:
    """A stored stream's columns, its key and its time column."""

    name: str
    schema: pa.Schema
    key: str
    time: str


STREAMS: dict[str, StreamSchema] = {
    s.name: s
    for s in (
        StreamSchema(
            "aggTrade",
            pa.schema(
                [
                    ("agg_trade_id", pa.int64()),
                    ("price", pa.float64()),
                    ("quantity", pa.float64()),
                    ("first_trade_id", pa.int64()),
                    ("last_trade_id", pa.int64()),
                    ("transact_time", pa.int64()),
                    ("is_buyer_maker", pa.bool_()),
                ]
            ),
            key="agg_trade_id",
            time="transact_time",
        ),
        StreamSchema(
            "bookTicker",
            pa.schema(
                [
                    ("update_id", pa.int64()),
                    ("best_bid_price", pa.float64()),
                    ("best_bid_qty", pa.float64()),
                    ("best_ask_price", pa.float64()),
                    ("best_ask_qty", pa.float64()),
                    ("transaction_time", pa.int64()),
                    ("event_time", pa.int64()),
                ]
            ),
            key="update_id",
            time="transaction_time",
        ),
        StreamSchema(
            "markPrice",
            pa.schema(
                [
                    ("event_time", pa.int64()),
                    ("mark_price", pa.float64()),
                    ("index_price", pa.float64()),
                    ("funding_rate", pa.float64()),
                    ("next_funding_time", pa.int64()),
                ]
            ),
            key="event_time",
            time="event_time",
        ),
    )
}
"""The streams the store keeps, by name."""


@dataclass(frozen=True, slots=True)
class StoredDay:
    """One stored day file: its rows and, for aggregate trades, how many ids between its
    first and last are missing (None where ids are not consecutive by nature)."""

    symbol: str
    stream: str
    day: str
    rows: int = 0
    missing_ids: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "symbol": self.symbol,
            "stream": self.stream,
            "day": self.day,
            "rows": self.rows,
            "missing_ids": self.missing_ids,
            **({"error": self.error} if self.error else {}),
        }


CONSECUTIVE_KEYS = frozenset({"aggTrade"})
"""Streams whose keys count up by one (a missing key is a lost row)."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did: rows given, rows new to the store, and the days it touched."""

    rows: int
    added: int
    days: tuple[str, ...]


class MarketStore:
    """Day files of recorded market data under `data_dir/market/{exchange}`."""

    def __init__(self, data_dir: Path, exchange: str = EXCHANGE) -> None:
        self.root = Path(data_dir) / "market" / exchange

    def path(self, symbol: str, stream: str, day: date) -> Path:
        """The file of one symbol, stream and UTC day."""
        return self.root / normalize_symbol(symbol) / stream_of(stream).name / f"{day}.parquet"

    def write(self, symbol: str, stream: str, frame: pd.DataFrame) -> WriteReport:
        """Merge `frame` (the stream's columns) into its day files."""
        spec = stream_of(stream)
        name = normalize_symbol(symbol)
        table = _conform(frame, spec, name)
        if table.num_rows == 0:
            return WriteReport(0, 0, ())
        times = table.column(spec.time).to_numpy()
        day_index = times // DAY_MS
        added = 0
        days = []
        for day_number in np.unique(day_index):
            day = _day(int(day_number))
            part = table.filter(pa.array(day_index == day_number))
            path = self.path(name, spec.name, day)
            what = f"{name} {spec.name} file of {day}"
            with locked(path, what):
                stored = read_table(path, what=what) if path.exists() else None
                merged = _merge(stored, part, spec)
                before = 0 if stored is None else stored.num_rows
                if merged.num_rows != before:
                    write_table_atomic(merged, path, what)
                added += merged.num_rows - before
            days.append(day.isoformat())
        return WriteReport(table.num_rows, added, tuple(days))

    def read(self, symbol: str, stream: str, start_ms: int, end_ms: int) -> pd.DataFrame:
        """Rows with `start_ms <= time < end_ms`, in key order (empty when none stored)."""
        spec = stream_of(stream)
        name = normalize_symbol(symbol)
        tables = []
        first_day, last_day = start_ms // DAY_MS, (end_ms - 1) // DAY_MS
        for day in self.days(name, spec.name):
            if end_ms <= start_ms or not first_day <= _day_number(day) <= last_day:
                continue
            what = f"{name} {spec.name} file of {day}"
            filters = [(spec.time, ">=", start_ms), (spec.time, "<", end_ms)]
            tables.append(read_table(self.path(name, spec.name, day), filters=filters, what=what))
        table = pa.concat_tables(tables) if tables else spec.schema.empty_table()
        frame: pd.DataFrame = table.sort_by(spec.key).to_pandas()
        return frame

    def days(self, symbol: str, stream: str) -> list[date]:
        """The UTC days stored for a symbol and stream, oldest first."""
        folder = self.root / normalize_symbol(symbol) / stream_of(stream).name
        if not folder.is_dir():
            return []
        return sorted(
            date.fromisoformat(path.stem) for path in folder.glob("*.parquet") if _is_day(path.stem)
        )

    def inventory(self) -> list[StoredDay]:
        """Every stored day of every symbol and stream (an unreadable file is listed with
        its error, never fatal)."""
        if not self.root.is_dir():
            return []
        days = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for spec in STREAMS.values():
                for day in self.days(folder.name, spec.name):
                    days.append(self._stored_day(folder.name, spec, day))
        return days

    def _stored_day(self, symbol: str, spec: StreamSchema, day: date) -> StoredDay:
        what = f"{symbol} {spec.name} file of {day}"
        try:
            keys = read_table(self.path(symbol, spec.name, day), [spec.key], what=what)
        except DataError as exc:
            return StoredDay(symbol, spec.name, day.isoformat(), error=exc.message)
        ids = keys.column(spec.key).to_numpy()
        missing = None
        if spec.name in CONSECUTIVE_KEYS and len(ids):
            missing = int(ids.max() - ids.min() + 1 - len(ids))
        return StoredDay(symbol, spec.name, day.isoformat(), len(ids), missing)


def stream_of(stream: str) -> StreamSchema:
    """The schema of a stored stream; `InputError` naming the known ones otherwise."""
    spec = STREAMS.get(stream)
    if spec is None:
        raise InputError(
            f"unknown market-data stream {snippet(stream)} (known: {', '.join(STREAMS)})"
        )
    return spec


def _conform(frame: pd.DataFrame, spec: StreamSchema, symbol: str) -> pa.Table:
    missing = [name for name in spec.schema.names if name not in frame.columns]
    if missing:
        raise DataError(f"{symbol} {spec.name} rows lack columns: {', '.join(missing)}")
    try:
        table = pa.Table.from_pandas(
            frame[spec.schema.names], schema=spec.schema, preserve_index=False, safe=True
        )
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise DataError(f"{symbol} {spec.name} rows have a bad value: {exc}") from None
    if any(column.null_count for column in table.columns):
        raise DataError(f"{symbol} {spec.name} rows have empty values")
    times = table.column(spec.time).to_numpy()
    if len(times) and (times.min() < 0 or times.max() >= 2**53):
        raise DataError(f"{symbol} {spec.name} rows have a {spec.time} outside epoch ms")
    return table


def _merge(stored: pa.Table | None, new: pa.Table, spec: StreamSchema) -> pa.Table:
    """Stored rows first, then the new keys, one row per key, sorted by key."""
    table = new if stored is None else pa.concat_tables([stored.cast(spec.schema), new])
    keys = table.column(spec.key).to_numpy()
    _, first = np.unique(keys, return_index=True)  # sorted by key, first occurrence wins
    return table.take(pa.array(first))


def _day(day_number: int) -> date:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day_number)).date()


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
