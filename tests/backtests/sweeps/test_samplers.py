"""Samplers: every grid point, or Optuna's random and TPE proposals, deterministic by seed."""

from __future__ import annotations

import pytest

from scalplab.backtests.sweeps.samplers import BATCH, Proposer, trial_count
from scalplab.backtests.sweeps.space import Axis, SearchSpace
from scalplab.errors import InputError

SPACE = SearchSpace(
    (
        Axis("fast", tuple(range(5, 55, 5))),
        Axis("stop_pct", (0.5, 1.0, 1.5)),
        Axis("allow_short", (True, False)),
    )
)


def _objective(params: dict) -> float:  # type: ignore[type-arg]
    return (
        -abs(params["fast"] - 30)
        - abs(params["stop_pct"] - 1.0)
        + (1 if params["allow_short"] else 0)
    )


def _run(sampler: str, total: int, seed: int) -> list[tuple[int, dict]]:  # type: ignore[type-arg]
    proposer = Proposer(SPACE, sampler, total, seed, maximize=True)  # type: ignore[arg-type]
    seen = []
    while not proposer.exhausted:
        for proposal in proposer.propose():
            seen.append((proposal.number, proposal.params))
            proposer.tell(proposal.number, _objective(proposal.params))
    return seen


def test_the_grid_proposes_every_point_once_in_order() -> None:
    proposals = _run("grid", SPACE.size, 1)
    assert [n for n, _ in proposals] == list(range(60))
    assert [p for _, p in proposals] == list(SPACE.grid())


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_optuna_samplers_stay_on_the_axes_and_repeat_by_seed(sampler: str) -> None:
    first = _run(sampler, 40, 7)
    assert len(first) == 40
    for _, params in first:
        assert params["fast"] in SPACE.axes[0].values
        assert params["stop_pct"] in SPACE.axes[1].values
        assert params["allow_short"] in SPACE.axes[2].values
    assert _run(sampler, 40, 7) == first  # same seed, same results: same proposals
    assert _run(sampler, 40, 8) != first


def test_tpe_moves_towards_the_better_region() -> None:
    proposals = _run("tpe", 48, 3)
    early = [_objective(p) for _, p in proposals[:BATCH]]
    late = [_objective(p) for _, p in proposals[-BATCH:]]
    assert sum(late) / len(late) > sum(early) / len(early)


def test_trial_counts_the_sampler_can_produce() -> None:
    assert trial_count(SPACE, "grid", None) == 60
    assert trial_count(SPACE, "grid", 60) == 60
    assert trial_count(SPACE, "tpe", 60) == 60
    with pytest.raises(InputError, match="more than the 60 distinct parameter sets"):
        trial_count(SPACE, "random", 61)
    with pytest.raises(InputError, match="the grid has 60 points and runs them all"):
        trial_count(SPACE, "grid", 10)
    with pytest.raises(InputError, match="needs --trials N"):
        trial_count(SPACE, "tpe", None)
    with pytest.raises(InputError, match="at least 1"):
        trial_count(SPACE, "random", 0)


def test_large_seeds_stay_in_numpys_range() -> None:
    proposals = _run("random", 20, 2**31 - 1)
    assert len(proposals) == 20
