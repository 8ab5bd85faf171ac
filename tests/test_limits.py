"""Shared numeric bounds: the replay speed (one constant, one message) and list pages."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from scalplab.errors import InputError
from scalplab.limits import (
    MAX_REPLAY_SPEED,
    MIN_REPLAY_SPEED,
    REPLAY_SPEED_RULE,
    ReplaySpeed,
    check_page,
    check_replay_speed,
    clamp_replay_speed,
    replay_speed_ok,
)

REFUSED_SPEEDS = [5e-324, 0.0, -0.0, 0.09, -60.0, 1_000_000.5, 1e300, float("nan"), float("inf")]


def test_the_speed_bounds() -> None:
    assert (MIN_REPLAY_SPEED, MAX_REPLAY_SPEED) == (0.1, 1_000_000)
    assert all(replay_speed_ok(v) for v in (0.1, 1, 60, 1_000_000))
    assert not any(replay_speed_ok(v) for v in [*REFUSED_SPEEDS, True, "60", None])
    assert check_replay_speed(60) == 60.0 and isinstance(check_replay_speed(60), float)


@pytest.mark.parametrize("speed", REFUSED_SPEEDS)
def test_an_out_of_range_speed_has_the_one_message(speed: float) -> None:
    expected = f"replay speed {REPLAY_SPEED_RULE}, not "
    with pytest.raises(InputError, match="^" + re.escape(expected)):
        check_replay_speed(speed)
    with pytest.raises(InputError, match="^" + re.escape(f"--speed {REPLAY_SPEED_RULE}")):
        check_replay_speed(speed, "--speed")


class _Model(BaseModel):
    speed: ReplaySpeed


def test_the_pydantic_field_has_the_same_message_and_documents_its_bounds() -> None:
    assert _Model(speed=60).speed == 60
    for speed in (5e-324, 2e6):
        with pytest.raises(ValidationError) as info:
            _Model(speed=speed)
        assert info.value.errors()[0]["msg"] == REPLAY_SPEED_RULE
    schema = _Model.model_json_schema()["properties"]["speed"]
    assert (schema["minimum"], schema["maximum"]) == (0.1, 1_000_000)


def test_a_stored_speed_is_brought_into_range() -> None:
    assert clamp_replay_speed(5e-324) == MIN_REPLAY_SPEED
    assert clamp_replay_speed(1e9) == MAX_REPLAY_SPEED
    assert clamp_replay_speed(60.0) == 60.0
    assert clamp_replay_speed(None) is None and clamp_replay_speed(float("nan")) is None


def test_pages() -> None:
    check_page(1, 0)
    check_page(1000, 1_000_000)
    for limit, offset, message in (
        (0, 0, r"limit 0 is outside 1\.\.1000"),
        (1001, 0, r"limit 1001 is outside 1\.\.1000"),
        (1, -1, r"offset -1 is outside 0\.\.1000000"),
        (1, 2**63, r"offset 9223372036854775808 is outside 0\.\.1000000"),
    ):
        with pytest.raises(InputError, match=message):
            check_page(limit, offset)
