"""Tick rounding on the fast path gives the pipeline's `Decimal` rounding, float for float."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest

from scalplab.backtests.fast.ticks import Grid, GridError, round_levels
from scalplab.orders.decimals import round_to_tick
from tests.conftest import real_klines

TICKS = ("0.1", "0.01", "0.5", "0.25", "1", "10", "0.00001", "5E+1", "0.0000001")


def reference(values: np.ndarray, tick: Decimal) -> np.ndarray:
    return np.array([float(round_to_tick(float(value), tick)) for value in values])


@pytest.mark.parametrize("tick_text", TICKS)
def test_half_ticks_and_their_float_neighbours_round_as_in_decimal(tick_text: str) -> None:
    tick = Decimal(tick_text)
    rng = random.Random(tick_text)
    halves = np.array(
        [
            float(Decimal(rng.randint(1, 10**9)) * tick / 2) * (1 if rng.random() < 0.9 else -1)
            for _ in range(3000)
        ]
    )
    values = np.concatenate(
        [halves, np.nextafter(halves, np.inf), np.nextafter(halves, -np.inf), [0.0]]
    )
    assert np.array_equal(round_levels(values, Grid.of(tick)), reference(values, tick))


@pytest.mark.parametrize("tick_text", TICKS[:4])
def test_real_brackets_round_as_in_decimal(tick_text: str) -> None:
    # Closes ± a percentage, the way strategies place their levels (many exact ties).
    tick = Decimal(tick_text)
    closes = real_klines("BTCUSDT").close.to_numpy()[:3000]
    for pct in (0.1, 0.3, 0.5, 1.0, 2.5):
        distance = closes * pct / 100.0
        for values in (closes - distance, closes + distance * 3.0):
            assert np.array_equal(round_levels(values, Grid.of(tick)), reference(values, tick))


def test_grids() -> None:
    assert Grid.of(Decimal("0.001")) == Grid(Decimal("0.001"), 1, 1000.0)
    assert Grid.of(Decimal("0.25")) == Grid(Decimal("0.25"), 25, 100.0)
    assert Grid.of(Decimal("5E+1")) == Grid(Decimal("5E+1"), 50, 1.0)
    assert Grid.of(Decimal(0)).units == 0
    values = np.array([1.234567, -2.5])
    assert np.array_equal(round_levels(values, Grid.of(Decimal(0))), values)
    with pytest.raises(GridError, match="more than 22 decimal places"):
        Grid.of(Decimal("1E-23"))
