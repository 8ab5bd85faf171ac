"""Stop rules: where a position's stop moves at the close of a bar, and the ATR they trail.

ARCHITECTURE.md ("Exits beyond one stop and one target"): a rule is applied at the close
of the bar where its trigger happened and is live from the next bar; it never loosens
the stop; a moved level is rounded to the nearest tick (halves away from zero); when
several apply on one bar the tightest wins.

- `breakeven_after_leg=k` — to the entry fill price once leg k has filled (a leg merged
  into another counts as filled when that one fills);
- `stop_to_leg_after_leg=(k, j)` — to leg j's price (the signal's leg j on the tick, even
  when its quantity was merged into another leg) once leg k has filled;
- `trail_atr=(multiple, period)` — from the entry bar's close on, to `close − multiple ×
  ATR` for a long (`+` for a short), ATR(period) of the run's timeframe: Wilder's, seeded
  with the mean of the first `period` true ranges of the book's data (the first bar's
  true range is high − low), then `ATR = (ATR × (period − 1) + TR) / period`: the one
  incremental `WilderAtr` of `scalplab.strategies.indicators_incremental` (also behind
  `scalplab.orders.atr.AtrTracker` and SGNL-V2's stop). Until `period` bars have been seen
  the ATR does not exist and the trail does not move the stop.

The rules are re-evaluated at every close; as a level never loosens, a rule whose trigger
happened on an earlier bar proposes the same level again and changes nothing.

`TrueRanges` keeps every true range of a book's data (8 bytes a bar), so the ATR of a
period first asked for late in a run is still seeded from the data's first bars. Every
book pays for it, trailing or not, so bars are folded into true ranges in vectorised
batches. Its saved state holds the ATRs in use, not the ranges: after a restart, a period
first used by a trade opened after the restart is seeded from the bars seen since.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from scalplab.orders.decimals import round_to_tick
from scalplab.orders.models import Bar, Position
from scalplab.strategies.indicators_incremental import WilderAtr, bar_true_range

BATCH = 1024
"""Bars `TrueRanges` keeps before folding them into true ranges."""
VECTOR_MIN = 32
"""Fewer bars than this are folded one by one (numpy's set-up would cost more)."""


class TrueRanges:
    """The true ranges of one book's bars, the ATRs in use and the bar spacing seen.

    `add` only keeps the bar; the bars are folded into true ranges in batches of
    `BATCH`, and whenever an ATR, the spacing or the saved state is asked for.
    """

    __slots__ = ("atrs", "bars", "last_open_ms", "min_gap_ms", "prev_close", "ranges")

    def __init__(self) -> None:
        self.ranges = array("d")
        self.bars: list[Bar] = []
        self.prev_close: float | None = None
        self.last_open_ms: int | None = None
        self.min_gap_ms: int | None = None
        self.atrs: dict[int, WilderAtr] = {}

    def add(self, bar: Bar) -> None:
        """Feed one closed bar of the book."""
        bars = self.bars
        bars.append(bar)
        if len(bars) >= BATCH:
            self.absorb()

    def absorb(self) -> None:
        """Fold the bars fed since the last call into the true ranges and the ATRs (a few
        bars one by one, a batch vectorised: the same floats either way)."""
        bars = self.bars
        if not bars:
            return
        true_ranges = self._fold(bars) if len(bars) < VECTOR_MIN else self._fold_batch(bars)
        bars.clear()
        for atr in self.atrs.values():
            for true_range in true_ranges:
                atr.add(true_range)

    def _fold(self, bars: list[Bar]) -> list[float]:
        prev_close, last, gap = self.prev_close, self.last_open_ms, self.min_gap_ms
        true_ranges = []
        for bar in bars:
            true_range = bar_true_range(bar.high, bar.low, prev_close)
            step = None if last is None else bar.open_ms - last
            if step is not None and step > 0 and (gap is None or step < gap):
                gap = step
            true_ranges.append(true_range)
            prev_close, last = bar.close, bar.open_ms
        self.ranges.extend(true_ranges)
        self.prev_close, self.last_open_ms, self.min_gap_ms = prev_close, last, gap
        return true_ranges

    def _fold_batch(self, bars: list[Bar]) -> list[float]:
        highs = np.array([bar.high for bar in bars], dtype=np.float64)
        lows = np.array([bar.low for bar in bars], dtype=np.float64)
        closes = np.array([bar.close for bar in bars], dtype=np.float64)
        opens = np.array([bar.open_ms for bar in bars], dtype=np.int64)
        previous = np.empty_like(closes)
        previous[0] = math.nan if self.prev_close is None else self.prev_close
        previous[1:] = closes[:-1]
        reach = np.maximum(np.abs(highs - previous), np.abs(lows - previous))
        spans = highs - lows
        true_ranges = np.where(np.isnan(previous), spans, np.maximum(spans, reach))
        self.ranges.frombytes(true_ranges.tobytes())
        steps = np.diff(opens if self.last_open_ms is None else np.r_[self.last_open_ms, opens])
        steps = steps[steps > 0]
        if steps.size:
            smallest = int(steps.min())
            gap = self.min_gap_ms
            self.min_gap_ms = smallest if gap is None else min(gap, smallest)
        self.prev_close, self.last_open_ms = float(closes[-1]), int(opens[-1])
        folded: list[float] = true_ranges.tolist()
        return folded

    def atr(self, period: int) -> float | None:
        """ATR(period) after the last bar fed (None before `period` bars)."""
        self.absorb()
        atr = self.atrs.get(period)
        if atr is None:
            atr = self.atrs[period] = WilderAtr(period)
            for true_range in self.ranges:
                atr.add(true_range)
        return atr.value

    def spacing_ms(self) -> int | None:
        """The smallest spacing between two consecutive bars seen (None before two)."""
        self.absorb()
        return self.min_gap_ms

    def to_dict(self) -> dict[str, Any]:
        """Saved state: the ATRs in use and the spacing (not the ranges themselves)."""
        self.absorb()
        return {
            "prev_close": self.prev_close,
            "last_open_ms": self.last_open_ms,
            "min_gap_ms": self.min_gap_ms,
            "atrs": {
                str(period): [atr.count, atr.total, atr.value] for period, atr in self.atrs.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrueRanges:
        """Inverse of `to_dict`."""
        ranges = cls()
        ranges.prev_close = data["prev_close"]
        ranges.last_open_ms = data["last_open_ms"]
        ranges.min_gap_ms = data["min_gap_ms"]
        ranges.atrs = {
            int(period): WilderAtr(int(period), int(count), float(total), value)
            for period, (count, total, value) in data["atrs"].items()
        }
        return ranges


@dataclass(frozen=True, slots=True)
class StopMove:
    """A stop level a rule moved to (on the tick) and which rule: `reason`."""

    price: float
    reason: str


def next_stop(position: Position, bar: Bar, ranges: TrueRanges, tick: Decimal) -> StopMove | None:
    """Where `position`'s stop moves at the close of `bar` (None: it stays)."""
    exits = position.exits
    assert exits is not None
    long = position.side == "long"
    candidates: list[tuple[float, str]] = []
    breakeven, to_leg = exits.breakeven_after_leg, exits.stop_to_leg_after_leg
    if breakeven is not None or to_leg is not None:
        filled = exits.filled_legs(position.legs_filled)
        if breakeven is not None and breakeven in filled:
            candidates.append((position.entry_price, f"breakeven after leg {breakeven}"))
        if to_leg is not None and to_leg[0] in filled:
            after, leg = to_leg
            price = float(exits.leg_prices[leg - 1])
            candidates.append((price, f"to leg {leg}'s price after leg {after}"))
    trail = exits.trail_atr
    if trail is not None:
        multiple, period = trail
        atr = ranges.atr(period)
        if atr is not None:
            distance = multiple * atr
            level = bar.close - distance if long else bar.close + distance
            candidates.append((level, f"trailing {multiple:g} × ATR({period})"))
    if not candidates:
        return None
    rounded = [(float(round_to_tick(level, tick)), reason) for level, reason in candidates]
    price, reason = (max if long else min)(rounded, key=lambda candidate: candidate[0])
    stop = position.stop_loss
    if stop is not None and (price <= stop if long else price >= stop):
        return None  # never loosening (nor a no-op)
    return StopMove(price, reason)
