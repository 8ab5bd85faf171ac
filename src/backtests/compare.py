"""Several finished backtests side by side: their metrics and their equity curves.

Each curve is normalised to 100 at its first point (`value / first × 100`), so runs of
different capital or period read on one scale, and thinned to at most
`MAX_CURVE_POINTS` evenly spaced points (first and last kept). Metrics are the result's
top-level numbers (nested counts such as exits by reason are left out; a value that is
not a finite number is None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scalplab.backtests.storage import BacktestSummary, ResultStore
from scalplab.backtests.sweeps.walkforward import compact
from scalplab.errors import InputError, snippet

MIN_COMPARED = 2
MAX_COMPARED = 6
MAX_CURVE_POINTS = 1000
NORMALISED_START = 100.0


@dataclass(frozen=True, slots=True)
class ComparedRun:
    """One backtest of a comparison: its list entry (inputs, labels, key metrics), every
    numeric metric of its result, and its equity curve normalised to `NORMALISED_START`
    (empty when it has no usable curve)."""

    summary: BacktestSummary
    metrics: dict[str, float | int | None]
    equity: list[tuple[str, float]]


def check_ids(ids: Sequence[str]) -> list[str]:
    """`MIN_COMPARED` to `MAX_COMPARED` distinct, non-empty ids, else `InputError`."""
    if len(ids) < MIN_COMPARED or len(ids) > MAX_COMPARED:
        raise InputError(
            f"compare takes {MIN_COMPARED} to {MAX_COMPARED} backtest ids, not {len(ids)}"
        )
    seen: set[str] = set()
    for result_id in ids:
        if not result_id:
            raise InputError("a backtest id to compare is empty")
        if result_id in seen:
            raise InputError(f"backtest {snippet(result_id)} is listed twice")
        seen.add(result_id)
    return list(ids)


def compare_results(store: ResultStore, ids: Sequence[str]) -> list[ComparedRun]:
    """The runs `ids`, in that order. `InputError` for a bad list of ids, `NotFoundError`
    naming an unknown id, `ConflictError` for a run that has no result yet."""
    runs: list[ComparedRun] = []
    for result_id in check_ids(ids):
        summary = store.summary(result_id)
        result = store.get(result_id)
        metrics = result.get("metrics")
        numbers = numeric_metrics(metrics if isinstance(metrics, Mapping) else {})
        runs.append(ComparedRun(summary, numbers, normalised_curve(result.get("equity"))))
    return runs


def numeric_metrics(metrics: Mapping[str, object]) -> dict[str, float | int | None]:
    """The top-level numbers of a result's metrics (non-finite ones as None)."""
    numbers: dict[str, float | int | None] = {}
    for name, value in metrics.items():
        if value is None:
            numbers[name] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            numbers[name] = value if math.isfinite(value) else None
    return numbers


def normalised_curve(equity: object) -> list[tuple[str, float]]:
    """`[time, equity]` pairs rescaled so the first is `NORMALISED_START`, thinned to
    `MAX_CURVE_POINTS`; malformed points are skipped and an instant given twice keeps its
    last value; empty without a positive start."""
    points: list[tuple[str, float]] = []
    for point in equity if isinstance(equity, list) else []:
        if not isinstance(point, list | tuple) or len(point) != 2:
            continue
        moment, value = str(point[0]), point[1]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        if points and points[-1][0] == moment:
            points.pop()  # one value per instant, the last one (what a chart needs)
        points.append((moment, float(value)))
    if not points or points[0][1] <= 0:
        return []
    base = points[0][1]
    return [
        (moment, value / base * NORMALISED_START)
        for moment, value in compact(points, MAX_CURVE_POINTS)
    ]
