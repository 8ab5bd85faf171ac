"""The points of an equity curve the run's metrics depend on, so the shared metrics code
(`scalplab.orders.metrics`) reads a few hundred points instead of every bar.

`metrics_of` reads the equity curve in two places only:

- `daily_returns`: the equity at each UTC day's last bar, in day order;
- `max_drawdown_pct`: `max((peak − value) / peak)` over the curve, `peak` the running
  maximum (from the initial capital on).

Kept: each day's last point, every point that raises the running maximum (so the peak
at any kept point is the full curve's peak there, and its drawdown the same float),
and the point of the largest drawdown. Both functions then compute exactly the floats
they compute over the whole curve.
"""

from __future__ import annotations

import numpy as np

from scalplab.strategies.vector import FloatArray, IntArray
from scalplab.strategies.vectorised.jit import compiled

DAY_MS = 86_400_000


@compiled
def metric_points(open_ms: IntArray, equity: FloatArray, initial: float) -> IntArray:
    """Indices of the points of the curve `(open_ms, equity)` the metrics depend on."""
    bars = len(equity)
    keep = np.zeros(bars, dtype=np.bool_)
    peak = initial
    deepest = -np.inf
    deepest_at = -1
    for j in range(bars):
        value = equity[j]
        if value > peak:
            peak = value
            keep[j] = True
        drawdown = (peak - value) / peak if peak > 0 else 0.0
        if drawdown > deepest:
            deepest = drawdown
            deepest_at = j
        if j == bars - 1 or open_ms[j + 1] // DAY_MS != open_ms[j] // DAY_MS:
            keep[j] = True
    if deepest_at >= 0:
        keep[deepest_at] = True
    return np.flatnonzero(keep)
