"""Which bracket level of a position a bar fills, if any (the open first, then the range).

The rules of ARCHITECTURE.md's execution semantics: a level the bar opens past fills
at the open (the take-profit too, even if the range then reaches the stop); otherwise
a bar whose range reaches one level fills at that level, and a bar that reaches both
fills the stop. The liquidation price is a third level treated like a stop; when a bar
reaches both it and the stop-loss, the one nearer the entry fills.

A take-profit ladder (`ladder_exits`) follows the same rules per level: a stop the open
is past fills everything at the open; otherwise every leg the open gapped through fills
at the open; then the range — one that reaches the stop fills the stop for everything
still open (even if it also reaches a leg), else the legs it reaches fill at their
prices. Legs fill nearest first: a bar reaching a leg reaches every nearer one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scalplab.orders.exits import TakeProfitLeg
from scalplab.orders.models import Bar, ExitReason, Position


@dataclass(frozen=True, slots=True)
class LevelHit:
    """A level the bar filled: the unslipped fill price and the exit reason."""

    price: float
    reason: ExitReason


def bracket_exit(position: Position, bar: Bar, stops_only: bool = False) -> LevelHit | None:
    """The level of `position` that `bar` fills, or None.

    `stops_only`: the bar in which a resting entry filled — only a stop the range
    reaches can fill (the part of the bar before the entry is unknown).
    """
    entry = position.entry_price
    liquidation = position.liquidation_price
    stop = position.stop_loss
    take_profit = position.take_profit
    is_long = position.side == "long"
    if take_profit is None or stops_only:
        take_profit = math.inf if is_long else -math.inf
    if is_long:
        gapped = not stops_only and (
            bar.open <= liquidation or (stop is not None and bar.open <= stop)
        )
        if gapped:
            return LevelHit(bar.open, _nearest(stop, liquidation, entry, lambda lv: bar.open <= lv))
        if bar.open >= take_profit:
            return LevelHit(bar.open, "tp")
        if bar.low <= liquidation or (stop is not None and bar.low <= stop):
            return _reached(stop, liquidation, entry, lambda lv: bar.low <= lv)
        if bar.high >= take_profit:
            return LevelHit(take_profit, "tp")
        return None
    gapped = not stops_only and (bar.open >= liquidation or (stop is not None and bar.open >= stop))
    if gapped:
        return LevelHit(bar.open, _nearest(stop, liquidation, entry, lambda lv: bar.open >= lv))
    if bar.open <= take_profit:
        return LevelHit(bar.open, "tp")
    if bar.high >= liquidation or (stop is not None and bar.high >= stop):
        return _reached(stop, liquidation, entry, lambda lv: bar.high >= lv)
    if bar.low <= take_profit:
        return LevelHit(take_profit, "tp")
    return None


@dataclass(frozen=True, slots=True)
class LadderFill:
    """A fill of a laddered position: the unslipped price, the exit reason and the leg
    (None: a stop or the liquidation, for everything still open)."""

    price: float
    reason: ExitReason
    leg: TakeProfitLeg | None = None


def ladder_exits(position: Position, bar: Bar) -> list[LadderFill]:
    """What `bar` fills of a laddered `position`, in fill order (see the module docstring)."""
    assert position.exits is not None
    legs = position.exits.take_profits[position.legs_filled :]
    entry, stop, liquidation = position.entry_price, position.stop_loss, position.liquidation_price
    d = position.direction  # ×1 or ×−1: the short's comparisons are the long's mirrored
    adverse, favourable = (bar.low, bar.high) if d > 0 else (bar.high, bar.low)

    def past(price: float) -> Touched:
        return lambda level: d * price <= d * level

    opened = past(bar.open)
    if opened(liquidation) or (stop is not None and opened(stop)):
        return [LadderFill(bar.open, _nearest(stop, liquidation, entry, opened))]
    prices = [float(leg.price) for leg in legs]
    gapped = sum(1 for price in prices if d * bar.open >= d * price)
    fills = [LadderFill(bar.open, "tp", leg) for leg in legs[:gapped]]
    if gapped == len(legs):
        return fills
    ranged = past(adverse)
    if ranged(liquidation) or (stop is not None and ranged(stop)):
        hit = _reached(stop, liquidation, entry, ranged)
        return [*fills, LadderFill(hit.price, hit.reason)]
    for leg, price in zip(legs[gapped:], prices[gapped:], strict=True):
        if d * favourable >= d * price:
            fills.append(LadderFill(price, "tp", leg))
    return fills


Touched = Callable[[float], bool]


def _candidates(
    stop: float | None, liquidation: float, touched: Touched
) -> list[tuple[float, ExitReason]]:
    levels: list[tuple[float, ExitReason]] = []
    if stop is not None and touched(stop):
        levels.append((stop, "sl"))
    if touched(liquidation):
        levels.append((liquidation, "liquidation"))
    return levels


def _nearest(stop: float | None, liquidation: float, entry: float, touched: Touched) -> ExitReason:
    """The reason of the touched stop level nearest the entry (the stop-loss on a tie)."""
    levels = _candidates(stop, liquidation, touched)
    return min(levels, key=lambda level: abs(level[0] - entry))[1]


def _reached(stop: float | None, liquidation: float, entry: float, touched: Touched) -> LevelHit:
    levels = _candidates(stop, liquidation, touched)
    level, reason = min(levels, key=lambda level: abs(level[0] - entry))
    return LevelHit(level, reason)
