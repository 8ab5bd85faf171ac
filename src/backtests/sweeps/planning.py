"""Everything a sweep checks before any work starts, and the plan it then follows.

Bad input is refused here with one line naming it: an unknown strategy, param, objective,
sampler or engine, a grid with no values or values outside a param's metadata, more trials
than the sampler can produce, a walk-forward window shorter than the strategy's warm-up,
data the store lacks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scalplab.backtests.runner import warmup_bars
from scalplab.backtests.sweeps.engines import check_workers
from scalplab.backtests.sweeps.records import (
    ENGINES,
    OBJECTIVES,
    SAMPLERS,
    SweepRequest,
    check_objective,
)
from scalplab.backtests.sweeps.samplers import trial_count
from scalplab.backtests.sweeps.space import SearchSpace, parse_space
from scalplab.backtests.sweeps.walkforward import WindowPlan, plan_windows
from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.runs import PreparedRun, prepare_run
from scalplab.strategies.registry import Registry, StrategyInfo, get_registry
from scalplab.timeutil import iso_ms

MAX_VERIFY = 1000


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: its plugin, space, windows and the number of tasks it will run."""

    request: SweepRequest
    info: StrategyInfo
    space: SearchSpace
    trials_per_window: int
    windows: list[WindowPlan]
    maximize: bool
    warmup: int

    @property
    def verify_per_window(self) -> int:
        """Screened trials re-run through Backtrader per window (at most)."""
        return min(self.trials_per_window, self.request.verify_top + self.request.verify_sample)

    @property
    def tasks_total(self) -> int:
        """Tasks of the whole sweep, verification and test runs included (at most)."""
        per_window = self.trials_per_window + self.verify_per_window
        tests = sum(1 for plan in self.windows if plan.test is not None)
        return per_window * len(self.windows) + tests


def plan_sweep(
    request: SweepRequest, settings: Settings, registry: Registry | None = None
) -> SweepPlan:
    """The plan of `request`, every input checked (`InputError` naming what is wrong)."""
    check_objective(request.objective)
    if request.sampler not in SAMPLERS:
        raise InputError(f"unknown sampler {request.sampler!r} (one of {', '.join(SAMPLERS)})")
    if request.engine not in ENGINES:
        raise InputError(f"unknown engine {request.engine!r} (one of {', '.join(ENGINES)})")
    check_workers(request.workers)
    for name, value in (
        ("verify_top", request.verify_top),
        ("verify_sample", request.verify_sample),
    ):
        if not 0 <= value <= MAX_VERIFY:
            raise InputError(f"{name} must be between 0 and {MAX_VERIFY}, got {value}")
    registry = registry or get_registry(settings.plugin_dir)
    info = registry.get(request.run.strategy)
    space = parse_space(request.grid, info.params, info.name)
    both = sorted(set(space.names) & set(request.run.params))
    if both:
        raise InputError(f"param {both[0]} is both fixed (--param) and swept (--grid)")
    info.resolve(dict(request.run.params))  # the fixed params are checked like a backtest's
    total = trial_count(space, request.sampler, request.trials)
    full = prepare_run(request.run, settings, registry)  # refuses data the store lacks
    windows = plan_windows(full.start_ms, full.end_ms, request.walk_forward)
    warmup = _largest_warmup(full, space, settings)
    _check_windows(full, windows, warmup)
    return SweepPlan(
        request=request,
        info=info,
        space=space,
        trials_per_window=total,
        windows=windows,
        maximize=OBJECTIVES[request.objective],
        warmup=warmup,
    )


def _largest_warmup(full: PreparedRun, space: SearchSpace, settings: Settings) -> int:
    """The largest warm-up over the space's extreme points (where periods peak)."""
    largest = 0
    for corner in space.corners():
        params = full.info.resolve({**full.request.params, **corner})
        largest = max(largest, warmup_bars(dataclasses.replace(full, params=params), settings))
    return largest


def _check_windows(full: PreparedRun, windows: list[WindowPlan], warmup: int) -> None:
    opens = full.candles["open_time"]
    timeframe = full.request.timeframe
    for plan in windows:
        for label, window in (("train", plan.train), ("test", plan.test)):
            if window is None:
                continue
            bars = int(((opens >= window.start_ms) & (opens < window.end_ms)).sum())
            if bars < warmup:
                what = "range" if plan.test is None else f"walk-forward {label} window {plan.index}"
                raise InputError(
                    f"the {what} {iso_ms(window.start_ms)} → {iso_ms(window.end_ms)} has "
                    f"{bars:,} {timeframe} bars, fewer than the {warmup:,}-bar warm-up "
                    f"{full.info.name} needs at the grid's largest params: use longer windows "
                    "or smaller periods"
                )
