"""The market structure the SMC plugin reads (`scalplab.strategies.smc`, rules 1 to 4).

`MarketStructure` is fed one closed bar at a time and keeps the swings, the impulse
legs measured from them, the latest fair value gap of each direction and the bias; a
bar that closes through a structure level is returned as a `Break`. The plugin builds
its setups and entries on top of it, and `structure_zones` replays it over a run's
candles to draw the order blocks and gaps it found (`SmcStrategy.chart_overlays`).
Nothing reads a bar after the one being fed.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from scalplab.strategies.overlays import OverlayZone
from scalplab.strategies.vector import CandleArrays


class Candle(NamedTuple):
    """One closed bar and its index in the run."""

    bar_index: int
    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True, slots=True)
class Zone:
    """A price band `bottom..top`."""

    bottom: float
    top: float

    def overlaps(self, other: Zone) -> bool:
        """Whether the two bands share a price."""
        return self.bottom <= other.top and other.bottom <= self.top


@dataclass(frozen=True, slots=True)
class Gap:
    """A fair value gap (rule 3) and the index of its first candle."""

    zone: Zone
    first_index: int


@dataclass(slots=True)
class Level:
    """An unbroken swing and the impulse leg measured from its pivot (rule 2)."""

    price: float
    bullish_break: bool  # True for a swing high (a bullish break closes above it)
    origin: float
    origin_index: int = -1
    last_opposite: Candle | None = None
    order_block: Candle | None = None

    def update(self, candle: Candle) -> None:
        """Extend the leg by one bar."""
        if self.bullish_break:
            if candle.close < candle.open:
                self.last_opposite = candle
            if candle.low <= self.origin:
                self.origin = candle.low
                self.origin_index = candle.bar_index
                self.order_block = self.last_opposite
        else:
            if candle.close > candle.open:
                self.last_opposite = candle
            if candle.high >= self.origin:
                self.origin = candle.high
                self.origin_index = candle.bar_index
                self.order_block = self.last_opposite


@dataclass(frozen=True, slots=True)
class Break:
    """A close through a structure level (rule 4): BOS or CHoCH, the broken level with its
    leg, and the latest gap of the break's direction at that close."""

    bullish: bool
    kind: str
    level: Level
    gap: Gap | None


class MarketStructure:
    """Swings, legs, gaps and bias, bar by bar (rules 1 to 4, in the plugin's order)."""

    def __init__(self, swing_length: int) -> None:
        self.length = swing_length
        self.window = 2 * swing_length + 1
        self.candles: deque[Candle] = deque(maxlen=self.window)
        self.highs: deque[float] = deque(maxlen=self.window)
        self.lows: deque[float] = deque(maxlen=self.window)
        self.index = -1
        self.bias = 0
        self.high: Level | None = None
        self.low: Level | None = None
        self.bull_gap: Gap | None = None
        self.bear_gap: Gap | None = None

    def advance(self, open_: float, high: float, low: float, close: float) -> Break | None:
        """Feed the next closed bar: gaps (3), legs (2), the break test (4), then the
        confirmation of the swing that pivoted L bars ago (1)."""
        self.index += 1
        candle = Candle(self.index, open_, high, low, close)
        self.candles.append(candle)
        self.highs.append(high)
        self.lows.append(low)
        self._track_gaps(candle)
        if self.high is not None:
            self.high.update(candle)
        if self.low is not None:
            self.low.update(candle)
        broken = self._check_breaks(candle)
        if len(self.candles) == self.window:
            self._confirm_swings()
        return broken

    def _track_gaps(self, candle: Candle) -> None:
        bull, bear = self.bull_gap, self.bear_gap
        if bull is not None and candle.low <= bull.zone.top:
            self.bull_gap = None
        if bear is not None and candle.high >= bear.zone.bottom:
            self.bear_gap = None
        if len(self.candles) >= 3:
            first = self.candles[-3]
            if candle.low > first.high:
                self.bull_gap = Gap(Zone(first.high, candle.low), first.bar_index)
            elif candle.high < first.low:
                self.bear_gap = Gap(Zone(candle.high, first.low), first.bar_index)

    def _check_breaks(self, candle: Candle) -> Break | None:
        high, low = self.high, self.low
        if high is not None and candle.close > high.price:
            self.high = None
            return self._break(True, high, self.bull_gap)
        if low is not None and candle.close < low.price:
            self.low = None
            return self._break(False, low, self.bear_gap)
        return None

    def _break(self, bullish: bool, level: Level, gap: Gap | None) -> Break:
        kind = "CHoCH" if self.bias == (-1 if bullish else 1) else "BOS"
        self.bias = 1 if bullish else -1
        return Break(bullish, kind, level, gap)

    def _confirm_swings(self) -> None:
        length = self.length
        pivot = self.candles[length]
        highs, lows = self.highs, self.lows
        if pivot.high >= max(highs) and pivot.high > max(islice(highs, length)):
            self.high = self._new_level(pivot.high, bullish_break=True)
        if pivot.low <= min(lows) and pivot.low < min(islice(lows, length)):
            self.low = self._new_level(pivot.low, bullish_break=False)

    def _new_level(self, price: float, bullish_break: bool) -> Level:
        """A freshly confirmed swing, its leg replayed over the L bars after the pivot."""
        level = Level(price, bullish_break, math.inf if bullish_break else -math.inf)
        for candle in islice(self.candles, self.length + 1, self.window):
            level.update(candle)
        return level


