"""SMC: a simplified Smart Money Concepts strategy (structure breaks, order blocks, FVGs).

Every decision is taken on the close of bar t from bars up to t only; nothing
reads a later bar. The strategy starts once its ATR and EMA are ready, on the
max(`atr_period` + 1, `ema_period`)-th bar. The rules:

1. **Swings.** Bar p is a swing high when its high is strictly above the highs
   of the `swing_length` (L) bars before it and at or above the highs of the L
   bars after it (a swing low mirrors this with lows). A swing is *confirmed*,
   i.e. known to the strategy, only on the close of bar p + L. The latest
   confirmed swing high and swing low are the structure levels; a newly
   confirmed swing replaces the previous one on its side.
2. **Impulse legs.** From its pivot on, each unbroken structure level tracks
   the move that may break it. For a swing high: the *origin* is the lowest low
   after the pivot (the latest of equal lows), and the *order block* (OB) is the
   last bearish candle (close < open) after the pivot and at or before the
   origin, its zone being that candle's low..high. Mirrored for a swing low
   (highest high, last bullish candle).
3. **Fair value gaps.** Three candles a, b, c form a bullish FVG when c's low is
   above a's high (zone a.high..c.low), a bearish one when c's high is below a's
   low (zone c.high..a.low). Only the most recent FVG of each direction is kept,
   and it is forgotten as soon as a later bar trades back into it.
4. **Structure breaks and bias.** A close above the latest unbroken swing high is
   a bullish break: a change of character (CHoCH) when the bias was bearish, a
   break of structure (BOS) otherwise. The bias becomes bullish and that swing
   cannot break again. A close below the latest unbroken swing low is the
   bearish mirror. A swing is never already broken when it is confirmed.
5. **Setup.** A bullish break creates a bullish setup from its impulse leg: the
   OB of rule 2 and the bullish FVG of rule 3 if its first candle is at or after
   the origin (a gap the impulse left). `zone_mode` picks the entry zone: `ob`
   (the OB is required), `fvg` (the FVG is required) or `any` (at least one; the
   zone spans both). The displacement, (break close − origin) / ATR, must be at
   least `min_displacement`. There is at most one setup: a new break, in either
   direction, replaces (or, when it yields no setup, clears) the previous one,
   so a setup always agrees with the bias.
6. **Entry.** From the bar after the break and for at most `zone_max_age` bars,
   the first bar whose low reaches the zone's top (bearish: whose high reaches
   its bottom) consumes the setup: a zone is traded once. That bar signals a
   long when it closes at or above the zone's bottom (a close through the zone
   invalidates it), the strategy is flat, longs are enabled by `direction`,
   ATR / close ≥ `min_atr_pct` % and, with `trend_filter`, the close is above the
   EMA(`ema_period`). Entry = the bar's close; stop-loss = origin −
   `sl_atr_mult` × ATR (below the OB and the protecting low); take-profit =
   entry + `rr` × (entry − stop-loss); no signal when that risk is not positive
   or a level is not above zero. Shorts mirror all of this.
7. **Confidence** (0..100) = 40, + 20 when the OB and the FVG overlap (+ 10 when
   both exist apart), + up to 20 for displacement (20 × displacement / 3,
   capped), + 15 when the close is on the trend side of the EMA, + 5 for a BOS
   (continuation) rather than a CHoCH, rounded to 0.1. `reasons` name the
   break, the zone(s) the bar is in, the overlap, the displacement and the
   trend alignment. Confluence and reasons use both the OB and the FVG
   whatever `zone_mode` is.
8. **While a position is open** swings, legs, gaps, breaks and setups are still
   tracked bar by bar (the market state never depends on the trades), but no
   signal is produced, since the platform would only reject it as
   `position_open`; a zone first touched during a position is consumed.

On each bar the work runs as: FVG tracking (3), leg updates (2), the break test
(4, 5), the confirmation of the swing that pivoted L bars ago (1; so a break is
tested against the levels known before this bar), then the entry check (6).
ATR (Wilder, `atr_period`) and the EMA are Backtrader indicators; everything else
is kept incrementally in O(L) per bar (rules 1 to 4 in `scalplab.strategies.smc_structure`,
which also draws the chart's zones; about 2 s for 43,200 1m bars). The same rules
as one compiled pass over every bar (`vector_signals`, `scalplab.strategies.vectorised.smc`)
give the fast screening path of sweeps exactly these signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import backtrader as bt
import numpy as np
import pandas as pd

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.overlays import Overlays
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal
from scalplab.strategies.smc_structure import Break, Candle, MarketStructure, Zone, structure_zones
from scalplab.strategies.vector import CandleArrays, VectorSignals

DIRECTIONS = ("both", "long", "short")
ZONE_MODES = ("any", "ob", "fvg")
BASE_CONFIDENCE = 40.0
OVERLAP_BONUS = 20.0
SEPARATE_ZONES_BONUS = 10.0
DISPLACEMENT_BONUS = 20.0
DISPLACEMENT_FULL_ATR = 3.0
TREND_BONUS = 15.0
BOS_BONUS = 5.0


@dataclass(frozen=True, slots=True)
class _Setup:
    bullish: bool
    bar_index: int
    kind: str
    level: float
    zone: Zone
    order_block: Zone | None
    gap: Zone | None
    origin: float
    displacement: float


def _price(value: float) -> str:
    return f"{value:.10g}"


class SmcStrategy(SignalStrategy):
    """Smart Money Concepts: BOS/CHoCH bias, entries on the return to the order block or FVG."""

    name = "smc"
    version = "1.0.0"
    description = (
        "Smart Money Concepts: first return into the order block / FVG after a BOS or CHoCH, "
        "stop beyond the impulse origin, take-profit at RR."
    )

    params = (
        ("swing_length", 5),
        ("zone_mode", "any"),
        ("zone_max_age", 50),
        ("min_displacement", 1.0),
        ("atr_period", 14),
        ("sl_atr_mult", 0.5),
        ("rr", 3.0),
        ("min_atr_pct", 0.0),
        ("trend_filter", False),
        ("ema_period", 50),
        ("direction", "both"),
    )
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "swing_length": ParamInfo(
            "Bars on each side of a swing high/low; a swing is confirmed that many bars later.",
            min=1,
            max=50,
        ),
        "zone_mode": ParamInfo(
            "Entry zone: order block and/or fair value gap (any), order block only, FVG only.",
            choices=ZONE_MODES,
        ),
        "zone_max_age": ParamInfo(
            "Bars after the structure break during which a return into the zone can signal.",
            min=1,
            max=10_000,
        ),
        "min_displacement": ParamInfo(
            "Minimum impulse size, (break close - origin) / ATR, for a break to create a setup.",
            min=0,
            max=50,
        ),
        "atr_period": ParamInfo("Period of the ATR (Wilder), in bars.", min=1, max=500),
        "sl_atr_mult": ParamInfo(
            "Stop-loss buffer beyond the impulse origin, in ATRs.", min=0, max=20
        ),
        "rr": ParamInfo(
            "Take-profit distance as a multiple of the risk (the platform enforces MIN_RR).",
            min=0.5,
            max=50,
        ),
        "min_atr_pct": ParamInfo(
            "Volatility filter: skip signals while ATR / close is below this % (0 = off).",
            min=0,
            max=20,
        ),
        "trend_filter": ParamInfo("Only long above the EMA and only short below it."),
        "ema_period": ParamInfo(
            "Period of the trend EMA (filter and confidence), in bars.", min=2, max=2000
        ),
        "direction": ParamInfo("Which sides to trade: both, long or short.", choices=DIRECTIONS),
    }

    def __init__(self) -> None:
        self._atr = bt.indicators.AverageTrueRange(self.data, period=self.p.atr_period)
        self._ema = bt.indicators.ExponentialMovingAverage(
            self.data.close, period=self.p.ema_period
        )
        self._structure = MarketStructure(int(self.p.swing_length))
        self._setup: _Setup | None = None
        self._zone_mode = str(self.p.zone_mode)
        self._max_age = int(self.p.zone_max_age)
        self._min_displacement = float(self.p.min_displacement)
        self._sl_atr_mult = float(self.p.sl_atr_mult)
        self._rr = float(self.p.rr)
        self._min_atr_pct = float(self.p.min_atr_pct)
        self._trend_filter = bool(self.p.trend_filter)
        direction = str(self.p.direction)
        self._longs = direction in ("both", "long")
        self._shorts = direction in ("both", "short")

    @classmethod
    def vector_signals(
        cls, candles: CandleArrays, params: Mapping[str, int | float | bool | str]
    ) -> VectorSignals:
        """These rules as one compiled pass (`scalplab.strategies.vectorised.smc`) over
        Backtrader's ATR and EMA; silent while in a position, as rule 8 is."""
        from scalplab.strategies.vectorised.averages import (
            average_true_range,
            exponential_moving_average,
        )
        from scalplab.strategies.vectorised.smc import ZONE_MODE_CODES, smc_signals

        atr_period, ema_period = int(params["atr_period"]), int(params["ema_period"])
        warmup = max(atr_period + 1, ema_period)
        high, low, close = candles.high, candles.low, candles.close
        direction = str(params["direction"])
        side, stop, target = smc_signals(
            candles.open,
            high,
            low,
            close,
            average_true_range(high, low, close, atr_period),
            exponential_moving_average(close, ema_period),
            warmup - 1,
            int(params["swing_length"]),
            ZONE_MODE_CODES[str(params["zone_mode"])],
            int(params["zone_max_age"]),
            float(params["min_displacement"]),
            float(params["sl_atr_mult"]),
            float(params["rr"]),
            float(params["min_atr_pct"]),
            bool(params["trend_filter"]),
            direction in ("both", "long"),
            direction in ("both", "short"),
        )
        entry = np.where(side != 0, close, np.nan)
        return VectorSignals(side, entry, stop, target, warmup, quiet_in_position=True)

    @classmethod
    def chart_overlays(
        cls, candles: pd.DataFrame, params: Mapping[str, int | float | bool | str]
    ) -> Overlays:
        """The order blocks and fair value gaps the structure finds, each from the bar that
        confirms it (`smc_structure.structure_zones`), the bar loop starting where it does
        in a run."""
        warmup = max(int(params["atr_period"]) + 1, int(params["ema_period"]))
        zones = structure_zones(
            CandleArrays.from_frame(candles),
            warmup - 1,
            int(params["swing_length"]),
            int(params["zone_max_age"]),
        )
        return Overlays(zones=tuple(zones))

    # ----- the bar loop ----------------------------------------------------------

    def generate_signal(self) -> Signal | None:
        data = self.data
        structure = self._structure
        broken = structure.advance(
            float(data.open[0]), float(data.high[0]), float(data.low[0]), float(data.close[0])
        )
        candle = structure.candles[-1]
        if broken is not None:
            self._on_break(broken, candle)
        setup = self._setup
        if setup is None or setup.bar_index == candle.bar_index:
            return None
        if candle.bar_index - setup.bar_index > self._max_age:
            self._setup = None
            return None
        return self._check_entry(setup, candle)

    # ----- setups -----------------------------------------------------------------

    def _on_break(self, broken: Break, candle: Candle) -> None:
        level, gap = broken.level, broken.gap
        self._setup = None
        candle_ob = level.order_block
        order_block = Zone(candle_ob.low, candle_ob.high) if candle_ob is not None else None
        fvg = gap.zone if gap is not None and gap.first_index >= level.origin_index else None
        zones = [
            zone
            for zone, wanted in ((order_block, "ob"), (fvg, "fvg"))
            if zone is not None and self._zone_mode in (wanted, "any")
        ]
        if not zones:
            return
        atr = float(self._atr[0])
        displacement = abs(candle.close - level.origin) / atr if atr > 0 else 0.0
        if displacement < self._min_displacement:
            return
        self._setup = _Setup(
            bullish=broken.bullish,
            bar_index=candle.bar_index,
            kind=broken.kind,
            level=level.price,
            zone=Zone(min(z.bottom for z in zones), max(z.top for z in zones)),
            order_block=order_block,
            gap=fvg,
            origin=level.origin,
            displacement=displacement,
        )

    # ----- entries ----------------------------------------------------------------

    def _check_entry(self, setup: _Setup, candle: Candle) -> Signal | None:
        zone, close = setup.zone, candle.close
        if setup.bullish:
            if candle.low > zone.top:
                return None
            self._setup = None
            if close < zone.bottom or not self._longs:
                return None
        else:
            if candle.high < zone.bottom:
                return None
            self._setup = None
            if close > zone.top or not self._shorts:
                return None
        if self.in_position:
            return None
        atr = float(self._atr[0])
        if atr / close * 100.0 < self._min_atr_pct:
            return None
        ema = float(self._ema[0])
        aligned = close > ema if setup.bullish else close < ema
        if self._trend_filter and not aligned:
            return None
        return self._signal(setup, candle, atr, ema, aligned)

    def _signal(
        self, setup: _Setup, candle: Candle, atr: float, ema: float, aligned: bool
    ) -> Signal | None:
        close = candle.close
        buffer = self._sl_atr_mult * atr
        if setup.bullish:
            stop = setup.origin - buffer
            risk = close - stop
            target = close + self._rr * risk
        else:
            stop = setup.origin + buffer
            risk = stop - close
            target = close - self._rr * risk
        if risk <= 0 or stop <= 0 or target <= 0:
            return None
        trend = "bullish" if setup.bullish else "bearish"
        reasons = [f"{trend} {setup.kind} at {_price(setup.level)}"]
        confidence = BASE_CONFIDENCE
        in_zone = False
        for label, zone in (("OB", setup.order_block), ("FVG", setup.gap)):
            if zone is not None and candle.low <= zone.top and candle.high >= zone.bottom:
                reasons.append(f"price in {trend} {label} {_price(zone.bottom)}-{_price(zone.top)}")
                in_zone = True
        if not in_zone:
            zone = setup.zone
            reasons.append(f"price in {trend} zone {_price(zone.bottom)}-{_price(zone.top)}")
        if setup.order_block is not None and setup.gap is not None:
            if setup.order_block.overlaps(setup.gap):
                confidence += OVERLAP_BONUS
                reasons.append("OB and FVG overlap")
            else:
                confidence += SEPARATE_ZONES_BONUS
        confidence += DISPLACEMENT_BONUS * min(setup.displacement / DISPLACEMENT_FULL_ATR, 1.0)
        reasons.append(f"displacement {setup.displacement:.1f} ATR")
        if aligned:
            confidence += TREND_BONUS
            side_of = "above" if setup.bullish else "below"
            reasons.append(f"close {side_of} EMA{self.p.ema_period} {_price(ema)}")
        if setup.kind == "BOS":
            confidence += BOS_BONUS
        return Signal(
            side="long" if setup.bullish else "short",
            entry=close,
            stop_loss=stop,
            take_profit=target,
            confidence=round(min(confidence, 100.0), 1),
            reasons=reasons,
        )
