"""Parquet file primitives shared by the candle and funding stores.

* Reads go through pyarrow directly (fast) and turn any unreadable, truncated
  or foreign file into one `DataError` line naming the file by what it holds
  (`what`, e.g. "BTCUSDT 1m candle file"), never by its path on the server.
* Writes are atomic: a temp file in the same directory, fsynced, then
  `os.replace`d over the target, so a crash or a failed validation never
  leaves a half-written store file behind.
* A `.arrow` file is Arrow IPC instead, lz4 or uncompressed (a small zstd Parquet
  file costs milliseconds of CPU per column whatever its rows; this, a tenth or less:
  for files that live briefly, like the market store's part files); the same calls
  read it.
* Read-modify-write cycles hold an exclusive `flock` on a sidecar lock file so
  two processes merging into the same file cannot lose each other's rows.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from scalplab.errors import DataError

COMPRESSION = "zstd"
ARROW_SUFFIX = ".arrow"


def _one_line(exc: BaseException, path: Path) -> str:
    """The first line of an exception message (pyarrow messages can be long), with the
    file's location removed (pyarrow quotes the path it was given)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    for location in {
        str(path),
        str(path.absolute()),
        str(path.parent),
        str(path.parent.absolute()),
    }:
        text = text.replace(location, "…")
    return text


def _label(path: Path, what: str | None) -> str:
    return what or f"Parquet file {path.name}"


def read_table(
    path: Path,
    columns: Sequence[str] | None = None,
    filters: list[Any] | None = None,
    what: str | None = None,
) -> pa.Table:
    """Read `columns` of a Parquet file, optionally row-filtered (pyarrow filter syntax).

    Raises `DataError` when the file is unreadable, truncated, not Parquet or
    lacks one of the requested columns; the message names the file as `what`.
    """
    try:
        if path.suffix == ARROW_SUFFIX:
            return _read_arrow(path, columns, filters)
        return pq.read_table(
            path, columns=list(columns) if columns is not None else None, filters=filters
        )
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"unreadable {_label(path, what)}: {_one_line(exc, path)}") from None


def read_schema(path: Path, what: str | None = None) -> pa.Schema:
    """The Arrow schema of a Parquet file (footer only); `DataError` when unreadable."""
    try:
        return pq.read_schema(path)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"unreadable {_label(path, what)}: {_one_line(exc, path)}") from None


def read_metadata(path: Path, what: str | None = None) -> pq.FileMetaData:
    """The Parquet footer metadata (row groups, statistics); `DataError` when unreadable."""
    try:
        return pq.read_metadata(path)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"unreadable {_label(path, what)}: {_one_line(exc, path)}") from None


def _read_arrow(path: Path, columns: Sequence[str] | None, filters: list[Any] | None) -> pa.Table:
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()  # the map outlives the name
    if filters:
        table = table.filter(pq.filters_to_expression(filters))
    return table.select(list(columns)) if columns is not None else table


def write_table_atomic(
    table: pa.Table, path: Path, what: str | None = None, compressed: bool = True
) -> None:
    """Write `table` to `path` as zstd Parquet (Arrow IPC for a `.arrow` path: lz4, or
    uncompressed unless `compressed`), atomically (temp file + `os.replace`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise DataError(f"cannot write the {_label(path, what)}: {_one_line(exc, path)}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if path.suffix == ARROW_SUFFIX:
                options = pa.ipc.IpcWriteOptions(compression="lz4" if compressed else None)
                with pa.ipc.new_file(handle, table.schema, options=options) as writer:
                    writer.write_table(table)
            else:
                pq.write_table(table, handle, compression=COMPRESSION)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write the {_label(path, what)}: {_one_line(exc, path)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def locked(path: Path, what: str | None = None) -> Iterator[None]:
    """Hold an exclusive advisory lock for a read-modify-write of `path`."""
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:
        raise DataError(f"cannot write the {_label(path, what)}: {_one_line(exc, path)}") from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
