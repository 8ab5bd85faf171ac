"""Backtrader data feeds: a lean array-backed feed for stored candles.

`PandasData` does six `DataFrame.iloc` look-ups per bar; this feed reads plain
numpy arrays instead (about 1.5x faster, see BACKTRADER-NOTES.md) and carries the
bar's UTC open time in epoch milliseconds as an extra line, `open_ms`, so
strategies and the execution model never convert Backtrader's float dates.
Backtrader's own clock (`datetime`) is the open time plus `stamp_offset_ms`: 0 for
the run's feed, the alignment of `scalplab.strategies.feeds` for an extra feed.
"""

from __future__ import annotations

from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)

# Backtrader's date number of 1970-01-01T00:00:00 (days since 0001-01-01, plus one).
_EPOCH_DATENUM = 719163.0
_MS_PER_DAY = 86_400_000.0


def epoch_ms_to_datenum(open_ms: np.ndarray) -> np.ndarray:
    """Vectorised `bt.date2num` for UTC epoch milliseconds."""
    return open_ms.astype(np.float64) / _MS_PER_DAY + _EPOCH_DATENUM


class CandleArrayFeed(bt.feed.DataBase):
    """Candles from a DataFrame with `open_time` (epoch ms) and OHLCV columns."""

    lines = ("open_ms",)

    def __init__(self, candles: pd.DataFrame, stamp_offset_ms: int = 0) -> None:
        super().__init__()
        self._open_ms = candles["open_time"].to_numpy(dtype=np.int64)
        self._datenum = epoch_ms_to_datenum(self._open_ms + stamp_offset_ms)
        self._columns = [
            candles[name].to_numpy(dtype=np.float64)
            for name in ("open", "high", "low", "close", "volume")
        ]
        self._cursor = 0

    def start(self) -> None:
        super().start()
        self._cursor = 0
        lines: Any = self.lines
        # The tick_* attributes of every line but the clock, and their line buffers (the
        # feed has no __setattr__ of its own: they are set in the instance dict at once).
        aliases = [alias for alias in self.getlinealiases() if alias != "datetime"]
        self._tick_names = [f"tick_{alias}" for alias in aliases]
        self._tick_buffers = [getattr(lines, alias) for alias in aliases]
        self._tick_cleared = dict.fromkeys([*self._tick_names, "tick_last"])
        # Backtrader's "alias 0" (close): a bar whose tick is filled, and the last price.
        self._tick_first = f"tick_{self._getlinealias(0)}"
        self._tick_last_line = getattr(lines, self._getlinealias(0))

    def preload(self) -> None:
        """Load every bar at once into the line buffers when nothing can drop or change
        a bar on the way (no date window, filter, input time zone or memory saving):
        the same buffers Backtrader's bar-by-bar `load()` loop fills, without its cost."""
        lines: Any = self.lines
        plain = (
            self.p.fromdate is None
            and self.p.todate is None
            and not self._tzinput
            and not (self._filters or self._ffilters or self._barstack or self._barstash)
            and self._cursor == 0
            and all(
                line.mode == line.UnBounded and not line.bindings and len(line.array) == 0
                for line in lines
            )
        )
        if not plain:
            super().preload()
            return
        count = len(self._open_ms)
        opens, highs, lows, closes, volumes = self._columns
        columns = {
            "datetime": self._datenum,
            "open": opens,
            "high": highs,
            "low": lows,
            "close": closes,
            "volume": volumes,
            "openinterest": np.zeros(count),
            "open_ms": self._open_ms.astype(np.float64),
        }
        for alias in self.getlinealiases():
            getattr(lines, alias).array.frombytes(
                np.ascontiguousarray(columns[alias], dtype=np.float64).tobytes()
            )
        self._cursor = count
        self._last()
        self.home()

    def _tick_nullify(self) -> None:
        # Backtrader's, without its per-bar alias look-ups.
        self.__dict__.update(self._tick_cleared)

    def _tick_fill(self, force: bool = False) -> None:
        # Backtrader's (the bar is the tick), without its per-bar alias look-ups.
        if force or getattr(self, self._tick_first, None) is None:
            values = [line[0] for line in self._tick_buffers]
            self.__dict__.update(zip(self._tick_names, values, strict=True))
            self.tick_last = self._tick_last_line[0]

    def _load(self) -> bool:
        i = self._cursor
        if i >= len(self._open_ms):
            return False
        self._cursor = i + 1
        lines: Any = self.lines
        lines.datetime[0] = self._datenum[i]
        opens, highs, lows, closes, volumes = self._columns
        lines.open[0] = opens[i]
        lines.high[0] = highs[i]
        lines.low[0] = lows[i]
        lines.close[0] = closes[i]
        lines.volume[0] = volumes[i]
        lines.openinterest[0] = 0.0
        lines.open_ms[0] = float(self._open_ms[i])
        return True
