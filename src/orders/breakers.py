"""The strategy-declared circuit breakers on the risk gate: their verdicts.

A strategy declares breakers (`scalplab.strategies.breakers`); each of its signals brings
them to the gate (`RiskContext.declared`), which asks `StrategyBreakers.check` after the
platform's own breakers have let the signal through. On the bar clock (`now_ms`: the
signal bar's open time, in every mode):

1. the pause a breaker left until a person resumes trading blocks every entry;
2. each trip in force (a scope blocked, or every entry paused, until a time) blocks
   the entries of its scope — a person's orders too;
3. the signal's breakers, in declaration order: the first whose condition holds and
   whose effect blocks decides (its trip, when the effect lasts, is remembered);
   `ScaleSize` breakers whose condition holds multiply into the verdict's `SizeScale`;
   `RaiseThreshold` blocks only a signal with a score under the raised threshold; a
   `PortfolioHeat` breaker over its cap shrinks the entry to the heat left (a scale too)
   or, with too little left, meets its effect. The account-level conditions
   (`scalplab.strategies.breaker_conditions`) are evaluated by
   `scalplab.orders.breaker_conditions`.

Entries (accepted signals and entry orders) are counted per book; a scope's count is
the sum over the books it covers. A condition is evaluated only for a strategy's
signal, never for a person's order. Every block says, in its reason and its verdict,
the scope it acted on, its effect and until when it holds.

A block's reason is also said as a code and the numbers it quotes (`RiskDecision.code`,
`params`): the parts of the text joined by `+` — an optional hold (`held_paused`,
`held_paused_until`, `held_blocked`), the condition's code (`sb_max_signals_day`, …, see
`scalplab.orders.breaker_conditions`) and the effect's (`signal_blocked`,
`paused_until_resumed`, `scope_blocked_h`, …) — and their params in one dict; a scope is
a param holding its key (`of`: whose records were counted, `blocked`: what is blocked).
A hold's time left is said both as text (`left`: `9m00s`) and in seconds (`left_s`). An
entry one scaling breaker shrank says its note as `scaled_by+<condition>+size_times`
(`{breaker, factor}` beside the condition's params; `sb_heat_shrunk` when the heat left
shrank it); the note of several has no code.
"""

from __future__ import annotations

from scalplab.orders.breaker_conditions import Hold, Shrink, counted, evaluate
from scalplab.orders.breaker_state import (
    BreakerMemory,
    Entry,
    Trip,
    covers,
    scope_key,
    scope_words,
)
from scalplab.orders.risk_records import (
    DAY_MS,
    GLOBAL,
    HOUR_MS,
    PAUSE,
    PAUSE_UNTIL,
    TOLERANCE,
    ReasonParams,
    RiskContext,
    RiskDecision,
    SizeScale,
    allow,
    block,
    day_start_ms,
    time_left,
)
from scalplab.strategies.breaker_conditions import AccountBreaker
from scalplab.strategies.breakers import (
    BlockScope,
    BlockSignal,
    Breaker,
    Cooldown,
    FeedMissing,
    MaxSignals,
    PauseUntil,
    PauseUntilResume,
    RaiseThreshold,
    ScaleSize,
)
from scalplab.timeutil import iso_ms


def _duration(ms: int) -> tuple[str, int, str]:
    """`1 h` and its number and unit (`h`, `min`, `s`)."""
    seconds = ms // 1000
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h", seconds // 3600, "h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min", seconds // 60, "min"
    return f"{seconds} s", seconds, "s"


def _coded(
    hold: Hold | Trip, effect: str, params: ReasonParams | None = None, held: bool = False
) -> tuple[str | None, ReasonParams]:
    """A block's code and params: the hold's (a trip's) code, then the effect's (`held`:
    the effect's first, it says why the hold's reason still applies)."""
    if hold.code is None:
        return None, {}
    code = f"{effect}+{hold.code}" if held else f"{hold.code}+{effect}"
    return code, {**hold.params, **(params or {})}


