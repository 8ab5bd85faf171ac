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

More conditions (on the account and the signal: a stop-loss cooldown, a win streak, the
daily loss, open positions, portfolio heat, correlation, extreme volatility, UTC hours, a
score band, a reference feed's move, an external provider metric's move) are in
`scalplab.strategies.breaker_conditions`, and the effects in
`scalplab.strategies.breaker_effects`; all are importable from here.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scalplab.data.providers.asof import RunReadings
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, StrategyError
from scalplab.strategies.breaker_conditions import (
    NEEDS_BOOKS,
    AccountBreaker,
    Correlated,
    DailyLoss,
    ExternalMove,
    ExtremeVolatility,
    FeedMove,
    OpenPositions,
    PortfolioHeat,
    ScoreBand,
    StopLossCooldown,
    UtcHours,
    WinStreak,
)
from scalplab.strategies.breaker_effects import (
    BLOCK,
    DATENUM_EPOCH,
    DAY_MS,
    EFFECTS,
    MAX_COOLDOWN_SECONDS,
    PLATFORM_NAMES,
    SCOPES,
    WINDOWS,
    BlockScope,
    BlockSignal,
    Effect,
    PauseUntil,
    PauseUntilResume,
    RaiseThreshold,
    ScaleSize,
    Scope,
    Window,
    check_common,
    check_cooldown,
    whole,
)
from scalplab.strategies.feeds import parse_feed, parse_feeds

# ----- breakers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MaxSignals:
    """`limit` entries of the scope within the window hold the breaker."""

    name: str
    limit: int
    window: Window = "utc_day"
    scope: Scope = "strategy"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        if not whole(self.limit, 1, 100_000):
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
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_cooldown(self, self.seconds)


@dataclass(frozen=True, slots=True)
class FeedMissing:
    """More than `max_missing_bars` absent bars of the declared feed hold the breaker."""

    name: str
    feed: str
    max_missing_bars: int = 0
    scope: Scope = "strategy"
    effect: Effect = BLOCK

    def __post_init__(self) -> None:
        check_common(self)
        try:
            ref = parse_feed(self.feed)
        except InputError as exc:
            raise StrategyError(f"breaker {self.name!r}: {exc.message}") from None
        object.__setattr__(self, "feed", str(ref))
        if not whole(self.max_missing_bars, 0, 100_000):
            raise StrategyError(
                f"breaker {self.name!r}: max_missing_bars must be a whole number in 0..100000, "
                f"not {self.max_missing_bars!r}"
            )
        if isinstance(self.effect, PauseUntil) and self.effect.seconds is None:
            raise StrategyError(
                f"breaker {self.name!r}: effect PauseUntil needs seconds (a missing feed has "
                "no reset time)"
            )


Breaker = MaxSignals | Cooldown | FeedMissing | AccountBreaker
"""A declared breaker."""


@dataclass(frozen=True, slots=True)
class FeedLag:
    """How far one watched extra feed is behind the base bar: `missing_bars` of its bars
    that have closed by the base bar's close are absent (None: it has no bar yet)."""

    feed: str
    missing_bars: int | None


@dataclass(frozen=True, slots=True)
class FeedChange:
    """How far one watched extra feed's close moved over `bars` of its bars, in % (None:
    it has not `bars + 1` bars yet)."""

    feed: str
    bars: int
    change_pct: float | None


@dataclass(frozen=True, slots=True)
class ExternalChange:
    """How far an external provider's metric moved over `minutes` before the signal
    bar's close, in % (None: no readings to tell)."""

    provider: str
    metric: str
    minutes: int
    change_pct: float | None


@dataclass(frozen=True, slots=True)
class BreakerInputs:
    """What a strategy hands the gate with a signal: its breakers, its feeds' lags and
    the moves its `FeedMove` and `ExternalMove` breakers watch."""

    breakers: tuple[Breaker, ...]
    feed_lags: tuple[FeedLag, ...] = ()
    feed_moves: tuple[FeedChange, ...] = ()
    external_moves: tuple[ExternalChange, ...] = ()

    def lag(self, feed: str) -> FeedLag | None:
        """The lag of `feed` (None: not watched)."""
        for lag in self.feed_lags:
            if lag.feed == feed:
                return lag
        return None

    def move(self, feed: str, bars: int) -> FeedChange | None:
        """The move of `feed` over `bars` bars (None: not watched)."""
        for move in self.feed_moves:
            if move.feed == feed and move.bars == bars:
                return move
        return None

    def external(self, provider: str, metric: str, minutes: int) -> ExternalChange | None:
        """The move of a provider's metric over `minutes` (None: not watched)."""
        for move in self.external_moves:
            if (move.provider, move.metric, move.minutes) == (provider, metric, minutes):
                return move
        return None

    @property
    def needs_books(self) -> bool:
        """Whether a breaker reads the account's open books (positions, waiting entries)."""
        return any(isinstance(breaker, NEEDS_BOOKS) for breaker in self.breakers)


