"""The sweep's parameter space: axes parsed from `--grid` and checked against plugin metadata."""

from __future__ import annotations

import pytest

from scalplab.backtests.sweeps.space import Axis, SearchSpace, parse_space
from scalplab.errors import InputError
from scalplab.strategies.registry import get_registry


@pytest.fixture(scope="module")
def sma_specs():  # type: ignore[no-untyped-def]
    return get_registry().get("sma_cross").params


def test_a_range_includes_both_ends_and_steps_exactly(sma_specs) -> None:  # type: ignore[no-untyped-def]
    space = parse_space(["fast=5:50:5", "stop_pct=0.1:0.3:0.1"], sma_specs, "sma_cross")
    assert space.axes[0] == Axis("fast", (5, 10, 15, 20, 25, 30, 35, 40, 45, 50))
    assert space.axes[1].values == (0.1, 0.2, 0.3)  # Decimal steps: no 0.30000000000000004
    assert space.size == 30
    assert space.names == ("fast", "stop_pct")


def test_lists_and_booleans(sma_specs) -> None:  # type: ignore[no-untyped-def]
    space = parse_space(["slow=30,60,90,60", "allow_short=true,false"], sma_specs, "sma_cross")
    assert space.axes[0].values == (30, 60, 90)  # a repeated value is tried once
    assert space.axes[1].values == (True, False)
    assert not space.axes[1].numeric
    points = list(space.grid())
    assert len(points) == 6
    assert points[0] == {"slow": 30, "allow_short": True}
    assert points[1] == {"slow": 30, "allow_short": False}  # the last axis varies fastest


def test_corners_are_the_extreme_points(sma_specs) -> None:  # type: ignore[no-untyped-def]
    space = parse_space(["fast=5:50:5", "slow=100,200"], sma_specs, "sma_cross")
    assert space.corners() == [
        {"fast": 5, "slow": 100},
        {"fast": 5, "slow": 200},
        {"fast": 50, "slow": 100},
        {"fast": 50, "slow": 200},
    ]
    assert SearchSpace(space.axes).to_texts() == [
        "fast=5,10,15,20,25,30,35,40,45,50",
        "slow=100,200",
    ]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ([], "at least one --grid"),
        (["fast"], "must look like NAME="),
        (["fast="], "fast has no values"),
        (["fast=50:5:5"], "has no values (STOP is below START)"),
        (["fast=5:50:0"], "STEP must be positive"),
        (["fast=5:50"], "must be START:STOP:STEP"),
        (["fast=a:b:c"], "must be numbers"),
        (["fast=1:600:50"], "above its maximum 500"),
        (["fast=0,5"], "below its minimum 1"),
        (["fast=5.5,6"], "expects int"),
        (["fast=1:10:0.5"], "is an integer param"),
        (["nope=1,2"], "has no param 'nope'"),
        (["fast=5,6", "fast=7"], "given twice"),
        (["allow_short=0:1:1"], "is a bool param"),
        (["fast=5,,6"], "empty value"),
        (["stop_pct=0.01:50:0.0001"], "more than 10,000"),
    ],
)
def test_bad_grids_are_refused_in_one_line(sma_specs, grid: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=None) as error:
        parse_space(grid, sma_specs, "sma_cross")
    assert message in error.value.message
    assert "\n" not in error.value.message
