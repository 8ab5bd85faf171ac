"""Recorded market data beyond candles: one Parquet file per symbol, stream and UTC day.

`data/market/{exchange}/{SYMBOL}/{stream}/{YYYY-MM-DD}.parquet` (zstd), with the
data.binance.vision archive's columns where an archive exists, so a recorded day and
an imported day are the same file. Each stream has a key (the aggregate-trade id,
the book update id; or several columns: a bookDepth band is its timestamp and
percentage, and a liquidation, which has no id, is all of its columns) and a time
column (which decides the day): a write adds the new rows to each day they fall in and
keeps one row per key (the first one stored wins: nothing stored is ever rewritten
with other values). A day's first rows become its day file; later writes append part
files beside it, merged in size tiers and folded into the day file by `compact` (a `write`
compacts the days it touched, so an import leaves day files only; the recorder
`append`s, which costs what it adds, not the whole day, and compacts on stop, and an
append compacts the earlier days this store appended to once a later day begins:
`market_parts`). Every file is written atomically under the day's lock. A read
returns the rows of a time range from the day files and parts it touches, one per
key, in key order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from scalplab.data.exchange import EXCHANGE
from scalplab.data.market_parts import PARTS_SUFFIX, DayFiles, KeyRanges, first_rows, scan_parts
from scalplab.data.parquet_io import locked
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
    key_also: tuple[str, ...] = ()
    """Further key columns: one row per (key, *key_also) (bookDepth: a time's bands)."""
    optional: frozenset[str] = frozenset()
    """Columns that may be empty (the levels a partial book does not have)."""

    @property
    def keys(self) -> list[str]:
        """Every key column, in sort order."""
        return [self.key, *self.key_also]


BOOK_LEVELS = 20
"""Levels a side of a stored partial book (`depth20`)."""


def level_columns(depth: int = BOOK_LEVELS) -> list[str]:
    """`bid_price_0..`, `bid_qty_0..`, `ask_price_0..`, `ask_qty_0..` (level 0 is the best)."""
    return [f"{side}_{what}_{i}" for side in ("bid", "ask") for what in ("price", "qty")
            for i in range(depth)]  # fmt: skip


LIQUIDATION_COLUMNS = (
    "time", "side", "order_type", "time_in_force", "original_quantity", "price",
    "average_price", "order_status", "last_fill_quantity", "accumulated_fill_quantity",
    "event_time",
)  # fmt: skip
"""The liquidation-snapshot archive's columns (`time` is the trade time) and the event time."""
METRICS_COLUMNS = (
    "sum_open_interest", "sum_open_interest_value", "count_toptrader_long_short_ratio",
    "sum_toptrader_long_short_ratio", "count_long_short_ratio", "sum_taker_long_short_vol_ratio",
)  # fmt: skip
"""The metrics archive's statistics (its `symbol` column is the file's symbol)."""


def _liquidation_type(column: str) -> pa.DataType:
    if column in ("side", "order_type", "time_in_force", "order_status"):
        return pa.string()
    return pa.int64() if column.endswith("time") else pa.float64()


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
        StreamSchema(
            "openInterest",  # polled over REST: one row per distinct Binance time
            pa.schema([("time", pa.int64()), ("open_interest", pa.float64())]),
            key="time",
            time="time",
        ),
        StreamSchema(
            "depth20",
            pa.schema(
                [
                    ("update_id", pa.int64()),
                    ("transaction_time", pa.int64()),
                    ("event_time", pa.int64()),
                ]
                + [(name, pa.float64()) for name in level_columns()]
            ),
            key="update_id",
            time="transaction_time",
            optional=frozenset(level_columns()),
        ),
        StreamSchema(
            "forceOrder",
            pa.schema([(name, _liquidation_type(name)) for name in LIQUIDATION_COLUMNS]),
            key="time",
            time="time",
            key_also=LIQUIDATION_COLUMNS[1:],  # no id: only an identical row is a duplicate
        ),
        StreamSchema(
            "bookDepth",
            pa.schema(
                [
                    ("timestamp", pa.int64()),
                    ("percentage", pa.float64()),
                    ("depth", pa.float64()),
                    ("notional", pa.float64()),
                ]
            ),
            key="timestamp",
            time="timestamp",
            key_also=("percentage",),
        ),
        StreamSchema(
            "metrics",
            pa.schema(
                [("create_time", pa.int64())] + [(name, pa.float64()) for name in METRICS_COLUMNS]
            ),
            key="create_time",
            time="create_time",
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
        self._ranges = KeyRanges()
        self._appended: dict[tuple[str, str], set[date]] = {}
        """(symbol, stream) → the days this store appended parts to."""

    def path(self, symbol: str, stream: str, day: date) -> Path:
        """The file of one symbol, stream and UTC day."""
        return self.root / normalize_symbol(symbol) / stream_of(stream).name / f"{day}.parquet"

    def write(self, symbol: str, stream: str, frame: pd.DataFrame | pa.Table) -> WriteReport:
        """Add the rows of `frame` (the stream's columns) with new keys to their day
        files (a day touched ends as its day file alone, as an import wants it)."""
        return self._add(symbol, stream, frame, compacted=True)

    def append(self, symbol: str, stream: str, frame: pd.DataFrame | pa.Table) -> WriteReport:
        """`write` for frequent small batches (a recorder's): the new rows become a part
        file, at a cost that does not grow with the day; `compact` folds them in (and an
        append compacts the earlier days this store appended to once a later one begins)."""
        return self._add(symbol, stream, frame, compacted=False)

    def _add(
        self, symbol: str, stream: str, frame: pd.DataFrame | pa.Table, compacted: bool
    ) -> WriteReport:
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
            files = self._day_files(name, spec, day)
            with locked(files.path, files.label):
                added += files.append(part, self._ranges, day_file=compacted)
                if compacted:
                    files.compact(self._ranges)
            if not compacted:
                self._appended.setdefault((name, spec.name), set()).add(day)
            days.append(day.isoformat())
        if not compacted:
            self._compact_before(name, spec, _day(int(day_index.max())))
        return WriteReport(table.num_rows, added, tuple(days))

    def compact(self, symbol: str | None = None, stream: str | None = None) -> int:
        """Fold every day's part files (of `symbol`, of `stream`, or all) into its day
        file; how many days were compacted."""
        specs = [stream_of(stream)] if stream is not None else list(STREAMS.values())
        folders = [self.root / normalize_symbol(symbol)] if symbol is not None else (
            sorted(p for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []
        )  # fmt: skip
        compacted = 0
        for folder in folders:
            for spec in specs:
                for parts in sorted((folder / spec.name).glob(f"*{PARTS_SUFFIX}")):
                    if _is_day(parts.stem):
                        day = date.fromisoformat(parts.stem)
                        compacted += self._compact_day(folder.name, spec, day)
        return compacted

    def _compact_before(self, name: str, spec: StreamSchema, day: date) -> None:
        """A later day began: fold the parts of the earlier days appended to."""
        appended = self._appended.get((name, spec.name), set())
        for earlier in sorted(d for d in appended if d < day):
            self._compact_day(name, spec, earlier)

    def _compact_day(self, name: str, spec: StreamSchema, day: date) -> bool:
        files = self._day_files(name, spec, day)
        with locked(files.path, files.label):
            done = files.compact(self._ranges)
        self._appended.get((name, spec.name), set()).discard(day)
        return done

    def _day_files(self, name: str, spec: StreamSchema, day: date) -> DayFiles:
        what = f"{name} {spec.name} file of {day}"
        return DayFiles(self.path(name, spec.name, day), what, spec.keys, spec.schema)

    def read(
        self,
        symbol: str,
        stream: str,
        start_ms: int,
        end_ms: int,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows with `start_ms <= time < end_ms`, in key order (empty when none stored);
        with `columns`, only those (and the key and time columns) are read."""
        spec = stream_of(stream)
        name = normalize_symbol(symbol)
        wanted = None
        if columns is not None:
            asked = {*columns, *spec.keys, spec.time}
            wanted = [column for column in spec.schema.names if column in asked]
        tables = []
        first_day, last_day = start_ms // DAY_MS, (end_ms - 1) // DAY_MS
        for day in self.days(name, spec.name):
            if end_ms <= start_ms or not first_day <= _day_number(day) <= last_day:
                continue
            whole = (
                start_ms <= _day_number(day) * DAY_MS and (_day_number(day) + 1) * DAY_MS <= end_ms
            )
            filters = None if whole else [(spec.time, ">=", start_ms), (spec.time, "<", end_ms)]
            tables.extend(self._day_files(name, spec, day).read(wanted, filters=filters))
        if not tables:
            empty = spec.schema.empty_table()
            tables = [empty if wanted is None else empty.select(wanted)]
        table = pa.concat_tables(tables)
        frame: pd.DataFrame = first_rows(table, spec.keys).to_pandas()
        return frame

    def days(self, symbol: str, stream: str) -> list[date]:
        """The UTC days stored for a symbol and stream, oldest first."""
        folder = self.root / normalize_symbol(symbol) / stream_of(stream).name
        if not folder.is_dir():
            return []
        files = {p.stem for p in folder.glob("*.parquet")}
        parted = {p.stem for p in folder.glob(f"*{PARTS_SUFFIX}") if scan_parts(p)[0]}
        return sorted(date.fromisoformat(stem) for stem in files | parted if _is_day(stem))

    def inventory(self, symbol: str | None = None) -> list[StoredDay]:
        """Every stored day of every symbol (or of `symbol`) and stream (an unreadable
        file is listed with its error, never fatal)."""
        if not self.root.is_dir():
            return []
        days = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if symbol is not None and folder.name != normalize_symbol(symbol):
                continue
            for spec in STREAMS.values():
                for day in self.days(folder.name, spec.name):
                    days.append(self._stored_day(folder.name, spec, day))
        return days

    def _stored_day(self, symbol: str, spec: StreamSchema, day: date) -> StoredDay:
        try:
            tables = self._day_files(symbol, spec, day).read(spec.keys)
        except DataError as exc:
            return StoredDay(symbol, spec.name, day.isoformat(), error=exc.message)
        keys = first_rows(pa.concat_tables(tables), spec.keys)
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


def _conform(frame: pd.DataFrame | pa.Table, spec: StreamSchema, symbol: str) -> pa.Table:
    names = frame.column_names if isinstance(frame, pa.Table) else frame.columns
    missing = [name for name in spec.schema.names if name not in names]
    if missing:
        raise DataError(f"{symbol} {spec.name} rows lack columns: {', '.join(missing)}")
    try:
        if isinstance(frame, pa.Table):
            table = frame.select(spec.schema.names)
            if not table.schema.equals(spec.schema):
                table = table.cast(spec.schema, safe=True)
        else:
            table = pa.Table.from_pandas(
                frame[spec.schema.names], schema=spec.schema, preserve_index=False, safe=True
            )
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise DataError(f"{symbol} {spec.name} rows have a bad value: {exc}") from None
    if any(
        column.null_count
        for name, column in zip(table.column_names, table.columns, strict=True)
        if name not in spec.optional
    ):
        raise DataError(f"{symbol} {spec.name} rows have empty values")
    times = table.column(spec.time).to_numpy()
    if len(times) and (times.min() < 0 or times.max() >= 2**53):
        raise DataError(f"{symbol} {spec.name} rows have a {spec.time} outside epoch ms")
    return table


def first_of_each_key(table: pa.Table, keys: list[str]) -> pa.Table:
    """The first row of each distinct combination of the `keys` columns, sorted by them."""
    return first_rows(table, keys)


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
