"""Candle integrity checks: gaps, duplicates, OHLC sanity, grid alignment.

Gaps are reported but are not corruption (exchanges have outages, and the
store keeps them as holes). Duplicates, OHLC violations (including NaN,
infinities and negative volume), open times off the timeframe grid or out of
order are corruption. `check_candles` is the full report of `scalplab data
check`; `check_loaded_candles` is its cheap, vectorised guard for the bars a run
loads, refusing corrupt ones with the report's one-line summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import DataError


def ms_to_iso(ms: int) -> str:
    """Epoch milliseconds → ISO-8601 UTC (`2025-06-17T00:00:00Z`, ms shown only when set).

    A time outside the years 1 to 9999 (a corrupt file can hold one) is shown as
    `epoch ms <ms>` rather than failing the report that shows it.
    """
    try:
        moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return f"epoch ms {ms}"
    if ms % 1000:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Gap(NamedTuple):
    """A hole in a candle series: no bars strictly between `after_ms` and `before_ms`."""

    after_ms: int
    before_ms: int
    missing_bars: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO-8601 UTC times."""
        return {
            "after": ms_to_iso(self.after_ms),
            "before": ms_to_iso(self.before_ms),
            "missing_bars": self.missing_bars,
        }


def find_gaps(open_times: np.ndarray, step_ms: int) -> list[Gap]:
    """Gaps in sorted, unique `open_times` spaced `step_ms` apart."""
    if len(open_times) < 2:
        return []
    diffs = np.diff(open_times)
    where = np.flatnonzero(diffs > step_ms)
    return [
        Gap(
            int(open_times[i]),
            int(open_times[i + 1]),
            int(-(-int(diffs[i]) // step_ms) - 1),
        )
        for i in where
    ]


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """What `check_candles` found in one candle series."""

    timeframe: str
    rows: int
    first_ms: int | None
    last_ms: int | None
    gaps: list[Gap] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    ohlc_violations: list[int] = field(default_factory=list)
    misaligned: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is corrupt (gaps alone are fine)."""
        return not (self.duplicates or self.ohlc_violations or self.misaligned)

    @property
    def missing_bars(self) -> int:
        """Total bars missing across all gaps."""
        return sum(gap.missing_bars for gap in self.gaps)

    def corruption(self) -> Corruption:
        """The counts of this report, summarised like `check_loaded_candles` does."""
        problems = [*self.duplicates, *self.ohlc_violations, *self.misaligned]
        return Corruption(
            duplicates=len(self.duplicates),
            off_grid=len(self.misaligned),
            ohlc_violations=len(self.ohlc_violations),
            first_ms=min(problems, default=None),
            last_ms=max(problems, default=None),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO-8601 UTC times."""
        return {
            "timeframe": self.timeframe,
            "ok": self.ok,
            "rows": self.rows,
            "first": ms_to_iso(self.first_ms) if self.first_ms is not None else None,
            "last": ms_to_iso(self.last_ms) if self.last_ms is not None else None,
            "missing_bars": self.missing_bars,
            "gaps": [gap.to_dict() for gap in self.gaps],
            "duplicates": [ms_to_iso(t) for t in self.duplicates],
            "ohlc_violations": [ms_to_iso(t) for t in self.ohlc_violations],
            "misaligned": [ms_to_iso(t) for t in self.misaligned],
        }


def ohlc_violation_mask(frame: pd.DataFrame) -> np.ndarray:
    """Rows where not `low <= open, close <= high`, volume is negative, or any of the five
    is NaN or infinite."""
    open_ = frame["open"].to_numpy(dtype=np.float64)
    high = frame["high"].to_numpy(dtype=np.float64)
    low = frame["low"].to_numpy(dtype=np.float64)
    close = frame["close"].to_numpy(dtype=np.float64)
    volume = frame["volume"].to_numpy(dtype=np.float64)
    sane = (
        (low <= open_)
        & (open_ <= high)
        & (low <= close)
        & (close <= high)
        & (low <= high)
        & (volume >= 0)
        & np.isfinite(low)
        & np.isfinite(high)
        & np.isfinite(volume)
    )  # open and close are finite when they lie between a finite low and high
    return np.asarray(~sane)


def check_candles(df: pd.DataFrame, tf: str) -> IntegrityReport:
    """Check a candle frame (`open_time` + OHLCV) of timeframe `tf`."""
    step = timeframe_ms(tf)
    times = df["open_time"].to_numpy(dtype=np.int64)
    if len(times) == 0:
        return IntegrityReport(timeframe=tf, rows=0, first_ms=None, last_ms=None)
    unique, counts = np.unique(times, return_counts=True)
    duplicates = [int(t) for t in unique[counts > 1]]
    bad = ohlc_violation_mask(df)
    ohlc = sorted({int(t) for t in times[bad]})
    misaligned = [int(t) for t in unique[unique % step != 0]]
    return IntegrityReport(
        timeframe=tf,
        rows=len(times),
        first_ms=int(unique[0]),
        last_ms=int(unique[-1]),
        gaps=find_gaps(unique, step),
        duplicates=duplicates,
        ohlc_violations=ohlc,
        misaligned=misaligned,
    )


@dataclass(frozen=True, slots=True)
class Corruption:
    """Counts of corrupt bars in a candle series and the span they fall in (times in ms).

    Counted as `scalplab data check` counts them: duplicate and off-grid open
    times and OHLC violations are distinct open times; `unordered` counts bars
    whose open time is below the previous one's; `non_finite` counts bars with
    a NaN or infinite price or volume.
    """

    duplicates: int = 0
    off_grid: int = 0
    unordered: int = 0
    ohlc_violations: int = 0
    non_finite: int = 0
    first_ms: int | None = None
    last_ms: int | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is corrupt."""
        return not (
            self.duplicates
            or self.off_grid
            or self.unordered
            or self.ohlc_violations
            or self.non_finite
        )

    def describe(self) -> str:
        """`74 duplicate bars, 599 off-grid bars between … and …` (empty when ok)."""
        parts = [
            f"{count} {one if count == 1 else many}"
            for count, one, many in (
                (self.duplicates, "duplicate bar", "duplicate bars"),
                (self.off_grid, "off-grid bar", "off-grid bars"),
                (self.unordered, "bar out of time order", "bars out of time order"),
                (self.ohlc_violations, "OHLC violation", "OHLC violations"),
                (self.non_finite, "bar with non-finite values", "bars with non-finite values"),
            )
            if count
        ]
        if not parts:
            return ""
        text = ", ".join(parts)
        if self.first_ms is not None and self.last_ms is not None:
            text += f" between {ms_to_iso(self.first_ms)} and {ms_to_iso(self.last_ms)}"
        return text


def find_corruption(df: pd.DataFrame, tf: str) -> Corruption:
    """The corrupt bars of a candle frame, vectorised (a month of 1m bars: a few ms).

    For a frame sorted by `open_time` (as the store reads it) the counts equal
    those of `check_candles`; an unsorted frame is also counted as unordered.
    """
    step = timeframe_ms(tf)
    times = df["open_time"].to_numpy(dtype=np.int64)
    if len(times) == 0:
        return Corruption()
    diffs = np.diff(times)
    unordered = int(np.count_nonzero(diffs < 0))
    if unordered:
        order = np.argsort(times, kind="stable")
        times, frame = times[order], df.iloc[order]
        diffs = np.diff(times)
    else:
        frame = df
    repeat = np.concatenate(([False], diffs == 0))  # same open time as the bar before
    first_of_run = ~repeat
    duplicated = repeat & ~np.concatenate(([False], repeat[:-1]))  # a run's first repeat
    off_grid = (times % step != 0) & first_of_run
    values = frame[["open", "high", "low", "close", "volume"]].to_numpy(dtype=np.float64)
    non_finite_rows = ~np.isfinite(values).all(axis=1)
    bad_ohlc = ohlc_violation_mask(frame)
    bad_times = times[bad_ohlc]  # sorted: distinct times are where the value changes
    ohlc_times = len(bad_times) and 1 + int(np.count_nonzero(np.diff(bad_times)))
    any_bad = repeat | off_grid | bad_ohlc | non_finite_rows
    if unordered:
        any_bad[0] = True  # the order itself is corrupt: the whole span is in question
    where = np.flatnonzero(any_bad)
    return Corruption(
        duplicates=int(np.count_nonzero(duplicated)),
        off_grid=int(np.count_nonzero(off_grid)),
        unordered=unordered,
        ohlc_violations=int(ohlc_times),
        non_finite=int(np.count_nonzero(non_finite_rows)),
        first_ms=int(times[where[0]]) if len(where) else None,
        last_ms=int(times[where[-1]]) if len(where) else None,
    )


class CorruptCandlesError(DataError):
    """Bars a run was about to use are corrupt; `corruption` counts what was found."""

    def __init__(self, message: str, corruption: Corruption) -> None:
        super().__init__(message)
        self.corruption = corruption


def check_loaded_candles(frame: pd.DataFrame, symbol: str, tf: str) -> None:
    """Refuse corrupt bars before a run uses them (`CorruptCandlesError`, one line).

    `BTCUSDT 1m: 74 duplicate bars, 599 off-grid bars between … and …; run
    `scalplab data check --symbol BTCUSDT --tf 1m``. Vectorised: a month of 1m
    bars costs a few milliseconds.
    """
    found = find_corruption(frame, tf)
    if not found.ok:
        raise CorruptCandlesError(
            f"{symbol} {tf}: {found.describe()}; "
            f"run `scalplab data check --symbol {symbol} --tf {tf}`",
            found,
        )
