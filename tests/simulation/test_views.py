"""`FeedSpec`: a replay feed's speed and range are checked where the feed is made."""

from __future__ import annotations

import re

import pytest

from scalplab.errors import InputError
from scalplab.limits import REPLAY_SPEED_RULE
from scalplab.simulation.views import FeedSpec


def test_a_feed_speed_out_of_bounds_is_refused() -> None:
    for speed in (5e-324, 0.0, -1.0, 0.05, 2e6, float("nan"), float("inf")):
        with pytest.raises(InputError, match="^" + re.escape(f"replay speed {REPLAY_SPEED_RULE}")):
            FeedSpec(speed=speed)
    assert FeedSpec(speed=0.1).speed == 0.1
    assert FeedSpec(speed=None).speed is None  # max


def test_a_stored_feed_loads_with_its_speed_brought_into_range() -> None:
    """A run persisted before the bound existed must not stop the engine from loading."""
    stored = {"kind": "replay", "speed": 5e-324, "start_ms": 0, "end_ms": 60_000}
    assert FeedSpec.from_dict(stored) == FeedSpec(speed=0.1, start_ms=0, end_ms=60_000)
    assert FeedSpec.from_dict({"speed": None}).speed is None
    assert FeedSpec.from_dict(FeedSpec(speed=60).to_dict()) == FeedSpec(speed=60)


def test_a_feed_range_must_not_be_empty() -> None:
    with pytest.raises(InputError, match="must be before end"):
        FeedSpec(start_ms=60_000, end_ms=60_000)
    with pytest.raises(InputError, match="feed 'paper' does not exist"):
        FeedSpec(kind="paper")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="candles must be at least 1"):
        FeedSpec(kind="live", candles=0)
