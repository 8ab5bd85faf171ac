"""Circuit breakers a strategy declares: typed, frozen specs the risk gate evaluates.

A plugin lists them on its class, `breakers = (MaxSignals("daily", 8), ...)`; the order
pipeline's risk gate (`scalplab.orders.breakers`) evaluates them on every signal of
that strategy, on the run's own clock (bar time), in backtests and paper trading alike.
They live here, beside the plugin base, so a strategy can declare them without
importing the order layer.

A breaker is a condition, a scope and an effect.

Conditions (on the strategy's signals that reach the gate; "entries" are accepted
signals and entry orders, counted where they were accepted):
- `MaxSignals(name, limit, window, scope)`: `limit` entries of the scope within the
  window hold it (`window`: `utc_day` = since 00:00 UTC of the signal's day,
  `rolling_hour` = the hour `(now − 1 h, now]`), so the next signal meets the effect.
- `Cooldown(name, seconds, scope)`: an entry of the scope less than `seconds` ago holds
  it (a signal exactly `seconds` after the entry passes: on the bar clock a cooldown of
  one bar or less never binds, e.g. SGNL's 60 s on 1m bars).
- `FeedMissing(name, feed, max_missing_bars)`: the declared extra feed `feed` holds it
  when more than `max_missing_bars` of its bars that have closed by the base bar's
  close are absent (`0`: the latest one must be there). In a backtest that is a hole
  in the reference data; live, a bar that never arrived.

Scopes: `global` (every book of the gate), `strategy` (every symbol of the declaring
strategy), `symbol` (every book on the signal's symbol). A condition counts the scope's
entries; a lasting effect blocks the scope.

Effects:
- `BlockSignal()`: the signal is blocked; nothing is remembered (it passes again once
  the condition no longer holds).
- `BlockScope(seconds)`: the scope is blocked for `seconds` from the trip.
- `PauseUntilResume()`: every new entry stops until a person resumes trading (the kill
  switch: `/trading/resume`, Telegram `/resume`; in a backtest, to the end of the run).
- `PauseUntil(seconds=None)`: every new entry stops for `seconds` from the trip, or
  (None) until the condition resets (the window's reset, the cooldown's end).
- `ScaleSize(factor)`: the sized quantity is multiplied by `factor` (0 < factor ≤ 1),
  rounded down to the step and checked for the minimum quantity and notional again.
- `RaiseThreshold(threshold, by)`: a signal whose `score` is under `threshold + by` is
  blocked; a signal without a score is not affected.

With each signal the base class hands the gate the strategy's breakers and the lags of
the feeds they watch (`BreakerWatch` → `BreakerInputs`). Specs check their fields when
they are built (a plugin module that builds a bad one
fails to load) and the registry checks a class's whole tuple (`check_breakers`): each
problem is one `StrategyError` line naming the breaker and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, StrategyError
from scalplab.strategies.feeds import parse_feed, parse_feeds

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
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seconds_problem(field: str, value: object, high: int = MAX_SECONDS) -> str | None:
    if _whole(value, 1, high):
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
        return _seconds_problem("effect seconds", self.seconds)


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
        return None if self.seconds is None else _seconds_problem("effect seconds", self.seconds)


@dataclass(frozen=True, slots=True)
class ScaleSize:
    """Multiply the sized quantity by `factor` (0 < factor ≤ 1)."""

    factor: float
    kind: ClassVar[str] = "scale_size"

    def problem(self) -> str | None:
        """What is wrong with the fields (None: nothing)."""
        if _number(self.factor) and 0 < self.factor <= 1:
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
        if not (_number(self.threshold) and 0 <= self.threshold <= 100):
            return f"effect threshold must be a score within 0..100, not {self.threshold!r}"
        if not (_number(self.by) and 0 < self.by <= 100):
            return f"effect by must be within (0, 100], not {self.by!r}"
        return None

    @property
    def required(self) -> float:
        """The score a signal needs while the breaker holds."""
        return float(self.threshold + self.by)


Effect = BlockSignal | BlockScope | PauseUntilResume | PauseUntil | ScaleSize | RaiseThreshold
EFFECTS: tuple[str, ...] = (
    BlockSignal.kind,
    BlockScope.kind,
    PauseUntilResume.kind,
    PauseUntil.kind,
    ScaleSize.kind,
    RaiseThreshold.kind,
)
"""Effect kinds, as recorded in risk events."""


# ----- breakers ----------------------------------------------------------------------------------


def _check_common(breaker: MaxSignals | Cooldown | FeedMissing) -> None:
    name = breaker.name
    if not isinstance(name, str) or not _NAME.match(name):
        raise StrategyError(
            f"breaker name {name!r} must match {_NAME.pattern} (lower case, at most 32 chars)"
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


@dataclass(frozen=True, slots=True)
class MaxSignals:
    """`limit` entries of the scope within the window hold the breaker."""

    name: str
    limit: int
    window: Window = "utc_day"
    scope: Scope = "strategy"
    effect: Effect = BlockSignal()

    def __post_init__(self) -> None:
        _check_common(self)
        if not _whole(self.limit, 1, 100_000):
            raise StrategyError(
                f"breaker {self.name!r}: limit must be a whole number in 1..100000, "
                f"not {self.limit!r}"
            )
        if self.window not in WINDOWS:
            raise StrategyError(
                f"breaker {self.name!r}: window must be one of {', '.join(WINDOWS)}, "
                f"not {self.window!r}"
            )


@dataclass(frozen=True, slots=True)
class Cooldown:
    """An entry of the scope less than `seconds` ago holds the breaker."""

    name: str
    seconds: int
    scope: Scope = "symbol"
    effect: Effect = BlockSignal()

    def __post_init__(self) -> None:
        _check_common(self)
        problem = _seconds_problem("seconds", self.seconds, MAX_COOLDOWN_SECONDS)
        if problem is not None:
            raise StrategyError(f"breaker {self.name!r}: {problem}")


@dataclass(frozen=True, slots=True)
class FeedMissing:
    """More than `max_missing_bars` absent bars of the declared feed hold the breaker."""

    name: str
    feed: str
    max_missing_bars: int = 0
    scope: Scope = "strategy"
    effect: Effect = BlockSignal()

    def __post_init__(self) -> None:
        _check_common(self)
        try:
            ref = parse_feed(self.feed)
        except InputError as exc:
            raise StrategyError(f"breaker {self.name!r}: {exc.message}") from None
        object.__setattr__(self, "feed", str(ref))
        if not _whole(self.max_missing_bars, 0, 100_000):
            raise StrategyError(
                f"breaker {self.name!r}: max_missing_bars must be a whole number in 0..100000, "
                f"not {self.max_missing_bars!r}"
            )
        if isinstance(self.effect, PauseUntil) and self.effect.seconds is None:
            raise StrategyError(
                f"breaker {self.name!r}: effect PauseUntil needs seconds (a missing feed has "
                "no reset time)"
            )


Breaker = MaxSignals | Cooldown | FeedMissing
"""A declared breaker."""


@dataclass(frozen=True, slots=True)
class FeedLag:
    """How far one watched extra feed is behind the base bar: `missing_bars` of its bars
    that have closed by the base bar's close are absent (None: it has no bar yet)."""

    feed: str
    missing_bars: int | None