def _scaled(name: str, found: Hold | Shrink, factor: float) -> tuple[str, ReasonParams]:
    """A scaling breaker's note (`NAME: reason; size × factor`) as a code and params."""
    return f"scaled_by+{found.code}+size_times", {**found.params, "breaker": name, "factor": factor}


class StrategyBreakers:
    """The strategy breakers of one gate: memory in `memory`, verdicts from `check`."""

    def __init__(self) -> None:
        self.memory = BreakerMemory()

    # ----- what the gate is told ------------------------------------------------------

    def record_entry(self, now_ms: int, symbol: str, strategy: str) -> None:
        """Count an accepted entry of the book of `strategy` on `symbol`."""
        self.memory.add_entry(Entry(now_ms, strategy, symbol))

    def record_close(
        self, exit_ms: int, symbol: str, strategy: str, pnl: float, reason: str, flat: bool
    ) -> None:
        """A closing fill of the book of `strategy` on `symbol` (`flat`: the position is
        closed; `reason` its exit reason)."""
        self.memory.closed.record(exit_ms, symbol, strategy, pnl, reason, flat)

    def record_bar(self, symbol: str, open_ms: int, close: float) -> None:
        """A bar of `symbol` closed (the hourly closes of the correlation condition)."""
        self.memory.closes.update(symbol, open_ms, close)

    @property
    def paused(self) -> Trip | None:
        """The pause a breaker left until a person resumes trading (None: none)."""
        return self.memory.pause

    def resume(self) -> Trip | None:
        """A person resumed trading: the pause is released (the one it was, if any)."""
        pause, self.memory.pause = self.memory.pause, None
        return pause

    def in_force(self, now_ms: int) -> list[Trip]:
        """The pause and the trips holding at `now_ms` (whichever book they cover)."""
        held = [] if self.memory.pause is None else [self.memory.pause]
        return held + [
            trip
            for trip in self.memory.trips
            if trip.until_ms is not None and trip.since_ms <= now_ms < trip.until_ms
        ]

    # ----- the verdict ----------------------------------------------------------------

    def check(self, ctx: RiskContext, day_start_equity: float | None = None) -> RiskDecision:
        """The pause, the trips in force, then the signal's own breakers (see the module);
        `day_start_equity` is the account's equity when the UTC day began."""
        self.memory.seen(ctx.now_ms)
        held = self._held(ctx)
        if held is not None:
            return held
        declared = ctx.declared
        if declared is None:
            return allow()
        factor = 1.0
        scaled: list[str] = []
        notes: list[str] = []
        coded: list[tuple[str, ReasonParams]] = []
        for breaker in declared.breakers:
            if isinstance(breaker, AccountBreaker):
                found = evaluate(breaker, ctx, self.memory, day_start_equity, factor)
            else:
                found = self._condition(breaker, ctx)
            if found is None:
                continue
            if isinstance(found, Shrink):
                factor *= found.factor
                scaled.append(breaker.name)
                notes.append(f"{breaker.name}: {found.reason}; size × {found.factor:.4g}")
                coded.append(_scaled(breaker.name, found, float(f"{found.factor:.4g}")))
                continue
            hold = found
            effect = breaker.effect
            if isinstance(effect, ScaleSize):
                factor *= effect.factor
                scaled.append(breaker.name)
                notes.append(f"{breaker.name}: {hold.reason}; size × {effect.factor:g}")
                coded.append(_scaled(breaker.name, hold, effect.factor))
                continue
            if isinstance(effect, RaiseThreshold):
                if ctx.score is None or ctx.score >= effect.required - TOLERANCE:
                    continue
                code, params = _coded(
                    hold,
                    "raised_threshold",
                    {"score": ctx.score, "threshold": effect.threshold, "by": effect.by},
                )
                return block(
                    breaker.name,
                    f"{hold.reason}; score {ctx.score:g} is under the raised threshold "
                    f"{effect.threshold:g} + {effect.by:g}",
                    breaker.scope,
                    effect.kind,
                    hold.release_ms,
                    code,
                    params,
                )
            return self._trip(breaker, ctx, hold)
        if not scaled:
            return allow()
        code, params = coded[0] if len(coded) == 1 else (None, {})
        return allow(scale=SizeScale(factor, tuple(scaled), "; ".join(notes), code, params))

    def _held(self, ctx: RiskContext) -> RiskDecision | None:
        pause = self.memory.pause
        if pause is not None:
            since = iso_ms(pause.since_ms)
            code, params = _coded(
                pause, "held_paused", {"breaker": pause.breaker, "since": since}, held=True
            )
            return block(
                pause.breaker,
                f"every new entry is paused by {pause.breaker} since {since} "
                f"until trading is resumed: {pause.reason}",
                pause.scope,
                PAUSE,
                code=code,
                params=params,
            )
        for trip in self.memory.trips:
            if not trip.holds(ctx.now_ms, ctx.symbol, ctx.strategy):
                continue
            assert trip.until_ms is not None
            until, left = iso_ms(trip.until_ms), time_left(trip.until_ms, ctx.now_ms)
            left_s = max(0, trip.until_ms - ctx.now_ms) // 1000
            said: ReasonParams = {
                "breaker": trip.breaker,
                "until": until,
                "left": left,
                "left_s": left_s,
            }
            if trip.effect == PAUSE_UNTIL:
                what, part = "every new entry is paused", "held_paused_until"
            else:
                what, part = f"{scope_words(trip.key)} is blocked", "held_blocked"
                said["blocked"] = trip.key
            code, params = _coded(trip, part, said, held=True)
            return block(
                trip.breaker,
                f"{what} by {trip.breaker} until {until} ({left} left): {trip.reason}",
                trip.scope,
                trip.effect,
                trip.until_ms,
                code,
                params,
            )
        return None

    def _trip(self, breaker: Breaker, ctx: RiskContext, hold: Hold) -> RiskDecision:
        """The blocking effect of a breaker whose condition holds (remembered if it lasts)."""
        effect, now = breaker.effect, ctx.now_ms
        name, scope = breaker.name, str(breaker.scope)
        key = scope_key(scope, ctx.symbol, ctx.strategy)
        if isinstance(effect, BlockSignal):
            until = hold.release_ms
            if until is None:
                code, params = _coded(hold, "signal_blocked")
                tail = "signal blocked"
            else:
                code, params = _coded(hold, "signal_blocked_until", {"until": iso_ms(until)})
                tail = f"signal blocked until {iso_ms(until)}"
            return block(name, f"{hold.reason}; {tail}", scope, effect.kind, until, code, params)
        if isinstance(effect, PauseUntilResume):  # a pause acts on every entry: scope global
            self.memory.add_trip(
                Trip(
                    ctx.strategy, name, GLOBAL, GLOBAL, effect.kind, now, None,
                    hold.reason, hold.code, dict(hold.params),
                )
            )  # fmt: skip
            code, params = _coded(hold, "paused_until_resumed")
            return block(
                name,
                f"{hold.reason}; every new entry is paused until trading is resumed",
                GLOBAL,
                effect.kind,
                code=code,
                params=params,
            )
        if isinstance(effect, BlockScope):
            until = now + effect.seconds * 1000
            duration, amount, unit = _duration(until - now)
            words = f"{scope_words(key)} is blocked for {duration}"
            said: ReasonParams = {"blocked": key, "for": amount, "until": iso_ms(until)}
            code, params = _coded(hold, f"scope_blocked_{unit}", said)
        else:
            assert isinstance(effect, PauseUntil)
            release = hold.release_ms if effect.seconds is None else now + effect.seconds * 1000
            assert release is not None  # FeedMissing needs seconds (checked by its spec)
            until, key, scope = release, GLOBAL, GLOBAL
            words = "every new entry is paused"
            code, params = _coded(hold, "paused_until", {"until": iso_ms(until)})
        self.memory.add_trip(
            Trip(
                ctx.strategy, name, scope, key, effect.kind, now, until,
                hold.reason, hold.code, dict(hold.params),
            )
        )  # fmt: skip
        return block(
            name,
            f"{hold.reason}; {words} until {iso_ms(until)}",
            scope,
            effect.kind,
            until,
            code,
            params,
        )

    # ----- conditions -----------------------------------------------------------------

    def _condition(
        self, breaker: MaxSignals | Cooldown | FeedMissing, ctx: RiskContext
    ) -> Hold | None:
        if isinstance(breaker, MaxSignals):
            return self._max_signals(breaker, ctx)
        if isinstance(breaker, Cooldown):
            return self._cooldown(breaker, ctx)
        return self._feed_missing(breaker, ctx)

    def _entries(self, key: str, start_ms: int, now_ms: int) -> list[int]:
        """Times of the entries of scope `key` in `[start_ms, now_ms]`, oldest first."""
        return sorted(
            e.time_ms
            for e in self.memory.entries
            if start_ms <= e.time_ms <= now_ms and covers(key, e.symbol, e.strategy)
        )

    def _max_signals(self, breaker: MaxSignals, ctx: RiskContext) -> Hold | None:
        now, limit = ctx.now_ms, breaker.limit
        key = scope_key(breaker.scope, ctx.symbol, ctx.strategy)
        if breaker.window == "utc_day":
            day = day_start_ms(now)
            times = self._entries(key, day, now)
            if len(times) < limit:
                return None
            return Hold(
                f"{len(times)} entries of {counted(key)} in the UTC day of {iso_ms(day)} "
                f"reach the limit of {limit} per UTC day",
                day + DAY_MS,
                "sb_max_signals_day",
                {"count": len(times), "of": key, "day": iso_ms(day), "limit": limit},
            )
        times = self._entries(key, now - HOUR_MS + 1, now)
        if len(times) < limit:
            return None
        return Hold(
            f"{len(times)} entries of {counted(key)} in the last hour reach the limit of "
            f"{limit} per rolling hour",
            times[len(times) - limit] + HOUR_MS,
            "sb_max_signals_hour",
            {"count": len(times), "of": key, "limit": limit},
        )

    def _cooldown(self, breaker: Cooldown, ctx: RiskContext) -> Hold | None:
        now, length = ctx.now_ms, breaker.seconds * 1000
        key = scope_key(breaker.scope, ctx.symbol, ctx.strategy)
        times = self._entries(key, now - length + 1, now)
        if not times:
            return None
        last = times[-1]
        return Hold(
            f"the last entry of {counted(key)} at {iso_ms(last)} is {(now - last) // 1000} s "
            f"old, within the cooldown of {breaker.seconds} s",
            last + length,
            "sb_cooldown",
            {
                "of": key,
                "last": iso_ms(last),
                "age": (now - last) // 1000,
                "seconds": breaker.seconds,
            },
        )

    def _feed_missing(self, breaker: FeedMissing, ctx: RiskContext) -> Hold | None:
        declared = ctx.declared
        lag = None if declared is None else declared.lag(breaker.feed)
        missing = None if lag is None else lag.missing_bars
        if missing is not None and missing <= breaker.max_missing_bars:
            return None
        if missing is None:
            return Hold(
                f"feed {breaker.feed} has no bar yet",
                None,
                "sb_feed_no_bar",
                {"feed": breaker.feed},
            )
        return Hold(
            f"feed {breaker.feed} is missing its last {missing} closed bar(s) "
            f"(at most {breaker.max_missing_bars} allowed)",
            None,
            "sb_feed_missing",
            {"feed": breaker.feed, "missing": missing, "max": breaker.max_missing_bars},
        )


__all__ = ["Hold", "Shrink", "StrategyBreakers"]
