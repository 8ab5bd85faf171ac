"""Exchange grids for the fast path: the tick rounding of signal levels and the step grid
of quantities, giving exactly the floats the order pipeline's `Decimal` arithmetic gives.

The pipeline rounds a level with `round_to_tick` (`Decimal(str(value))` to the nearest
multiple of the tick, halves away from zero) and a quantity with `floor_to_step`
(`Decimal(steps) × step`), then uses `float()` of the decimal. A grid unit
`units / divisor` (`units` an integer, `divisor` a power of ten) turns both into float
arithmetic that is exact: `steps × units` is an integer below 2**53 and `divisor` a
power of ten up to 10**22, so one IEEE division rounds the exact decimal correctly, as
`float(Decimal)` does.

A level whose quotient by the tick lies within float noise of a half-tick `T = (k + ½) ×
tick` (where `Decimal(str(level))` and the float can round differently) is decided by
`T` itself: `T` is a multiple of `10**-(K+1)` for a tick of K decimals, and while the
float's spacing is far below that, the shortest decimal of the level (`str`) is `T`
exactly when `float(T)` is the level (a tie: away from zero), and otherwise lies on
the level's side of `T`. Levels too large for that argument are rounded in `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from scalplab.backtests.fast.model import FastPathUnsupported
from scalplab.orders.decimals import round_to_tick
from scalplab.strategies.vector import FloatArray

EXACT_INTEGER = float(2**53)
"""Integers up to this are exact in a float."""
MAX_EXACT_POWER = 22
"""10**22 is the largest power of ten a float holds exactly."""
HALF_TICK_DOUBT = 1e-12
"""Relative distance from a half-tick within which a level is rounded in Decimal."""


class GridError(FastPathUnsupported):
    """A symbol's tick or step has more decimal places than exact float arithmetic allows
    (the Backtrader path, in `Decimal`, has no such limit)."""


@dataclass(frozen=True, slots=True)
class Grid:
    """A tick or step size as `units / divisor` (`units` 0: no grid)."""

    size: Decimal
    units: int
    divisor: float

    @classmethod
    def of(cls, size: Decimal) -> Grid:
        """The grid of `size` (a tick or step size; 0 or less: none)."""
        if size <= 0:
            return cls(size, 0, 1.0)
        _, digits, exponent = size.as_tuple()
        if not isinstance(exponent, int):
            raise GridError(f"grid size {size} is not a finite number")
        units = int("".join(str(digit) for digit in digits))
        if exponent >= 0:
            return cls(size, units * 10**exponent, 1.0)
        if -exponent > MAX_EXACT_POWER:
            raise GridError(f"grid size {size} has more than {MAX_EXACT_POWER} decimal places")
        return cls(size, units, float(10**-exponent))

    @property
    def step(self) -> float:
        """The size as a float (what `float(step)` gives)."""
        return float(self.size)


def round_levels(values: FloatArray, tick: Grid) -> FloatArray:
    """`float(round_to_tick(value, tick))` of every value: nearest multiple of the tick,
    halves away from zero, exactly as the pipeline rounds (see the module docstring)."""
    if tick.units == 0 or len(values) == 0:
        return values.astype(np.float64, copy=True)
    quotient = values / tick.step
    magnitude = np.abs(quotient)
    whole = np.floor(magnitude)
    fraction = magnitude - whole
    steps = whole + (fraction >= 0.5)
    numerator = steps * tick.units
    near_half = np.abs(fraction - 0.5) <= magnitude * HALF_TICK_DOUBT + HALF_TICK_DOUBT
    if near_half.any():
        ties = np.flatnonzero(near_half)
        level = np.abs(values[ties])
        tie = (2.0 * whole[ties] + 1.0) * tick.units / (2.0 * tick.divisor)
        steps[ties] = whole[ties] + (level >= tie)
        numerator[ties] = steps[ties] * tick.units
        grid = 1.0 / (10.0 * tick.divisor)
        fine = (np.spacing(level) * 4.0 < grid) & (
            (2.0 * whole[ties] + 1.0) * tick.units < EXACT_INTEGER
        )
        near_half[ties[fine]] = False
    doubtful = ~np.isfinite(quotient) | near_half | (numerator >= EXACT_INTEGER)
    with np.errstate(invalid="ignore"):
        rounded: FloatArray = np.copysign(numerator, quotient) / tick.divisor
    for index in np.flatnonzero(doubtful):
        rounded[index] = float(round_to_tick(float(values[index]), tick.size))
    return rounded
