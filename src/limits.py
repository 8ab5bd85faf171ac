"""Numeric bounds shared by every entry point: environment, API, CLI and engine.

A bound that several doors let a value in through lives here once, with its
one message, so `SIM_REPLAY_SPEED`, `PATCH /settings`, `POST /simulation/start`,
`scalplab simulate --speed` and a stored feed all accept exactly the same speeds.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from scalplab.errors import InputError, snippet

MIN_REPLAY_SPEED = 0.1
"""Slowest replay: one bar-minute every 10 minutes (anything slower never visibly advances)."""
MAX_REPLAY_SPEED = 1_000_000.0
"""Fastest paced replay (`max` plays without pacing)."""
REPLAY_SPEED_RULE = "must be a finite number from 0.1 to 1000000 (times real time)"
"""The one message of an out-of-range replay speed."""

MIN_PENDING_TTL_SECONDS = 5
"""Shortest time a confirmation stays open (`PENDING_TTL_SECONDS`, `/settings`)."""
MAX_PENDING_TTL_SECONDS = 86_400
"""Longest time a confirmation stays open: one day."""

MAX_PAGE_OFFSET = 1_000_000
"""Largest `offset` of a paged list (SQLite refuses offsets of 2**63 and more)."""
MAX_PAGE_LIMIT = 1000
"""Largest page of a paged list."""
MAX_SCORE_BINS = 100
"""Most bins of a score histogram (`GET /signals/histogram`): one per score point."""


def replay_speed_ok(value: object) -> bool:
    """True for a real number (not a bool) within `[MIN_REPLAY_SPEED, MAX_REPLAY_SPEED]`."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and MIN_REPLAY_SPEED <= value <= MAX_REPLAY_SPEED
    )


def check_replay_speed(value: object, what: str = "replay speed") -> float:
    """`value` as a float, or `InputError`: "{what} must be a finite number from 0.1 …"."""
    if not replay_speed_ok(value):
        raise InputError(f"{what} {REPLAY_SPEED_RULE}, not {snippet(value)}")
    assert isinstance(value, int | float)
    return float(value)


def clamp_replay_speed(value: float | None) -> float | None:
    """A stored speed brought into range (None, i.e. max, stays None; NaN becomes max)."""
    if value is None or not math.isfinite(value):
        return None
    return min(max(float(value), MIN_REPLAY_SPEED), MAX_REPLAY_SPEED)


def _speed_field(value: float) -> float:
    if not replay_speed_ok(value):
        raise PydanticCustomError("replay_speed", REPLAY_SPEED_RULE)
    return value


ReplaySpeed = Annotated[
    float,
    AfterValidator(_speed_field),
    Field(json_schema_extra={"minimum": MIN_REPLAY_SPEED, "maximum": MAX_REPLAY_SPEED}),
]
"""A pydantic field holding a replay speed (bounds in its JSON schema, the one message)."""


def check_offset(offset: int) -> None:
    """`InputError` unless `0 <= offset <= MAX_PAGE_OFFSET` (a database would overflow)."""
    if not 0 <= offset <= MAX_PAGE_OFFSET:
        raise InputError(f"offset {snippet(offset)} is outside 0..{MAX_PAGE_OFFSET}")


def check_page(limit: int, offset: int) -> None:
    """`InputError` unless `1 <= limit <= MAX_PAGE_LIMIT` and `0 <= offset <= MAX_PAGE_OFFSET`."""
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InputError(f"limit {snippet(limit)} is outside 1..{MAX_PAGE_LIMIT}")
    check_offset(offset)


def check_bins(bins: int) -> None:
    """`InputError` unless `1 <= bins <= MAX_SCORE_BINS`."""
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= MAX_SCORE_BINS:
        raise InputError(f"bins {snippet(bins)} is outside 1..{MAX_SCORE_BINS}")
