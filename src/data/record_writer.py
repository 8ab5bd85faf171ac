"""The recorder's writes, in a process of their own, so the event loop keeps reading.

Why a process: written from threads of the recording process, a flush of 400 symbols
took 19 s instead of 6 s, and the writes fell further behind each flush. Each file
write makes dozens of calls that release the GIL (file-system calls, fsync, Arrow and
Parquet encoding) and each time waits up to the 5 ms switch interval to get it back
from the event loop, which holds it while it parses messages (the GIL "convoy").

A flush hands the writer one Arrow table per stream (`by_stream`: built in one go, not
one per symbol) — the rows of every symbol, one after the other, with each symbol's row
count — in a hand-over file in memory
(`/dev/shm`), written in one call that releases the GIL once (through a pipe, the same
megabytes took thousands of GIL-releasing writes: seconds). The writer process
(`StoreWriter`, started once per recording) keeps its own `MarketStore` and
`CandleStore` and appends the (symbol, stream) batches of a flush in `WRITERS` threads
at once. Batches of different symbols
or streams go to different files, in any order; the recorder starts a flush only after
the previous one is written, so one stream's rows reach its files in order. What could
not be written comes back by (symbol, stream), for the recorder to keep and try again.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from scalplab.data.candles import CandleStore
from scalplab.data.market_store import MarketStore
from scalplab.errors import DataError

WRITERS = 3
"""Threads of the writer process writing files at once."""

Key = tuple[str, str]
"""(symbol, stream)"""
Streams = list[tuple[str, pa.Table, list[tuple[str, int]]]]
"""(stream, the rows of all its symbols, (symbol, row count) in row order) per stream."""
Packed = list[tuple[str, Path, list[tuple[str, int]]]]
"""(stream, the hand-over file of all its symbols' rows, (symbol, row count) in row
order) per stream."""
SHARED_MEMORY = Path("/dev/shm")
T = TypeVar("T")


@dataclass(slots=True)
class FlushResult:
    """Rows written per (symbol, stream), and why the others could not be."""

    written: dict[Key, int] = field(default_factory=dict)
    failed: dict[Key, str] = field(default_factory=dict)


class StoreWriter:
    """Writes flushes and compactions into the stores under `data_dir` from a process
    of its own (started on first use; `close` ends it)."""

    def __init__(self, data_dir: Path, workers: int = WRITERS) -> None:
        self.data_dir = Path(data_dir)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._handover: Path | None = None
        self._numbers = itertools.count()

    async def start(self) -> None:
        """Start the writer process and wait until it is ready (its imports take a
        second or two of CPU that would otherwise compete with the first messages)."""
        await asyncio.wrap_future(self._submit(_warm_up))

    async def write(self, streams: Streams) -> FlushResult:
        """Write the rows of every symbol; returns once all are written or have failed."""
        packed = self._hand_over(streams)
        return await asyncio.wrap_future(self._submit(_write_packed, packed, self.workers))

    def write_now(self, streams: Streams) -> FlushResult:
        """`write`, blocking."""
        return self._submit(_write_packed, self._hand_over(streams), self.workers).result()

    async def compact(self, keys: list[Key]) -> dict[Key, str]:
        """Fold the part files of each (symbol, stream) into its day files; the errors."""
        return await asyncio.wrap_future(self._submit(_compact, keys, self.workers))

    def close(self) -> None:
        """End the writer process (after what it is writing)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._handover is not None:
            shutil.rmtree(self._handover, ignore_errors=True)
            self._handover = None

    def _hand_over(self, streams: Streams) -> Packed:
        if self._handover is None:
            shared = SHARED_MEMORY if SHARED_MEMORY.is_dir() else None
            self._handover = Path(tempfile.mkdtemp(prefix="scalplab-flush-", dir=shared))
        packed: Packed = []
        for stream, table, counts in streams:
            path = self._handover / f"{next(self._numbers):08d}-{stream}.arrow"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            packed.append((stream, path, counts))
        return packed

    def _submit(self, task: Callable[..., T], *args: object) -> Future[T]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(task, self.data_dir, *args)


def by_stream(batches: dict[Key, list[T]], rows_of: Callable[[str, list[T]], pa.Table]) -> Streams:
    """One table per stream from the (symbol, stream) batches: `rows_of` each stream's
    items, the batches of its symbols one after the other (one row per item)."""
    grouped: dict[str, list[tuple[str, list[T]]]] = {}
    for (symbol, stream), items in batches.items():
        if items:
            grouped.setdefault(stream, []).append((symbol, items))
    streams: Streams = []
    for stream, parts in grouped.items():
        table = rows_of(stream, [item for _, items in parts for item in items])
        counts = [(symbol, len(items)) for symbol, items in parts]
        if table.num_rows != sum(rows for _, rows in counts):
            raise ValueError(f"{stream} rows do not match its items one for one")
        streams.append((stream, table, counts))
    return streams


def each(task: Callable[[T], None], items: Sequence[T], workers: int) -> None:
    """Run `task` on every item in `workers` threads, each a share of the items; the
    first exception a task raised is raised here once all are done."""

    def run(share: Sequence[T]) -> None:
        for item in share:
            task(item)

    shares = [items[start::workers] for start in range(workers)]
    with ThreadPoolExecutor(workers, thread_name_prefix="store-write") as pool:
        futures = [pool.submit(run, share) for share in shares]
        failures = [error for future in futures if (error := future.exception()) is not None]
    if failures:
        raise failures[0]


# ----- in the writer process ---------------------------------------------------------------

_STORES: dict[Path, tuple[MarketStore, CandleStore]] = {}
"""The stores of each data directory, kept between calls (they remember which days
they appended to and the key ranges of files they read)."""


def _stores(data_dir: Path) -> tuple[MarketStore, CandleStore]:
    if data_dir not in _STORES:
        _STORES[data_dir] = (MarketStore(data_dir), CandleStore(data_dir))
    return _STORES[data_dir]


def _warm_up(data_dir: Path) -> None:
    _stores(data_dir)


def _write_packed(data_dir: Path, packed: Packed, workers: int) -> FlushResult:
    market, candles = _stores(data_dir)
    jobs: list[tuple[Key, pa.Table]] = []
    for stream, path, counts in packed:
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()  # the map outlives the name
        path.unlink()
        start = 0
        for symbol, rows in counts:
            jobs.append(((symbol, stream), table.slice(start, rows)))
            start += rows
    result = FlushResult()

    def one(job: tuple[Key, pa.Table]) -> None:
        (symbol, stream), rows = job
        try:
            if stream.startswith("kline_"):
                candles.merge(symbol, stream.removeprefix("kline_"), rows.to_pandas())
            else:
                market.append(symbol, stream, rows)
        except DataError as exc:
            result.failed[(symbol, stream)] = exc.message
        else:
            result.written[(symbol, stream)] = rows.num_rows

    each(one, jobs, workers)
    return result


def _compact(data_dir: Path, keys: list[Key], workers: int) -> dict[Key, str]:
    market, _ = _stores(data_dir)
    failed: dict[Key, str] = {}

    def one(key: Key) -> None:
        try:
            market.compact(*key)
        except DataError as exc:
            failed[key] = exc.message

    each(one, keys, workers)
    return failed
