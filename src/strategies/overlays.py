"""What a strategy draws on the price chart: its own lines and zones.

A plugin may offer, beside its signal rule, a classmethod
`chart_overlays(candles, params) -> Overlays` (`SignalStrategy.chart_overlays`;
None: the plugin declares no overlay). It is computed from the candles it is given
only, bar by bar without look-ahead: a line's value at a bar uses that bar and earlier
ones, and a zone starts on the bar whose close confirms it. The API serves it for a
stored backtest (`GET /backtests/{id}/overlays`) over the run's candles and params;
the chart translates the codes below (unknown codes are shown as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scalplab.strategies.vector import FloatArray, IntArray

LINE_CODES = ("sma_fast", "sma_slow")
"""Line names the chart knows how to label."""
ZONE_KINDS = ("order_block_bull", "order_block_bear", "fvg_bull", "fvg_bear")
"""Zone kinds the chart knows how to label and colour."""


@dataclass(frozen=True, slots=True)
class OverlayLine:
    """One value per bar where the line is defined: `time` (bar open, epoch ms) and `value`."""

    code: str
    time: tuple[int, ...]
    value: tuple[float, ...]

    @classmethod
    def defined(cls, code: str, open_time: IntArray, values: FloatArray) -> OverlayLine:
        """The line of `values`, one per bar of `open_time`, keeping the bars where it is
        defined (not NaN)."""
        keep = ~np.isnan(values)
        return cls(code, tuple(open_time[keep].tolist()), tuple(values[keep].tolist()))


@dataclass(frozen=True, slots=True)
class OverlayZone:
    """A price band `low..high` live from the bar that confirmed it (`start`, epoch ms)
    to the bar that ended it or the last bar (`end`, epoch ms)."""

    kind: str
    start: int
    end: int
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Overlays:
    """A strategy's chart overlays over one run's candles."""

    lines: Sequence[OverlayLine] = ()
    zones: Sequence[OverlayZone] = ()