class BreakerWatch:
    """A running strategy's breakers and the extra feeds its `FeedMissing` and `FeedMove`
    breakers watch, read off Backtrader's data feeds at each signal (`inputs`).

    An extra feed's bar is stamped at the open of the base bar that closes with it
    (`scalplab.strategies.feeds`), so at the base bar opened at `t` the feed misses
    `(t − stamp) // feed_tf` bars, `stamp` being the stamp of its latest bar: 0 when the
    bar that should have closed by the base bar's close is there. A move is the latest
    close against the close `bars` bars before it.
    """

    def __init__(self, breakers: object, feeds: Iterable[object]) -> None:
        self.breakers = check_breakers(breakers, feeds)
        declared = [str(ref) for ref in parse_feeds(feeds)]
        watched: dict[str, tuple[int, int]] = {}
        moves: dict[tuple[str, int], int] = {}
        for breaker in self.breakers:
            if isinstance(breaker, FeedMissing) and breaker.feed not in watched:
                tf = breaker.feed.rpartition(":")[2]
                watched[breaker.feed] = (1 + declared.index(breaker.feed), timeframe_ms(tf))
            if isinstance(breaker, FeedMove):
                moves[(breaker.feed, breaker.bars)] = 1 + declared.index(breaker.feed)
        self.watched = watched
        self.moves = moves
        self.external = tuple(
            dict.fromkeys(
                (breaker.provider, breaker.metric, breaker.minutes)
                for breaker in self.breakers
                if isinstance(breaker, ExternalMove)
            )
        )

    def inputs(
        self, datas: Sequence[Any], base_open_ms: int, readings: RunReadings | None = None
    ) -> BreakerInputs:
        """The breakers, the watched feeds' lags and moves at the base bar opened at
        `base_open_ms`, and the watched provider metrics' moves up to its close (none
        without `readings`)."""
        lags = []
        for feed, (index, step_ms) in self.watched.items():
            data = datas[index]
            if not len(data):
                lags.append(FeedLag(feed, None))
                continue
            stamp = round((data.datetime[0] - DATENUM_EPOCH) * DAY_MS)
            lags.append(FeedLag(feed, max(0, (base_open_ms - stamp) // step_ms)))
        moves = []
        for (feed, bars), index in self.moves.items():
            data = datas[index]
            change = None
            if len(data) > bars:
                before, last = float(data.close[-bars]), float(data.close[0])
                change = (last / before - 1.0) * 100.0 if before > 0 else None
            moves.append(FeedChange(feed, bars, change))
        external = []
        for provider, metric, minutes in self.external:
            change = None
            if readings is not None:
                close = readings.close_ms(base_open_ms)
                change = readings.change_pct(provider, metric, minutes, close)
            external.append(ExternalChange(provider, metric, minutes, change))
        return BreakerInputs(self.breakers, tuple(lags), tuple(moves), tuple(external))


def check_breakers(
    breakers: object, feeds: Iterable[object] = (), providers: Iterable[str] | None = None
) -> tuple[Breaker, ...]:
    """A class's `breakers`, checked: a tuple of breaker specs with distinct names, each
    watched feed declared in `feeds` and (when `providers` is given) each watched provider
    among them (`StrategyError` naming the breaker otherwise)."""
    if not isinstance(breakers, tuple):
        raise StrategyError(f"breakers must be a tuple of breaker specs, not {breakers!r}")
    declared = {str(ref) for ref in parse_feeds(feeds)}
    seen: set[str] = set()
    for breaker in breakers:
        if not isinstance(breaker, Breaker):
            raise StrategyError(
                f"breakers must hold breaker specs (MaxSignals, Cooldown, FeedMissing or a "
                f"condition of scalplab.strategies.breaker_conditions), not {breaker!r}"
            )
        if breaker.name in seen:
            raise StrategyError(f"breaker {breaker.name!r} is declared twice")
        seen.add(breaker.name)
        if isinstance(breaker, FeedMissing | FeedMove) and breaker.feed not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise StrategyError(
                f"breaker {breaker.name!r}: feed {breaker.feed!r} is not one of the strategy's "
                f"feeds (declared: {known})"
            )
        if isinstance(breaker, ExternalMove) and providers is not None:
            named = set(providers)
            if breaker.provider not in named:
                raise StrategyError(
                    f"breaker {breaker.name!r}: provider {breaker.provider!r} is not one the "
                    f"strategy declares in external_layers ({', '.join(sorted(named)) or 'none'})"
                )
    return breakers


def needs_atr(breakers: Iterable[object]) -> bool:
    """Whether a breaker reads the gate's ATR (so a run must track it even with the
    platform's volatility breaker off)."""
    return any(isinstance(breaker, ExtremeVolatility) for breaker in breakers)


__all__ = [
    "EFFECTS",
    "MAX_COOLDOWN_SECONDS",
    "PLATFORM_NAMES",
    "SCOPES",
    "WINDOWS",
    "BlockScope",
    "BlockSignal",
    "Breaker",
    "BreakerInputs",
    "BreakerWatch",
    "Cooldown",
    "Correlated",
    "DailyLoss",
    "Effect",
    "ExternalChange",
    "ExternalMove",
    "ExtremeVolatility",
    "FeedChange",
    "FeedLag",
    "FeedMissing",
    "FeedMove",
    "MaxSignals",
    "OpenPositions",
    "PauseUntil",
    "PauseUntilResume",
    "PortfolioHeat",
    "RaiseThreshold",
    "ScaleSize",
    "Scope",
    "ScoreBand",
    "StopLossCooldown",
    "UtcHours",
    "WinStreak",
    "Window",
    "check_breakers",
    "check_common",
    "needs_atr",
]
