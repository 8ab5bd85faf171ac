"""Position sizing (`risk_position_size`): risk over the stop distance, capped by
leverage and by the symbol's maximum quantity, down to the step.

Every expected number is worked out in the comments.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.orders.sizing import floor_to_step, risk_position_size

STEP = Decimal("0.001")


def test_risk_binds_without_a_max() -> None:
    # min(10000 × 1 % / |100 − 95| = 20, 10000 × 5 / 100 = 500) = 20
    assert risk_position_size(10_000.0, 100.0, 95.0, 1.0, 5.0, STEP) == 20.0
    assert risk_position_size(10_000.0, 100.0, 95.0, 1.0, 5.0, STEP, None) == 20.0


def test_max_qty_caps_before_the_step() -> None:
    # risk 20, leverage 500, max 12.5 → 12.5 (already on the 0.001 step)
    assert risk_position_size(10_000.0, 100.0, 95.0, 1.0, 5.0, STEP, 12.5) == 12.5
    # max 7.9999 is off the step: capped first, then down to the step → 7.999
    assert risk_position_size(10_000.0, 100.0, 95.0, 1.0, 5.0, STEP, 7.9999) == 7.999
    # step 1: a cap of 12.5 → 12
    assert risk_position_size(10_000.0, 100.0, 95.0, 1.0, 5.0, Decimal(1), 12.5) == 12.0


def test_a_max_above_the_risk_size_changes_nothing() -> None:
    # risk 10000 × 1 % / 3 = 33.333.. → 33.333; a max of 1000 does not bind
    assert risk_position_size(10_000.0, 100.0, 97.0, 1.0, 5.0, STEP, 1000.0) == 33.333
    # the leverage cap binds first: 10000 × 1 % / 0.1 = 1000 but 10000 × 5 / 100 = 500
    assert risk_position_size(10_000.0, 100.0, 99.9, 1.0, 5.0, STEP, 600.0) == 500.0
    assert risk_position_size(10_000.0, 100.0, 99.9, 1.0, 5.0, STEP, 400.0) == 400.0


@pytest.mark.parametrize(
    ("equity", "entry", "stop"),
    [(0.0, 100.0, 95.0), (10_000.0, 0.0, 95.0), (10_000.0, 100.0, 100.0)],
)
def test_nothing_to_size(equity: float, entry: float, stop: float) -> None:
    assert risk_position_size(equity, entry, stop, 1.0, 5.0, STEP, 10.0) == 0.0


def test_floor_to_step_tolerates_float_noise() -> None:
    # 0.3 / 0.1 = 2.9999999999999996 in floats: still 3 steps
    assert floor_to_step(0.3, Decimal("0.1")) == 0.3
    assert floor_to_step(0.35, Decimal("0.1")) == 0.3
