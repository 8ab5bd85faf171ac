"""The vocabulary of strategy-declared circuit breakers: scopes, windows, effects and the
checks every breaker spec shares (`scalplab.strategies.breakers` has the conditions and
documents them all; this module only keeps that one under 500 lines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, get_args

from scalplab.errors import StrategyError

Scope = Literal["global", "strategy", "symbol"]
Window = Literal["utc_day", "rolling_hour"]
SCOPES: tuple[str, ...] = get_args(Scope)
WINDOWS: tuple[str, ...] = get_args(Window)

PLATFORM_NAMES = frozenset(
    {
        "min_rr",
        "max_open_positions",
        "daily_loss_limit",
        "loss_streak",
        "overtrading",
        "spread",
        "extreme_volatility",
        "halted",
    }
)
"""Names of the platform's own breakers (and the kill switch): a strategy's breaker
cannot take one."""

MAX_SECONDS = 7 * 86_400
"""Longest duration an effect may hold (a week)."""
MAX_COOLDOWN_SECONDS = 86_400
"""Longest cooldown (a day: the gate remembers two days of entries)."""
DATENUM_EPOCH = 719_163.0
"""Backtrader's date number of 1970-01-01 (its clock counts days from year 1)."""
DAY_MS = 86_400_000
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def seconds_problem(field: str, value: object, high: int = MAX_SECONDS) -> str | None:
    if whole(value, 1, high):
        return None
    return f"{field} must be a whole number of seconds in 1..{high}, not {value!r}"


# ----- effects ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockSignal:
    """Block the signal that meets the condition."""

    kind: ClassVar[str] = "block_signal"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        return None


@dataclass(frozen=True, slots=True)
class BlockScope:
    """Block the breaker's scope for `seconds` from the trip."""

    seconds: int
    kind: ClassVar[str] = "block_scope"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        return seconds_problem("effect seconds", self.seconds)


@dataclass(frozen=True, slots=True)
class PauseUntilResume:
    """Stop every new entry until a person resumes trading (the kill switch)."""

    kind: ClassVar[str] = "pause"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        return None


@dataclass(frozen=True, slots=True)
class PauseUntil:
    """Stop every new entry for `seconds` from the trip, or until the condition resets."""

    seconds: int | None = None
    kind: ClassVar[str] = "pause_until"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        return None if self.seconds is None else seconds_problem("effect seconds", self.seconds)


@dataclass(frozen=True, slots=True)
class ScaleSize:
    """Multiply the sized quantity by `factor` (0 < factor ≤ 1)."""

    factor: float
    kind: ClassVar[str] = "scale_size"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        if number(self.factor) and 0 < self.factor <= 1:
            return None
        return f"effect factor must be within (0, 1], not {self.factor!r}"


@dataclass(frozen=True, slots=True)
class RaiseThreshold:
    """Block a signal whose score is under `threshold + by` (no score: not affected)."""

    threshold: float
    by: float
    kind: ClassVar[str] = "raise_threshold"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        if not (number(self.threshold) and 0 <= self.threshold <= 100):
            return f"effect threshold must be a score within 0..100, not {self.threshold!r}"
        if not (number(self.by) and 0 < self.by <= 100):
            return f"effect by must be within (0, 100], not {self.by!r}"
        return None

    @property
    def required(self) -> float:
        """The score a signal needs while the breaker holds."""
        return float(self.threshold + self.by)


Effect = BlockSignal | BlockScope | PauseUntilResume | PauseUntil | ScaleSize | RaiseThreshold
BLOCK = BlockSignal()
"""The default effect of a breaker: block the signal."""
PAUSE_UNTIL_RESUME = PauseUntilResume()
"""Every new entry stops until a person resumes trading."""

EFFECTS: tuple[str, ...] = (
    BlockSignal.kind,
    BlockScope.kind,
    PauseUntilResume.kind,
    PauseUntil.kind,
    ScaleSize.kind,
    RaiseThreshold.kind,
)
"""Effect kinds, as recorded in risk events."""


class BreakerSpec(Protocol):
    """What every breaker spec has: a name, a scope and an effect."""

    @property
    def name(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def effect(self) -> Effect: ...


def check_common(breaker: BreakerSpec) -> None:
    """The name, scope and effect of a breaker spec (`StrategyError` naming the field)."""
    name = breaker.name
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise StrategyError(
            f"breaker name {name!r} must match {NAME_PATTERN.pattern} "
            "(lower case, at most 32 chars)"
        )
    if name in PLATFORM_NAMES:
        raise StrategyError(f"breaker {name!r}: name is taken by a platform breaker")
    if breaker.scope not in SCOPES:
        raise StrategyError(
            f"breaker {name!r}: scope must be one of {', '.join(SCOPES)}, not {breaker.scope!r}"
        )
    effect = breaker.effect
    if not isinstance(effect, Effect):
        raise StrategyError(
            f"breaker {name!r}: effect must be one of BlockSignal, BlockScope, "
            f"PauseUntilResume, PauseUntil, ScaleSize, RaiseThreshold, not {effect!r}"
        )
    problem = effect.problem()
    if problem is not None:
        raise StrategyError(f"breaker {name!r}: {problem}")


def fail(breaker: BreakerSpec, problem: str | None) -> None:
    """Raise `StrategyError` naming the breaker when there is a `problem`."""
    if problem is not None:
        raise StrategyError(f"breaker {breaker.name!r}: {problem}")


def check_cooldown(breaker: BreakerSpec, seconds: object) -> None:
    """A cooldown breaker's common fields and its `seconds` (1..MAX_COOLDOWN_SECONDS)."""
    check_common(breaker)
    fail(breaker, seconds_problem("seconds", seconds, MAX_COOLDOWN_SECONDS))


def positive_problem(field: str, value: object, high: float) -> str | None:
    """None when `value` is a finite number in (0, high]; else what is wrong."""
    if number(value) and 0 < float(value) <= high:  # type: ignore[arg-type]
        return None
    return f"{field} must be a number in (0, {high:g}], not {value!r}"


__all__ = [
    "BLOCK",
    "DATENUM_EPOCH",
    "DAY_MS",
    "EFFECTS",
    "MAX_COOLDOWN_SECONDS",
    "MAX_SECONDS",
    "PAUSE_UNTIL_RESUME",
    "PLATFORM_NAMES",
    "SCOPES",
    "WINDOWS",
    "BlockScope",
    "BlockSignal",
    "BreakerSpec",
    "Effect",
    "PauseUntil",
    "PauseUntilResume",
    "RaiseThreshold",
    "ScaleSize",
    "Scope",
    "Window",
    "check_common",
    "check_cooldown",
    "fail",
    "number",
    "positive_problem",
    "seconds_problem",
    "whole",
]
