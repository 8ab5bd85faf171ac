"""The runtime settings patch: strict types, finite numbers, the shared bounds, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scalplab.errors import InputError
from scalplab.limits import REPLAY_SPEED_RULE
from scalplab.simulation.settings_store import apply_patch, defaults
from tests.conftest import make_settings


@pytest.fixture
def current(tmp_path: Path) -> Any:
    return defaults(make_settings(tmp_path))


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"confirm_orders": "yes"}, "confirm_orders: Input should be a valid boolean"),
        ({"confirm_orders": 0}, "confirm_orders: Input should be a valid boolean"),
        ({"pending_ttl_seconds": "60"}, "pending_ttl_seconds: Input should be a valid integer"),
        ({"pending_ttl_seconds": 4}, "pending_ttl_seconds: Input should be greater than or equal"),
        ({"replay_speed": "60"}, "replay_speed: Input should be a valid number"),
        ({"replay_speed": float("nan")}, "replay_speed: must be a finite number"),
        ({"replay_speed": float("inf")}, "replay_speed: must be a finite number"),
        ({"replay_speed": 5e-324}, f"replay_speed: {REPLAY_SPEED_RULE}"),
        ({"replay_speed": 2_000_000}, f"replay_speed: {REPLAY_SPEED_RULE}"),
        ({"risk": {"min_rr": float("nan")}}, "min_rr: must be a finite number"),
        ({"risk": {"spread_enabled": "yes"}}, "spread_enabled: Input should be a valid boolean"),
        ({"risk": {"max_open_positions": -1}}, "max_open_positions: Input should be greater"),
    ],
)
def test_a_bad_patch_names_the_field_and_applies_nothing(
    current: Any, patch: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_patch(current, {"confirm_orders": True, **patch})


def test_a_good_patch_applies_every_field(current: Any) -> None:
    changed = apply_patch(
        current,
        {"confirm_orders": True, "pending_ttl_seconds": 5, "replay_speed": 0.1,
         "risk": {"min_rr": 0, "spread_enabled": False}},
    )  # fmt: skip
    assert (changed.confirm_orders, changed.pending_ttl_seconds) == (True, 5)
    assert changed.replay_speed == 0.1 and isinstance(changed.replay_speed, float)
    assert (changed.risk.min_rr, changed.risk.spread_enabled) == (0, False)
    assert apply_patch(current, {"replay_speed": 1_000_000}).replay_speed == 1_000_000
