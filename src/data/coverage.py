"""How much of a requested range the stored candles cover, and the refusal of a partial one.

A run over `[start, end)` that the store only partly covers must not be labelled
with the whole range (its metrics would be computed over days it never saw).
`stored_coverage` answers from the store's statistics before anything is
loaded, `frame_coverage` from the bars a run loaded; `require_full` refuses a
partial coverage with one line that says what is stored and how to proceed,
unless the caller allows it, and then the run is labelled with `covered_*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from scalplab.data.candles import CandleStore
from scalplab.data.integrity import ms_to_iso
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NoDataError


@dataclass(frozen=True, slots=True)
class Coverage:
    """`[covered_start_ms, covered_end_ms)` of the requested `[start_ms, end_ms)` has bars."""

    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    covered_start_ms: int
    covered_end_ms: int
    bars: int

    @property
    def partial(self) -> bool:
        """True when the stored bars begin after the start or end before the end."""
        return self.covered_start_ms > self.start_ms or self.covered_end_ms < self.end_ms

    def message(self) -> str:
        """The one-line refusal of a partial coverage."""
        return (
            f"{self.symbol} {self.timeframe}: stored data covers "
            f"{ms_to_iso(self.covered_start_ms)} → {ms_to_iso(self.covered_end_ms)} of the "
            f"requested {_day_or_moment(self.start_ms)} → {_day_or_moment(self.end_ms)}; "
            "narrow the range or pass --allow-partial (API: allow_partial: true)"
        )


class PartialDataError(InputError):
    """The stored candles cover only part of the requested range (see `coverage`)."""

    def __init__(self, coverage: Coverage) -> None:
        super().__init__(coverage.message())
        self.coverage = coverage


def _day_or_moment(ms: int) -> str:
    """`2025-06-10` for a UTC midnight, the full ISO time otherwise."""
    if ms % 86_400_000 == 0:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
    return ms_to_iso(ms)


def _checked_range(symbol: str, tf: str, start_ms: int, end_ms: int) -> tuple[str, int]:
    step = timeframe_ms(tf)
    if start_ms >= end_ms:
        raise InputError(f"start {ms_to_iso(start_ms)} must be before end {ms_to_iso(end_ms)}")
    return normalize_symbol(symbol), step


def _no_data(symbol: str, tf: str, start_ms: int, end_ms: int) -> NoDataError:
    return NoDataError(
        f"no {symbol} {tf} candles from {_day_or_moment(start_ms)} to {_day_or_moment(end_ms)}"
    )


def frame_coverage(
    frame: pd.DataFrame, symbol: str, tf: str, start_ms: int, end_ms: int
) -> Coverage:
    """The coverage of `[start_ms, end_ms)` by loaded bars of `tf` (sorted `open_time`).

    A bar covers `[open, open + step)`, clipped to the request. `NoDataError`
    when no bar falls in the range.
    """
    name, step = _checked_range(symbol, tf, start_ms, end_ms)
    times = frame["open_time"].to_numpy()
    inside = times[(times + step > start_ms) & (times < end_ms)]
    if len(inside) == 0:
        raise _no_data(name, tf, start_ms, end_ms)
    first, last = int(inside.min()), int(inside.max())
    return Coverage(
        symbol=name,
        timeframe=tf,
        start_ms=start_ms,
        end_ms=end_ms,
        covered_start_ms=max(first, start_ms),
        covered_end_ms=min(last + step, end_ms),
        bars=len(inside),
    )


def stored_coverage(
    store: CandleStore, symbol: str, tf: str, start_ms: int, end_ms: int
) -> Coverage:
    """The coverage of `[start_ms, end_ms)` by the stored bars of `tf` (resampled from 1m
    when `tf` has no file), from Parquet statistics: nothing is loaded.

    Bar-granular like `frame_coverage`: a `tf` bucket with any stored minute
    counts. `bars` counts the stored source bars overall (the range may hold
    holes). `NoDataError` when nothing is stored or the stored span misses the range.
    """
    name, step = _checked_range(symbol, tf, start_ms, end_ms)
    source = tf if store.path(name, tf).exists() else "1m"
    first, last, rows = store.span(name, source)
    first_bar, end_bar = first // step * step, last // step * step + step
    if end_bar <= start_ms or first_bar >= end_ms:
        raise _no_data(name, tf, start_ms, end_ms)
    return Coverage(
        symbol=name,
        timeframe=tf,
        start_ms=start_ms,
        end_ms=end_ms,
        covered_start_ms=max(first_bar, start_ms),
        covered_end_ms=min(end_bar, end_ms),
        bars=rows,
    )


def require_full(coverage: Coverage, allow_partial: bool = False) -> Coverage:
    """`coverage` when it is whole or the caller allows a partial one, else `PartialDataError`."""
    if coverage.partial and not allow_partial:
        raise PartialDataError(coverage)
    return coverage
