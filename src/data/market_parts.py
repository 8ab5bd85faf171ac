"""Part files: how a market-data day grows without rewriting itself on every write.

A stored day of one symbol and stream is its day file `{day}.parquet` plus the part
files in the folder `{day}.parts/`, each named by the range of write sequence numbers it
holds (`00000012-00000012.arrow` is write 12, `00000009-00000016.arrow` writes 9 to 16
merged). A write appends one part holding only keys not stored yet (or, if the caller
wants, a day's first write becomes its day file), as uncompressed Arrow IPC (a zstd
Parquet file costs milliseconds of CPU per column whatever its rows: too much for
hundreds of small writes every few seconds); whenever the newest `FAN_IN` parts have the
same span they are merged into one, lz4-compressed (size tiers: a row is rewritten about
log_FAN_IN(writes) times, not once per write, and a day has at most `FAN_IN - 1` parts
per tier); compaction folds a day's parts into its zstd Parquet day file. Readers
union the day file and the live parts — day file first, then parts in sequence order —
and keep the first row of each key.

Every file is written atomically, and nothing is deleted before what replaces it is
written: a merge writes the merged part before deleting its sources, so a part whose
range lies inside another's is a leftover of an interrupted merge (its rows are in the
bigger part) that readers skip and the next writer deletes; compaction writes the day
file before deleting the parts, so a part left behind by a crash there holds rows the
day file also holds, which the first-row rule makes harmless until the next compaction.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scalplab.data.parquet_io import ARROW_SUFFIX, read_metadata, read_table, write_table_atomic
from scalplab.errors import DataError

FAN_IN = 8
"""Parts of one span merged into one."""
PARTS_SUFFIX = ".parts"
_PART_NAME = re.compile(r"^(\d{8})-(\d{8})\.arrow$")


@dataclass(frozen=True, slots=True)
class Part:
    """One part file: writes `first..last` of its day."""

    first: int
    last: int
    path: Path

    @property
    def span(self) -> int:
        """How many writes it holds."""
        return self.last - self.first + 1


def parts_folder(day_file: Path) -> Path:
    """The folder of a day file's parts (`2024-01-02.parquet` → `2024-01-02.parts`)."""
    return day_file.with_name(day_file.stem + PARTS_SUFFIX)


def part_path(folder: Path, first: int, last: int) -> Path:
    """The file of the part holding writes `first..last`."""
    return folder / f"{first:08d}-{last:08d}{ARROW_SUFFIX}"


def scan_parts(folder: Path) -> tuple[list[Part], list[Part]]:
    """(the live parts in sequence order, the leftovers inside a live part's range)."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    found = []
    for entry in entries:
        match = _PART_NAME.match(entry.name)
        if match:
            found.append(Part(int(match[1]), int(match[2]), Path(entry.path)))
    found.sort(key=lambda part: (part.first, -part.last))
    live: list[Part] = []
    leftovers: list[Part] = []
    for part in found:
        if live and part.last <= live[-1].last:
            leftovers.append(part)
        else:
            live.append(part)
    return live, leftovers


def merge_run(live: list[Part], fan_in: int = FAN_IN) -> list[Part] | None:
    """The newest `fan_in` parts when they all have one span (to be merged), else None."""
    tail = live[-fan_in:]
    if len(tail) == fan_in and len({part.span for part in tail}) == 1:
        return tail
    return None


def first_rows(table: pa.Table, keys: list[str]) -> pa.Table:
    """The first row of each distinct combination of the `keys` columns, sorted by them."""
    if table.num_rows == 0:
        return table
    if len(keys) == 1:
        values = table.column(keys[0]).to_numpy()
        if bool(np.all(values[1:] > values[:-1])):
            return table  # one file's rows: unique and sorted already
        _, first = np.unique(values, return_index=True)
        return table.take(pa.array(first))
    frame = table.select(keys).to_pandas()
    kept = frame[~frame.duplicated(keep="first")]
    order = kept.sort_values(keys, kind="stable").index.to_numpy()  # positions: RangeIndex
    return table.take(pa.array(order))


def without_keys(table: pa.Table, stored: pa.Table, keys: list[str]) -> pa.Table:
    """The rows of `table` whose keys `stored` does not hold, in their order."""
    if stored.num_rows == 0 or table.num_rows == 0:
        return table
    if len(keys) == 1:
        held = pc.is_in(table.column(keys[0]), value_set=stored.column(keys[0]))
        return table.filter(pc.invert(held))
    position = "__position"
    numbered = table.append_column(position, pa.array(np.arange(table.num_rows)))
    fresh = numbered.join(stored.select(keys), keys=keys, join_type="left anti")
    order = pc.sort_indices(fresh.column(position))
    return fresh.take(order).drop_columns([position])


class KeyRanges:
    """The (lowest, highest) first-key value of Parquet files, from their footers'
    statistics, remembered while a file keeps its size and modification time."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[tuple[int, int], tuple[Any, Any] | None]] = {}

    def of(self, path: Path, key: str, what: str) -> tuple[Any, Any] | None:
        """The range of `key` in `path` (None when it has no rows)."""
        stat = path.stat()
        signature = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        span = _key_range(path, key, what)
        self._known[path] = (signature, span)
        return span

    def remember(self, path: Path, table: pa.Table, key: str) -> None:
        """Note the key range of a file just written from `table`."""
        stat = path.stat()
        self._known[path] = ((stat.st_mtime_ns, stat.st_size), _range_of(table.column(key)))

    def forget(self, paths: Iterable[Path]) -> None:
        """Drop what is known of deleted files."""
        for path in paths:
            self._known.pop(path, None)