@dataclass(frozen=True, slots=True)
class BreakerInputs:
    """What a strategy hands the gate with a signal: its breakers and its feeds' lags."""

    breakers: tuple[Breaker, ...]
    feed_lags: tuple[FeedLag, ...] = ()

    def lag(self, feed: str) -> FeedLag | None:
        """The lag of `feed` (None: not watched)."""
        for lag in self.feed_lags:
            if lag.feed == feed:
                return lag
        return None


class BreakerWatch:
    """A running strategy's breakers and the extra feeds its `FeedMissing` breakers watch,
    read off Backtrader's data feeds at each signal (`inputs`).

    An extra feed's bar is stamped at the open of the base bar that closes with it
    (`scalplab.strategies.feeds`), so at the base bar opened at `t` the feed misses
    `(t − stamp) // feed_tf` bars, `stamp` being the stamp of its latest bar: 0 when the
    bar that should have closed by the base bar's close is there.
    """

    def __init__(self, breakers: object, feeds: Iterable[object]) -> None:
        self.breakers = check_breakers(breakers, feeds)
        declared = [str(ref) for ref in parse_feeds(feeds)]
        watched: dict[str, tuple[int, int]] = {}
        for breaker in self.breakers:
            if isinstance(breaker, FeedMissing) and breaker.feed not in watched:
                tf = breaker.feed.rpartition(":")[2]
                watched[breaker.feed] = (1 + declared.index(breaker.feed), timeframe_ms(tf))
        self.watched = watched

    def inputs(self, datas: Sequence[Any], base_open_ms: int) -> BreakerInputs:
        """The breakers and the watched feeds' lags at the base bar opened at `base_open_ms`."""
        lags = []
        for feed, (index, step_ms) in self.watched.items():
            data = datas[index]
            if not len(data):
                lags.append(FeedLag(feed, None))
                continue
            stamp = round((data.datetime[0] - DATENUM_EPOCH) * DAY_MS)
            lags.append(FeedLag(feed, max(0, (base_open_ms - stamp) // step_ms)))
        return BreakerInputs(self.breakers, tuple(lags))


def check_breakers(breakers: object, feeds: Iterable[object] = ()) -> tuple[Breaker, ...]:
    """A class's `breakers`, checked: a tuple of breaker specs with distinct names, each
    watched feed declared in `feeds` (`StrategyError` naming the breaker otherwise)."""
    if not isinstance(breakers, tuple):
        raise StrategyError(f"breakers must be a tuple of breaker specs, not {breakers!r}")
    declared = {str(ref) for ref in parse_feeds(feeds)}
    seen: set[str] = set()
    for breaker in breakers:
        if not isinstance(breaker, Breaker):
            raise StrategyError(
                f"breakers must hold MaxSignals, Cooldown or FeedMissing specs, not {breaker!r}"
            )
        if breaker.name in seen:
            raise StrategyError(f"breaker {breaker.name!r} is declared twice")
        seen.add(breaker.name)
        if isinstance(breaker, FeedMissing) and breaker.feed not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise StrategyError(
                f"breaker {breaker.name!r}: feed {breaker.feed!r} is not one of the strategy's "
                f"feeds (declared: {known})"
            )
    return breakers


__all__ = [
    "EFFECTS",
    "PLATFORM_NAMES",
    "SCOPES",
    "WINDOWS",
    "BlockScope",
    "BlockSignal",
    "Breaker",
    "BreakerInputs",
    "BreakerWatch",
    "Cooldown",
    "Effect",
    "FeedLag",
    "FeedMissing",
    "MaxSignals",
    "PauseUntil",
    "PauseUntilResume",
    "RaiseThreshold",
    "ScaleSize",
    "Scope",
    "Window",
    "check_breakers",
]