@dataclass(slots=True)
class _Drawn:
    """A zone being drawn: its kind, band, first bar (index and time) and, for a gap, the
    gap it shows."""

    kind: str
    zone: Zone
    bar: int
    start: int
    gap: Gap | None = None

    def reached(self, high: float, low: float) -> bool:
        """Whether a bar's range reaches the band from the side the zone was left on."""
        bullish = self.kind.endswith("_bull")
        return low <= self.zone.top if bullish else high >= self.zone.bottom

    def closed(self, end: int) -> OverlayZone:
        return OverlayZone(self.kind, self.start, end, self.zone.bottom, self.zone.top)


def structure_zones(
    candles: CandleArrays, start: int, swing_length: int, zone_max_age: int
) -> list[OverlayZone]:
    """The order blocks and fair value gaps the structure finds over `candles`, fed from
    bar `start` on (where the plugin's bar loop starts), ordered by their first bar.

    A gap (`fvg_bull` / `fvg_bear`) starts on its third candle's bar and ends on the bar
    that trades back into it or a newer gap of its direction replaces it. An order block
    (`order_block_bull` / `order_block_bear`: the OB candle's low..high) starts on the bar
    of the break that confirms it and ends on the first later bar that reaches it, after
    `zone_max_age` bars, or at the next break. A zone still live on the last bar ends there.
    """
    structure = MarketStructure(swing_length)
    times = candles.open_time.tolist()
    rows = zip(
        candles.open.tolist(),
        candles.high.tolist(),
        candles.low.tolist(),
        candles.close.tolist(),
        strict=True,
    )
    zones: list[OverlayZone] = []
    gaps: dict[str, _Drawn | None] = {"fvg_bull": None, "fvg_bear": None}
    block: _Drawn | None = None
    for bar, (open_, high, low, close) in enumerate(islice(rows, start, None), start):
        time = times[bar]
        if block is not None and (block.reached(high, low) or bar - block.bar > zone_max_age):
            zones.append(block.closed(time))
            block = None
        broken = structure.advance(open_, high, low, close)
        if broken is not None:
            if block is not None:
                zones.append(block.closed(time))
            candle = broken.level.order_block
            kind = "order_block_bull" if broken.bullish else "order_block_bear"
            block = (
                None if candle is None else _Drawn(kind, Zone(candle.low, candle.high), bar, time)
            )
        for kind, gap in (("fvg_bull", structure.bull_gap), ("fvg_bear", structure.bear_gap)):
            drawn = gaps[kind]
            if drawn is not None and drawn.gap is not gap:
                zones.append(drawn.closed(time))
                drawn = None
            if gap is not None and drawn is None:
                drawn = _Drawn(kind, gap.zone, bar, time, gap)
            gaps[kind] = drawn
    last = times[-1] if times else 0
    zones.extend(zone.closed(last) for zone in (block, *gaps.values()) if zone is not None)
    return sorted(zones, key=lambda zone: (zone.start, zone.kind))
