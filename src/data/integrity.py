"""Candle integrity checks: gaps, duplicates, OHLC sanity, grid alignment.

Gaps are reported but are not corruption (exchanges have outages, and the
store keeps them as holes). Duplicates, OHLC violations (including NaN and
negative volume) and open times off the timeframe grid are corruption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from scalplab.data.timeframes import timeframe_ms


def ms_to_iso(ms: int) -> str:
    """Epoch milliseconds → ISO-8601 UTC (`2025-06-17T00:00:00Z`, ms shown only when set)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
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
    """Rows where not `low <= open, close <= high` (NaN fails) or volume is negative/NaN."""
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
    )
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
