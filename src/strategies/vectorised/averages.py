"""Backtrader's moving averages, true range and crossover, bit for bit, compiled.

Backtrader (1.9.78, vectorised `once` pass and bar-by-bar `next` alike) computes:

- `SMA(period)` at bar i: `math.fsum(data[i − period + 1 .. i]) / period` (an exactly
  rounded sum, so no running sum can reproduce it: `exact_sum` ports CPython's
  `math.fsum`);
- `ExponentialSmoothing(period, alpha)`: seeded at bar `minperiod − 1` with the SMA of
  the window ending there, then `prev × (1 − alpha) + data × alpha`; the EMA has
  `alpha = 2 / (1 + period)`, the smoothed (Wilder) average `alpha = 1 / period`;
- `TrueRange` at bar i ≥ 1: `max(high, close[i−1]) − min(low, close[i−1])`, and `ATR`
  the smoothed average of it (its first value at bar `period`, over bars 1..period);
- `CrossOver(a, b)` at bar i: +1 when the last non-zero `a − b` before i was negative
  and `a > b` at i, −1 for the mirror, else 0; the non-zero difference is seeded at the
  first bar both inputs exist.

Arrays hold NaN (crossover: 0) where Backtrader's line is not yet defined.
"""

from __future__ import annotations

import math

import numpy as np

from scalplab.strategies.vector import FloatArray, SideArray
from scalplab.strategies.vectorised.jit import compiled

MAX_PARTIALS = 2100
"""Most non-overlapping partials an exact float sum can need (one per bit position of
the float range, 2**-1074 .. 2**1023)."""


@compiled
def exact_sum(values: FloatArray, start: int, stop: int, partials: FloatArray) -> float:
    """`math.fsum(values[start:stop])` exactly as CPython computes it (Shewchuk's
    partials, the half-even fix-up across partials). `partials` is scratch space of at
    least `stop − start + 1` values. A NaN or infinite input gives their naive sum."""
    count = 0
    special = 0.0
    for index in range(start, stop):
        x = values[index]
        kept = 0
        for j in range(count):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low != 0.0:
                partials[kept] = low
                kept += 1
            x = high
        count = kept
        if x != 0.0:
            if not math.isfinite(x):
                special += values[index]
                count = 0
            else:
                partials[count] = x
                count += 1
    if special != 0.0:
        return special
    high = 0.0
    low = 0.0
    if count > 0:
        count -= 1
        high = partials[count]
        while count > 0:
            x = high
            count -= 1
            y = partials[count]
            high = x + y
            low = y - (high - x)
            if low != 0.0:
                break
        if count > 0 and (
            (low < 0.0 and partials[count - 1] < 0.0) or (low > 0.0 and partials[count - 1] > 0.0)
        ):
            y = low * 2.0
            x = high + y
            if y == x - high:
                high = x
    return float(high)


@compiled
def add_exact(partials: FloatArray, count: int, value: float) -> int:
    """Add `value` to the exact sum held as `count` non-overlapping partials (the inner
    step of `math.fsum`); returns the new count."""
    x = value
    kept = 0
    for j in range(count):
        y = partials[j]
        if abs(x) < abs(y):
            x, y = y, x
        high = x + y
        low = y - (high - x)
        if low != 0.0:
            partials[kept] = low
            kept += 1
        x = high
    if x != 0.0:
        partials[kept] = x
        kept += 1
    return kept


@compiled
def rounded_sum(partials: FloatArray, count: int) -> float:
    """The exact sum of the partials, correctly rounded (half-even): the last step of
    `math.fsum`, reading the partials without changing them."""
    if count == 0:
        return 0.0
    count -= 1
    high = partials[count]
    low = 0.0
    while count > 0:
        x = high
        count -= 1
        y = partials[count]
        high = x + y
        low = y - (high - x)
        if low != 0.0:
            break
    if count > 0 and (
        (low < 0.0 and partials[count - 1] < 0.0) or (low > 0.0 and partials[count - 1] > 0.0)
    ):
        y = low * 2.0
        x = high + y
        if y == x - high:
            high = x
    return float(high)