def new_rows(
    table: pa.Table, files: list[tuple[Path, str]], keys: list[str], ranges: KeyRanges
) -> pa.Table:
    """The rows of `table` (one per key) whose keys none of `files` (path, label) holds:
    files whose key range misses the table's are not read."""
    if table.num_rows == 0:
        return table
    low, high = _range_of(table.column(keys[0])) or (None, None)
    for path, what in files:
        span = ranges.of(path, keys[0], what)
        if span is None or span[1] < low or high < span[0]:
            continue
        filters = [(keys[0], ">=", low), (keys[0], "<=", high)]
        table = without_keys(table, read_table(path, keys, filters=filters, what=what), keys)
        if table.num_rows == 0:
            break
    return table


def _range_of(column: pa.ChunkedArray) -> tuple[Any, Any] | None:
    if len(column) == 0:
        return None
    span = pc.min_max(column)
    return span["min"].as_py(), span["max"].as_py()


def _conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table if table.schema.equals(schema) else table.cast(schema)


def _key_range(path: Path, key: str, what: str) -> tuple[Any, Any] | None:
    if path.suffix == ARROW_SUFFIX:
        return _range_of(read_table(path, [key], what=what).column(key))
    meta = read_metadata(path, what)
    if meta.num_rows == 0:
        return None
    index = meta.schema.to_arrow_schema().get_field_index(key)
    lows, highs = [], []
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics if index >= 0 else None
        if stats is None or not stats.has_min_max:
            column = read_table(path, [key], what=what).column(key)
            return pc.min(column).as_py(), pc.max(column).as_py()
        lows.append(stats.min)
        highs.append(stats.max)
    return min(lows), max(highs)


@dataclass(frozen=True, slots=True)
class DayFiles:
    """The files of one stored day: its day file `path` and its parts (see the module);
    `label` names the day in errors ("BTCUSDT aggTrade file of 2024-01-02"). `append`
    and `compact` expect the caller to hold the day's lock; reading needs none."""

    path: Path
    label: str
    keys: list[str]
    schema: pa.Schema

    @property
    def folder(self) -> Path:
        """The folder of the parts."""
        return parts_folder(self.path)

    def files(self) -> list[tuple[Path, str]]:
        """(path, label) of the day file, if any, then of the live parts, oldest first."""
        live, _ = scan_parts(self.folder)
        day = [(self.path, self.label)] if self.path.exists() else []
        return day + [(part.path, self._part_label(part)) for part in live]

    def read(self, columns: list[str] | None = None, filters: Any = None) -> list[pa.Table]:
        """The tables of every file, in order (listed again if a merge or a compaction
        removed a file meanwhile)."""
        schema = self.schema if columns is None else self.schema_of(columns)
        attempts = 5
        while True:
            try:
                return [
                    _conformed(read_table(path, columns, filters=filters, what=what), schema)
                    for path, what in self.files()
                ]
            except FileNotFoundError:
                attempts -= 1
                if attempts == 0:
                    raise DataError(f"the {self.label} kept changing while read") from None

    def schema_of(self, columns: list[str]) -> pa.Schema:
        """The schema of some of the columns."""
        return pa.schema([self.schema.field(name) for name in columns])

    def append(self, table: pa.Table, ranges: KeyRanges, day_file: bool = False) -> int:
        """Store the rows of `table` whose keys are new (a part, merged in tiers; with
        `day_file`, the day's first rows become its day file); how many were new."""
        live, leftovers = scan_parts(self.folder)
        self._delete(leftovers, ranges)
        files = [(self.path, self.label)] if self.path.exists() else []
        files += [(part.path, self._part_label(part)) for part in live]
        fresh = new_rows(first_rows(table, self.keys), files, self.keys, ranges)
        if fresh.num_rows == 0:
            return 0
        if not files and day_file:
            write_table_atomic(fresh, self.path, self.label)
            return int(fresh.num_rows)
        number = live[-1].last + 1 if live else 1
        part = Part(number, number, part_path(self.folder, number, number))
        write_table_atomic(fresh, part.path, self._part_label(part), compressed=False)
        ranges.remember(part.path, fresh, self.keys[0])
        live.append(part)
        while (run := merge_run(live)) is not None:
            merged = Part(run[0].first, run[-1].last, part_path(self.folder, run[0].first,
                                                                 run[-1].last))  # fmt: skip
            tables = [_conformed(read_table(p.path, what=self._part_label(p)), self.schema)
                      for p in run]  # fmt: skip
            rows = first_rows(pa.concat_tables(tables), self.keys)
            write_table_atomic(rows, merged.path, self._part_label(merged))
            ranges.remember(merged.path, rows, self.keys[0])
            self._delete(run, ranges)
            live[-len(run) :] = [merged]
        return int(fresh.num_rows)

    def compact(self, ranges: KeyRanges) -> bool:
        """Fold the parts into the day file; False when there were none."""
        live, leftovers = scan_parts(self.folder)
        if not live and not leftovers:
            return False
        if live:
            tables = self.read()
            rows = first_rows(pa.concat_tables(tables), self.keys)
            write_table_atomic(rows, self.path, self.label)
        self._delete([*live, *leftovers], ranges)
        with suppress(OSError):  # a file of someone else's in it: leave the folder
            self.folder.rmdir()
        return True

    def _part_label(self, part: Part) -> str:
        return f"{self.label} (part {part.first}-{part.last})"

    @staticmethod
    def _delete(parts: list[Part], ranges: KeyRanges) -> None:
        for part in parts:
            part.path.unlink(missing_ok=True)
        ranges.forget(part.path for part in parts)
