"""Breaker conditions on the account and the signal, beside the entry-counting ones of
`scalplab.strategies.breakers` (which documents the framework; the gate evaluates all of
them in `scalplab.orders.breakers`). Added for the 15m confluence engine's nine breakers
and risk rules (seed 002 §8–§9), usable by any plugin:

- `StopLossCooldown(name, seconds, scope)`: a position of the scope closed by its stop-loss
  (or liquidated) less than `seconds` ago — by bar time, its exit bar's open — holds it.
- `WinStreak(name, wins, scope)`: the last `wins` positions of the scope that closed flat
  all won (P&L after fees and funding > 0) — one outcome per position, its legs summed.
- `DailyLoss(name, pct)`: the account equity at the signal is down `pct` % or more from
  the equity when the signal's UTC day began (realised and unrealised P&L together).
- `OpenPositions(name, limit, scope)`: books of the scope holding a position, an entry
  waiting to fill or an order waiting for confirmation: count ≥ `limit`.
- `PortfolioHeat(name, max_pct, min_free_pct, scope)`: the open risk of the scope's books
  (each position's quantity × its distance from entry to the current stop, never below 0;
  a waiting entry's quantity × the distance from its book's last close to its stop), plus
  the new entry's (its quantity after the scaling breakers declared before this one ×
  |entry − stop|), as % of the equity, exceeds `max_pct`: the entry shrinks to the heat
  left (a size scale), or, when less than `min_free_pct` % is left, meets the effect.
- `Correlated(name, threshold, bars, min_bars, scope)`: the Pearson correlation of the
  signal symbol's hourly close-to-close returns with those of the symbol of an open
  same-side book of the scope, over the last `bars` hours both have (hours completed
  before the signal bar's hour; at least `min_bars` of them), exceeds `threshold`.
- `ExtremeVolatility(name, atr_mult, scope)`: the book's Wilder ATR is more than
  `atr_mult` × the mean of the ATR values before it (the gate's ATR: `atr_period` and
  `atr_average_window` of the risk settings, 14 and 20 by default).
- `UtcHours(name, hours)`: the signal bar opens in one of these UTC hours.
- `ScoreBand(name, low, high)`: the signal's score is within `[low, high)` (a signal
  without a score: never).
- `FeedMove(name, feed, minutes, pct)`: the declared extra feed's close moved more than
  `pct` % either way over the last `minutes` (its latest close against the close
  `minutes / tf` bars before it).
- `ExternalMove(name, provider, metric, minutes, pct, direction)`: an external data
  provider's metric (one the strategy declares in `external_layers`; e.g. the macro
  provider's `spx.close`) moved more than `pct` % over the last `minutes` before the signal
  bar's close — down (`direction="down"`), up (`"up"`) or either way — as its readings in
  force at the close and `minutes` earlier say (`RunReadings.change_pct`: never a reading
  fetched after the close). Without a reading fetched within the window it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, StrategyError
from scalplab.strategies.breaker_effects import (
    BLOCK,
    PAUSE_UNTIL_RESUME,
    Effect,
    PauseUntil,
    Scope,
    check_common,
    check_cooldown,
    fail,
    number,
    positive_problem,
    whole,
)
from scalplab.strategies.feeds import parse_feed

HOURS_PER_DAY = 24
MAX_CORRELATION_BARS = 24 * 90
"""Most hourly returns a correlation may span (90 days)."""


def _whole_problem(field: str, value: object, low: int, high: int) -> str | None:
    if whole(value, low, high):
        return None
    return f"{field} must be a whole number in {low}..{high}, not {value!r}"


def _no_open_pause(breaker: object, effect: Effect) -> None:
    """A condition with no reset time of its own cannot pause 'until it resets'."""
    if isinstance(effect, PauseUntil) and effect.seconds is None:
        raise StrategyError(
            f"breaker {breaker.name!r}: effect PauseUntil needs seconds (this condition "  # type: ignore[attr-defined]
            "has no reset time)"
        )


@dataclass(frozen=True, slots=True)
class StopLossCooldown:
    """A stop-loss exit of the scope less than `seconds` ago holds the breaker."""

    name: str
    seconds: int
    scope: Scope = "symbol"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_cooldown(self, self.seconds)


@dataclass(frozen=True, slots=True)
class WinStreak:
    """The last `wins` closed positions of the scope all won."""

    name: str
    wins: int
    scope: Scope = "strategy"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        fail(self, _whole_problem("wins", self.wins, 1, 1000))
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class DailyLoss:
    """The equity is down `pct` % or more from the start of the UTC day."""

    name: str
    pct: float
    scope: Scope = "global"
    effect: Effect = PAUSE_UNTIL_RESUME

    def __post_init__(self) -> None:
        check_common(self)
        fail(self, positive_problem("pct", self.pct, 100))


@dataclass(frozen=True, slots=True)
class OpenPositions:
    """`limit` busy books of the scope hold the breaker."""

    name: str
    limit: int
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        fail(self, _whole_problem("limit", self.limit, 1, 10_000))
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class PortfolioHeat:
    """Open risk + the entry's risk over `max_pct` % of the equity: shrink, or the effect
    when under `min_free_pct` % is left."""

    name: str
    max_pct: float
    min_free_pct: float = 0.0
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        fail(self, positive_problem("max_pct", self.max_pct, 100))
        if not (number(self.min_free_pct) and 0 <= self.min_free_pct <= self.max_pct):
            fail(self, f"min_free_pct must be a number in 0..max_pct, not {self.min_free_pct!r}")
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class Correlated:
    """An open same-side book of the scope whose symbol correlates above `threshold`."""

    name: str
    threshold: float
    bars: int = 720
    min_bars: int = 24
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        if not (number(self.threshold) and -1 < self.threshold < 1):
            fail(self, f"threshold must be a correlation in (-1, 1), not {self.threshold!r}")
        fail(self, _whole_problem("bars", self.bars, 3, MAX_CORRELATION_BARS))
        fail(self, _whole_problem("min_bars", self.min_bars, 3, self.bars))
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class ExtremeVolatility:
    """ATR over `atr_mult` × its recent mean holds the breaker."""

    name: str
    atr_mult: float
    scope: Scope = "symbol"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        fail(self, positive_problem("atr_mult", self.atr_mult, 1000))
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class UtcHours:
    """The signal bar's UTC hour is one of `hours`."""

    name: str
    hours: tuple[int, ...]
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        hours = self.hours
        if (
            not isinstance(hours, tuple)
            or not hours
            or any(not whole(hour, 0, HOURS_PER_DAY - 1) for hour in hours)
            or len(set(hours)) != len(hours)
        ):
            fail(self, f"hours must be a tuple of distinct hours 0..23, not {hours!r}")
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class ScoreBand:
    """The signal's score is within `[low, high)`."""

    name: str
    low: float
    high: float
    scope: Scope = "strategy"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        if not (number(self.low) and number(self.high) and 0 <= self.low < self.high <= 101):
            fail(
                self,
                f"low and high must be scores with 0 <= low < high <= 101, "
                f"not {self.low!r} and {self.high!r}",
            )
        _no_open_pause(self, self.effect)


