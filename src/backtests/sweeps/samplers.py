"""Which parameter sets a sweep tries: every grid point, or Optuna's random or TPE samplers.

Proposals come in fixed-size batches, and each batch gets a sampler seeded from the sweep's
seed and the batch number, with every earlier result told to the study first. So what is
proposed depends only on the seed and the results, never on how many workers ran them, which
engine ran them, or whether the sweep was interrupted and resumed: resuming replays the
stored trials into the study and proposes exactly what an uninterrupted run would have.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState

from scalplab.backtests.sweeps.records import Sampler
from scalplab.backtests.sweeps.space import Axis, ParamValue, SearchSpace
from scalplab.errors import InputError

BATCH = 16
"""Trials proposed at once by random and TPE (fixed: results must not depend on workers)."""
GRID_BATCH = 64
"""Grid points handed out at once."""
TPE_STARTUP = 10
"""Random trials before TPE models the results."""
SEED_RANGE = 2**32
"""Seeds numpy (under Optuna) accepts."""

optuna.logging.set_verbosity(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A trial number and the parameter set it tries."""

    number: int
    params: dict[str, ParamValue]


def trial_count(space: SearchSpace, sampler: Sampler, trials: int | None) -> int:
    """How many trials a window runs; refuses a count the sampler cannot produce."""
    if sampler == "grid":
        if trials is not None and trials != space.size:
            raise InputError(
                f"--trials {trials} with --sampler grid: the grid has {space.size:,} points and "
                "runs them all (use --sampler random or tpe to try fewer)"
            )
        return space.size
    if trials is None:
        raise InputError(f"--sampler {sampler} needs --trials N")
    if trials < 1:
        raise InputError(f"--trials must be at least 1, got {trials}")
    if trials > space.size:
        raise InputError(
            f"--trials {trials:,} is more than the {space.size:,} distinct parameter sets "
            f"the grid holds: --sampler {sampler} cannot produce that many"
        )
    return trials


class Proposer:
    """Proposes the trials of one window, batch by batch, told each result as it comes."""

    def __init__(
        self, space: SearchSpace, sampler: Sampler, total: int, seed: int, maximize: bool
    ) -> None:
        self.space = space
        self.sampler = sampler
        self.total = total
        self.seed = seed
        self._next = 0
        self._batch = 0
        self._grid: Iterator[dict[str, ParamValue]] = space.grid()
        self._distributions = {axis.name: _distribution(axis) for axis in space.axes}
        self._study = optuna.create_study(direction="maximize" if maximize else "minimize")
        self._asked: dict[int, optuna.Trial] = {}

    @property
    def exhausted(self) -> bool:
        """Whether every trial of the window has been proposed."""
        return self._next >= self.total

    def propose(self) -> list[Proposal]:
        """The next batch (empty once exhausted)."""
        size = min(GRID_BATCH if self.sampler == "grid" else BATCH, self.total - self._next)
        if size <= 0:
            return []
        if self.sampler == "grid":
            batch = [Proposal(self._next + i, next(self._grid)) for i in range(size)]
        else:
            self._study.sampler = self._optuna_sampler()
            batch = []
            for i in range(size):
                trial = self._study.ask(self._distributions)
                self._asked[self._next + i] = trial
                batch.append(Proposal(self._next + i, self._snap(trial.params)))
        self._next += size
        self._batch += 1
        return batch

    def tell(self, number: int, value: float | None) -> None:
        """The objective a proposed trial reached (None: failed or could not rank)."""
        trial = self._asked.pop(number, None)
        if trial is None:
            return
        if value is None:
            self._study.tell(trial, state=TrialState.FAIL)
        else:
            self._study.tell(trial, value)

    def _optuna_sampler(self) -> optuna.samplers.BaseSampler:
        seed = (self.seed * 1_000_003 + self._batch) % SEED_RANGE
        if self.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=TPE_STARTUP)

    def _snap(self, params: dict[str, object]) -> dict[str, ParamValue]:
        """Optuna's values mapped onto the axes' own values (floats stepped exactly)."""
        snapped: dict[str, ParamValue] = {}
        for axis in self.space.axes:
            value = params[axis.name]
            if axis.numeric and isinstance(value, int | float):
                snapped[axis.name] = min(axis.values, key=lambda v: abs(float(v) - float(value)))
            else:
                snapped[axis.name] = next(v for v in axis.values if v == value)
        return snapped


def _distribution(axis: Axis) -> BaseDistribution:
    """An ordered distribution for an evenly stepped numeric axis (what TPE can model),
    a categorical one otherwise."""
    numbers = [float(v) for v in axis.values if isinstance(v, int | float)]
    if axis.numeric and len(numbers) >= 2 and _evenly_stepped(axis.values):
        low, high, step = numbers[0], numbers[-1], numbers[1] - numbers[0]
        if low < high and all(isinstance(v, int) for v in axis.values):
            return IntDistribution(int(low), int(high), step=int(step))
        if low < high:
            return FloatDistribution(low, high, step=step)
    return CategoricalDistribution(list(axis.values))


def _evenly_stepped(values: tuple[ParamValue, ...]) -> bool:
    decimals = [Decimal(str(v)) for v in values]
    steps = {b - a for a, b in itertools.pairwise(decimals)}
    return len(steps) == 1 and next(iter(steps)) > 0