@compiled
def simple_moving_average(values: FloatArray, period: int, first: int = 0) -> FloatArray:
    """Backtrader's SMA of `values` whose own first defined bar is `first` (an
    indicator's input starts late): defined from bar `first + period − 1` on.

    `math.fsum` rounds the exact sum of a window correctly, so a window's sum is the
    exact rolling sum (the new value added, the leaving one subtracted, both exactly, as
    partials) rounded once: O(partials) per bar instead of O(period). Windows holding a
    NaN or an infinity are summed one by one."""
    bars = len(values)
    out = np.full(bars, np.nan)
    start = first + period - 1
    if start >= bars:
        return out
    if not np.isfinite(values[first:]).all():
        scratch = np.empty(period + 1)
        for i in range(start, bars):
            out[i] = exact_sum(values, i - period + 1, i + 1, scratch) / period
        return out
    partials = np.empty(MAX_PARTIALS)
    count = 0
    for i in range(first, start):
        count = add_exact(partials, count, values[i])
    for i in range(start, bars):
        count = add_exact(partials, count, values[i])
        out[i] = rounded_sum(partials, count) / period
        count = add_exact(partials, count, -values[i - period + 1])
    return out


@compiled
def exponential_smoothing(
    values: FloatArray, period: int, alpha: float, first: int = 0
) -> FloatArray:
    """Backtrader's `ExponentialSmoothing`: the SMA seed at bar `first + period − 1`,
    then `prev × (1 − alpha) + value × alpha`."""
    bars = len(values)
    out = np.full(bars, np.nan)
    seed = first + period - 1
    if seed >= bars:
        return out
    partials = np.empty(period + 1)
    previous = exact_sum(values, seed - period + 1, seed + 1, partials) / period
    out[seed] = previous
    keep = 1.0 - alpha
    for i in range(seed + 1, bars):
        previous = previous * keep + values[i] * alpha
        out[i] = previous
    return out


@compiled
def exponential_moving_average(values: FloatArray, period: int) -> FloatArray:
    """Backtrader's EMA: smoothing with `alpha = 2 / (1 + period)`."""
    return exponential_smoothing(values, period, 2.0 / (1.0 + period), 0)


@compiled
def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """Backtrader's `TrueRange` (NaN on the first bar, which has no previous close)."""
    bars = len(close)
    out = np.full(bars, np.nan)
    for i in range(1, bars):
        previous = close[i - 1]
        top = previous if previous > high[i] else high[i]
        bottom = previous if previous < low[i] else low[i]
        out[i] = top - bottom
    return out


@compiled
def average_true_range(
    high: FloatArray, low: FloatArray, close: FloatArray, period: int
) -> FloatArray:
    """Backtrader's `ATR(period)`: Wilder's smoothing (`alpha = 1 / period`) of the true
    range, first defined at bar `period`."""
    return exponential_smoothing(true_range(high, low, close), period, 1.0 / period, 1)


@compiled
def crossover(fast: FloatArray, slow: FloatArray, first: int) -> SideArray:
    """Backtrader's `CrossOver(fast, slow)` from bar `first + 1` on, where `first` is the
    first bar both lines are defined (the seed of the non-zero difference)."""
    bars = len(fast)
    out = np.zeros(bars, dtype=np.int8)
    if first >= bars:
        return out
    last_nonzero = fast[first] - slow[first]
    for i in range(first + 1, bars):
        a = fast[i]
        b = slow[i]
        if last_nonzero < 0.0 and a > b:
            out[i] = 1
        elif last_nonzero > 0.0 and a < b:
            out[i] = -1
        difference = a - b
        if difference != 0.0:
            last_nonzero = difference
    return out