@dataclass(frozen=True, slots=True)
class FeedMove:
    """The feed's close moved more than `pct` % either way over the last `minutes`."""

    name: str
    feed: str
    minutes: int
    pct: float
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        try:
            ref = parse_feed(self.feed)
        except InputError as exc:
            raise StrategyError(f"breaker {self.name!r}: {exc.message}") from None
        object.__setattr__(self, "feed", str(ref))
        fail(self, _whole_problem("minutes", self.minutes, 1, 7 * 1440))
        step = timeframe_ms(ref.timeframe)
        if (self.minutes * 60_000) % step:
            fail(self, f"minutes ({self.minutes}) must be a whole number of {ref.timeframe} bars")
        fail(self, positive_problem("pct", self.pct, 1000))
        _no_open_pause(self, self.effect)

    @property
    def bars(self) -> int:
        """How many of the feed's bars back the move is measured."""
        return self.minutes * 60_000 // timeframe_ms(self.feed.rpartition(":")[2])


MoveDirection = Literal["down", "up", "either"]
DIRECTIONS: tuple[MoveDirection, ...] = ("down", "up", "either")


@dataclass(frozen=True, slots=True)
class ExternalMove:
    """The provider's metric moved more than `pct` % (down, up or either way) over the
    last `minutes`."""

    name: str
    provider: str
    metric: str
    minutes: int
    pct: float
    direction: MoveDirection = "either"
    scope: Scope = "global"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        if not (isinstance(self.provider, str) and self.provider.replace("_", "").isalnum()):
            fail(self, f"provider must be a provider name, not {self.provider!r}")
        if not (isinstance(self.metric, str) and self.metric.strip()):
            fail(self, f"metric must name a metric, not {self.metric!r}")
        fail(self, _whole_problem("minutes", self.minutes, 1, 7 * 1440))
        fail(self, positive_problem("pct", self.pct, 1000))
        if self.direction not in DIRECTIONS:
            fail(self, f"direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")
        _no_open_pause(self, self.effect)

    def holds(self, change_pct: float, tolerance: float = 0.0) -> bool:
        """Whether a move of `change_pct` % is over the limit in the watched direction."""
        if self.direction == "down":
            return -change_pct > self.pct + tolerance
        if self.direction == "up":
            return change_pct > self.pct + tolerance
        return abs(change_pct) > self.pct + tolerance


AccountBreaker = (
    StopLossCooldown
    | WinStreak
    | DailyLoss
    | OpenPositions
    | PortfolioHeat
    | Correlated
    | ExtremeVolatility
    | UtcHours
    | ScoreBand
    | FeedMove
    | ExternalMove
)
"""The conditions of this module."""

NEEDS_BOOKS = (OpenPositions, PortfolioHeat, Correlated)
"""Conditions that read the account's open books (the gate builds them only then)."""


__all__ = [
    "NEEDS_BOOKS",
    "AccountBreaker",
    "Correlated",
    "DailyLoss",
    "ExternalMove",
    "ExtremeVolatility",
    "FeedMove",
    "OpenPositions",
    "PortfolioHeat",
    "ScoreBand",
    "StopLossCooldown",
    "UtcHours",
    "WinStreak",
]
