"""The account-level conditions of `scalplab.strategies.breaker_conditions`, evaluated on
the bar clock for `scalplab.orders.breakers.StrategyBreakers` (which applies the
effects). Each function returns a `Hold` when its condition holds — why, and when it
would release by itself (None: unknown, or until a person resumes) — or None.
`PortfolioHeat` may instead shrink the entry (`Shrink`).

Each `Hold` also says its reason as a stable code and the numbers it quotes (`code`,
`params`, for front ends that translate it); a scope is a param holding its key
(`global`, `strategy:NAME`, `symbol:SYM`): `of` for whose records were counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scalplab.orders.breaker_state import BreakerMemory, covers, scope_key, scope_words
from scalplab.orders.risk_records import (
    DAY_MS,
    GLOBAL,
    HOUR_MS,
    TOLERANCE,
    ReasonParams,
    RiskContext,
)
from scalplab.strategies.breaker_conditions import (
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
from scalplab.timeutil import iso_ms


@dataclass(frozen=True, slots=True)
class Hold:
    """A breaker's condition holds: why, and when it would release by itself (None:
    unknown, such as a missing feed)."""

    reason: str
    release_ms: int | None
    code: str
    params: ReasonParams = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Shrink:
    """The heat left takes only part of the entry: its size × `factor`, and why (`reason`,
    also as `code` and its numbers, `params`)."""

    factor: float
    reason: str
    code: str = "sb_heat_shrunk"
    params: ReasonParams = field(default_factory=dict)


def counted(key: str) -> str:
    """`all books`, `strategy x`, `symbol X`: whose records a condition counted."""
    return "all books" if key == GLOBAL else scope_words(key)


def evaluate(
    breaker: AccountBreaker,
    ctx: RiskContext,
    memory: BreakerMemory,
    day_start_equity: float | None,
    factor: float,
) -> Hold | Shrink | None:
    """Whether `breaker`'s condition holds for `ctx` (`factor`: the size scale of the
    breakers before it, which `PortfolioHeat` measures the entry at)."""
    if isinstance(breaker, PortfolioHeat):
        return _heat(breaker, ctx, factor)
    if isinstance(breaker, StopLossCooldown):
        return _stop_cooldown(breaker, ctx, memory)
    if isinstance(breaker, WinStreak):
        return _win_streak(breaker, ctx, memory)
    if isinstance(breaker, DailyLoss):
        return _daily_loss(breaker, ctx, day_start_equity)
    if isinstance(breaker, OpenPositions):
        return _open_positions(breaker, ctx)
    if isinstance(breaker, Correlated):
        return _correlated(breaker, ctx, memory)
    if isinstance(breaker, ExtremeVolatility):
        return _volatility(breaker, ctx)
    if isinstance(breaker, UtcHours):
        return _hours(breaker, ctx)
    if isinstance(breaker, ScoreBand):
        return _score_band(breaker, ctx)
    if isinstance(breaker, ExternalMove):
        return _external_move(breaker, ctx)
    return _feed_move(breaker, ctx)


def _key(breaker: AccountBreaker, ctx: RiskContext) -> str:
    return scope_key(breaker.scope, ctx.symbol, ctx.strategy)


def _stop_cooldown(
    breaker: StopLossCooldown, ctx: RiskContext, memory: BreakerMemory
) -> Hold | None:
    key, length = _key(breaker, ctx), breaker.seconds * 1000
    stops = [
        s.exit_ms
        for s in memory.closed.stops
        if ctx.now_ms - length < s.exit_ms <= ctx.now_ms and covers(key, s.symbol, s.strategy)
    ]
    if not stops:
        return None
    last = max(stops)
    return Hold(
        f"a stop-loss of {counted(key)} filled in the bar of {iso_ms(last)}, "
        f"{(ctx.now_ms - last) // 1000} s ago, within the cooldown of {breaker.seconds} s",
        last + length,
        "sb_stop_cooldown",
        {
            "of": key,
            "last": iso_ms(last),
            "age": (ctx.now_ms - last) // 1000,
            "seconds": breaker.seconds,
        },
    )


def _win_streak(breaker: WinStreak, ctx: RiskContext, memory: BreakerMemory) -> Hold | None:
    key, streak = _key(breaker, ctx), 0
    for outcome in reversed(memory.closed.outcomes):
        if outcome.exit_ms > ctx.now_ms or not covers(key, outcome.symbol, outcome.strategy):
            continue
        if outcome.pnl <= 0:
            break
        streak += 1
        if streak >= breaker.wins:
            return Hold(
                f"the last {streak} closed positions of {counted(key)} all won "
                f"(limit {breaker.wins})",
                None,
                "sb_win_streak",
                {"streak": streak, "of": key, "limit": breaker.wins},
            )
    return None


def _daily_loss(breaker: DailyLoss, ctx: RiskContext, start: float | None) -> Hold | None:
    if start is None or start <= 0:
        return None
    loss_pct = (start - ctx.equity) / start * 100.0
    if loss_pct < breaker.pct - TOLERANCE:
        return None
    day = ctx.now_ms - ctx.now_ms % DAY_MS
    return Hold(
        f"equity {ctx.equity:.2f} is down {loss_pct:.2f} % from {start:.2f} at the UTC day "
        f"start (limit {breaker.pct:g} %)",
        day + DAY_MS,
        "sb_daily_loss",
        {
            "equity": round(ctx.equity, 2),
            "loss_pct": round(loss_pct, 2),
            "start": round(start, 2),
            "limit": breaker.pct,
        },
    )


def _open_positions(breaker: OpenPositions, ctx: RiskContext) -> Hold | None:
    key = _key(breaker, ctx)
    count = sum(1 for book in ctx.open_books if covers(key, book.symbol, book.strategy))
    if count < breaker.limit:
        return None
    return Hold(
        f"{count} open positions of {counted(key)} reach the limit of {breaker.limit}",
        None,
        "sb_open_positions",
        {"count": count, "of": key, "limit": breaker.limit},
    )


def _heat(breaker: PortfolioHeat, ctx: RiskContext, factor: float) -> Hold | Shrink | None:
    if ctx.entry_risk is None or ctx.equity <= 0:
        return None
    key = _key(breaker, ctx)
    open_risk = sum(b.risk for b in ctx.open_books if covers(key, b.symbol, b.strategy))
    open_pct = open_risk / ctx.equity * 100.0
    new_pct = ctx.entry_risk * factor / ctx.equity * 100.0
    if open_pct + new_pct <= breaker.max_pct + TOLERANCE or new_pct <= 0:
        return None
    free = breaker.max_pct - open_pct
    heat = f"open risk {open_pct:.2f} % of {counted(key)} + this entry's {new_pct:.2f} %"
    if free < breaker.min_free_pct - TOLERANCE or free <= 0:
        return Hold(
            f"{heat} exceed the heat cap of {breaker.max_pct:g} %; {max(free, 0.0):.2f} % "
            f"left, under the {breaker.min_free_pct:g} % an entry needs",
            None,
            "sb_heat",
            {
                "open_pct": round(open_pct, 2),
                "of": key,
                "new_pct": round(new_pct, 2),
                "cap": breaker.max_pct,
                "left": round(max(free, 0.0), 2),
                "min_free": breaker.min_free_pct,
            },
        )
    return Shrink(
        free / new_pct,
        f"{heat} exceed the heat cap of {breaker.max_pct:g} %: shrunk to the {free:.2f} % left",
        params={
            "open_pct": round(open_pct, 2),
            "of": key,
            "new_pct": round(new_pct, 2),
            "cap": breaker.max_pct,
            "left": round(free, 2),
        },
    )


def _correlated(breaker: Correlated, ctx: RiskContext, memory: BreakerMemory) -> Hold | None:
    key, hour = _key(breaker, ctx), ctx.now_ms // HOUR_MS
    for book in ctx.open_books:
        if book.side != ctx.side or book.symbol == ctx.symbol:
            continue
        if not covers(key, book.symbol, book.strategy):
            continue
        found = memory.closes.correlation(
            ctx.symbol, book.symbol, hour, breaker.bars, breaker.min_bars
        )
        if found is not None and found[0] > breaker.threshold + TOLERANCE:
            corr, hours = found
            return Hold(
                f"{ctx.symbol} correlates {corr:.2f} with the open {book.side} of "
                f"{book.symbol} ({book.strategy}) over {hours} hourly returns "
                f"(limit {breaker.threshold:g})",
                None,
                "sb_correlated",
                {
                    "symbol": ctx.symbol,
                    "corr": round(corr, 2),
                    "side": book.side,
                    "other": book.symbol,
                    "strategy": book.strategy,
                    "hours": hours,
                    "limit": breaker.threshold,
                },
            )
    return None


def _volatility(breaker: ExtremeVolatility, ctx: RiskContext) -> Hold | None:
    if ctx.atr is None or ctx.atr_avg is None or ctx.atr_avg <= 0:
        return None
    ratio = ctx.atr / ctx.atr_avg
    if ratio <= breaker.atr_mult + TOLERANCE:
        return None
    return Hold(
        f"ATR {ctx.atr:.6g} of {ctx.symbol} is {ratio:.2f}× its recent average "
        f"{ctx.atr_avg:.6g} (limit {breaker.atr_mult:g}×)",
        None,
        "sb_volatility",
        {
            "atr": float(f"{ctx.atr:.6g}"),
            "symbol": ctx.symbol,
            "ratio": round(ratio, 2),
            "avg": float(f"{ctx.atr_avg:.6g}"),
            "limit": breaker.atr_mult,
        },
    )


def _hours(breaker: UtcHours, ctx: RiskContext) -> Hold | None:
    hour = ctx.now_ms // HOUR_MS % 24
    if hour not in breaker.hours:
        return None
    start = ctx.now_ms - ctx.now_ms % HOUR_MS
    return Hold(
        f"the signal's bar opens in UTC hour {hour:02d}",
        start + HOUR_MS,
        "sb_utc_hour",
        {"hour": f"{hour:02d}"},
    )


def _score_band(breaker: ScoreBand, ctx: RiskContext) -> Hold | None:
    score = ctx.score
    if score is None or not breaker.low <= score < breaker.high:
        return None
    return Hold(
        f"score {score:g} is within [{breaker.low:g}, {breaker.high:g})",
        None,
        "sb_score_band",
        {"score": score, "low": breaker.low, "high": breaker.high},
    )


def _feed_move(breaker: FeedMove, ctx: RiskContext) -> Hold | None:
    declared = ctx.declared
    move = None if declared is None else declared.move(breaker.feed, breaker.bars)
    change = None if move is None else move.change_pct
    if change is None or abs(change) <= breaker.pct + TOLERANCE:
        return None
    return Hold(
        f"feed {breaker.feed} moved {change:+.2f} % over the last {breaker.minutes} min "
        f"(limit ±{breaker.pct:g} %)",
        None,
        "sb_feed_move",
        {
            "feed": breaker.feed,
            "change": round(change, 2),
            "minutes": breaker.minutes,
            "limit": breaker.pct,
        },
    )


def _external_move(breaker: ExternalMove, ctx: RiskContext) -> Hold | None:
    declared = ctx.declared
    move = (
        None
        if declared is None
        else declared.external(breaker.provider, breaker.metric, breaker.minutes)
    )
    change = None if move is None else move.change_pct
    if change is None or not breaker.holds(change, TOLERANCE):
        return None
    limit = {"down": f"−{breaker.pct:g}", "up": f"+{breaker.pct:g}"}.get(
        breaker.direction, f"±{breaker.pct:g}"
    )
    return Hold(
        f"{breaker.provider} {breaker.metric} moved {change:+.2f} % over the last "
        f"{breaker.minutes} min (limit {limit} %)",
        None,
        f"sb_external_move_{breaker.direction}",
        {
            "provider": breaker.provider,
            "metric": breaker.metric,
            "change": round(change, 2),
            "minutes": breaker.minutes,
            "limit": breaker.pct,
        },
    )


__all__ = ["Hold", "Shrink", "counted", "evaluate"]
