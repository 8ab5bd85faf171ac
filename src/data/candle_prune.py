"""Deleting a range of stored candles: `scalplab data delete` and the Data tab.

The bars with `start <= open_time < end` leave the stored file of one symbol and
timeframe in one atomic write (temp file + rename, under the file's lock), so a crash
leaves the old file or the new one, never half of each; deleting every bar removes the
file. A timeframe read by resampling 1m has no file of its own to delete from, and a
range without a stored bar is refused with what is stored: nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from scalplab.data.candles import CANDLE_SCHEMA, CandleStore, candle_file
from scalplab.data.integrity import ms_to_iso
from scalplab.data.parquet_io import locked, write_table_atomic
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NoDataError, NotFoundError


@dataclass(frozen=True, slots=True)
class DeleteReport:
    """What a deletion removed and what is stored afterwards."""

    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    deleted: int
    remaining: int
    first_ms: int | None
    """The first bar still stored (None: the file is gone)."""
    last_ms: int | None


def delete_candles(
    store: CandleStore, symbol: str, tf: str, start_ms: int, end_ms: int
) -> DeleteReport:
    """Delete the stored `tf` bars of `symbol` opening in `[start_ms, end_ms)`.

    `NotFoundError` when no `tf` file is stored (a resampled timeframe included),
    `InputError` for an empty range or one holding no stored bar (nothing is written).
    """
    name = normalize_symbol(symbol)
    timeframe_ms(tf)
    if start_ms >= end_ms:
        raise InputError(
            f"empty range: start {ms_to_iso(start_ms)} is not before end {ms_to_iso(end_ms)}"
        )
    path = store.path(name, tf)
    if not path.exists():
        resampled = tf != "1m" and store.path(name, "1m").exists()
        raise NotFoundError(
            f"no {name} {tf} candles stored"
            + (f" ({tf} is resampled from 1m on read: delete from 1m)" if resampled else "")
        )
    what = candle_file(name, tf)
    with locked(path, what):
        try:
            frame = store.read(name, tf)
        except NoDataError:
            frame = None
        if frame is None or len(frame) == 0:
            raise NotFoundError(f"the {what} has no rows")
        times = frame["open_time"].to_numpy()
        inside = (times >= start_ms) & (times < end_ms)
        deleted = int(inside.sum())
        if deleted == 0:
            raise InputError(
                f"no {name} {tf} candles from {ms_to_iso(start_ms)} to {ms_to_iso(end_ms)} "
                f"(stored: {ms_to_iso(int(times[0]))} → {ms_to_iso(int(times[-1]))}); "
                "nothing deleted"
            )
        kept = frame[~inside]
        if len(kept) == 0:
            path.unlink()
        else:
            table = pa.Table.from_pandas(kept, schema=CANDLE_SCHEMA, preserve_index=False)
            write_table_atomic(table, path, what)
    remaining = kept["open_time"].to_numpy()
    return DeleteReport(
        symbol=name,
        timeframe=tf,
        start_ms=start_ms,
        end_ms=end_ms,
        deleted=deleted,
        remaining=len(remaining),
        first_ms=int(remaining[0]) if len(remaining) else None,
        last_ms=int(remaining[-1]) if len(remaining) else None,
    )
