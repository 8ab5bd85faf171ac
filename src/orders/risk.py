"""The risk gate: circuit breakers checked before every entry order.

Platform breakers, in the order they are checked (the first that trips decides):

- `min_rr`: reward/risk under `min_rr` blocks (exactly `min_rr` passes).
- `max_open_positions`: `open_positions >= max_open_positions` blocks.
- `daily_loss_limit`: equity down `>= daily_loss_limit_pct` % from the equity at
  the start of the UTC day blocks until 00:00 UTC of the next day, even if the
  equity recovers meanwhile.
- `loss_streak`: `loss_streak_limit` consecutive losing trades (the latest closed
  trades) block for `loss_streak_cooldown_minutes` from the last loss's exit.
- `overtrading`: `max_trades_per_hour` entries accepted in the rolling last hour
  block the next one.
- `spread`: a bid-ask spread `>= max_spread_pct` % blocks; with no spread data the
  breaker does not block and the decision says "no spread data".
- `extreme_volatility`: ATR(14) `>= extreme_volatility_atr_mult` × the average of
  the 20 ATR values before it blocks.

Then the breakers strategies declare (`scalplab.strategies.breakers`, evaluated by
`scalplab.orders.breakers.StrategyBreakers`): the pause and the trips in force, and the
signal's own breakers (block, block a scope, pause, scale the size, raise the score
threshold).

Every platform breaker has an `*_enabled` flag (`RiskSettings`), and a limit of 0
disables it too; a strategy's breakers are part of the strategy and bind whatever the
settings. Times are the BAR clock (`now_ms` = the open time of the bar being
processed), never wall time, so a replay decides exactly as the live run would have.
Reduce-only (closing) orders are never blocked. `RiskGate.state()` / `from_state()`
carry the trips (daily block, loss-streak cooldown, the strategy breakers' trips and
pause), the UTC-day start equity, the accepted-entry times and the strategy breakers'
per-book entries across a restart; `AtrTracker` keeps the rolling ATR.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

from scalplab.errors import DataError
from scalplab.orders.breaker_state import BreakerMemory, Trip
from scalplab.orders.breakers import StrategyBreakers
from scalplab.orders.risk_records import (
    DAY_MS,
    GLOBAL,
    HOUR_MS,
    MINUTE_MS,
    NO_SPREAD_DATA,
    PAUSE_UNTIL,
    TOLERANCE,
    RiskContext,
    RiskDecision,
    RiskEvent,
    SizeScale,
    allow,
    block,
    day_start_ms,
    time_left,
)
from scalplab.orders.risk_settings import BREAKERS, RiskSettings
from scalplab.timeutil import iso_ms

SYMBOL = "symbol"


class RiskGate:
    """Checks the circuit breakers for one portfolio; keeps the trips across calls.

    Not thread-safe on its own: the simulation engine calls it under its lock.
    """

    STATE_VERSION: ClassVar[int] = 3
    RECENT_TRADES: ClassVar[int] = 1000
    """Closed trades kept for the loss-streak breaker (its limit is at most 1000)."""

    def __init__(self, settings: RiskSettings | None = None) -> None:
        self.settings = settings if settings is not None else RiskSettings()
        self._daily_block_until_ms: int | None = None
        self._streak_block_until_ms: int | None = None
        self._day_ms: int | None = None
        self._day_start_equity: float | None = None
        self._entries: deque[int] = deque()
        self._recent: deque[tuple[int, float]] = deque(maxlen=self.RECENT_TRADES)
        self.strategy_breakers = StrategyBreakers()

    # ----- what the pipeline tells the gate --------------------------------------

    def on_bar(self, now_ms: int, equity: Callable[[], float]) -> None:
        """A bar of bar time `now_ms` is about to be processed: the first one of a UTC day
        fixes that day's start equity (`equity()`: the account before that bar)."""
        day = now_ms - now_ms % DAY_MS
        if self._day_ms is None or day > self._day_ms:
            self._day_ms = day
            self._day_start_equity = equity()

    def day_start_equity(self, now_ms: int, equity: float) -> float:
        """The equity at the start of `now_ms`'s UTC day (`equity` before any bar of it)."""
        self.on_bar(now_ms, lambda: equity)
        assert self._day_start_equity is not None
        return self._day_start_equity

    def record_entry(self, now_ms: int, symbol: str = "", strategy: str = "") -> None:
        """Count an accepted entry (of the book of `strategy` on `symbol`) for the
        overtrading breaker and the strategy breakers."""
        self._entries.append(now_ms)
        self._prune(now_ms)
        self.strategy_breakers.record_entry(now_ms, symbol, strategy)

    def record_trade(self, exit_ms: int, pnl: float) -> None:
        """Remember a closed trade (in exit order) for the loss-streak breaker."""
        self._recent.append((exit_ms, pnl))

    def record_close(
        self, exit_ms: int, symbol: str, strategy: str, pnl: float, reason: str, flat: bool
    ) -> None:
        """A closing fill of a book, for the strategy breakers (stop-loss cooldown, win
        streak); `flat`: the position is closed."""
        self.strategy_breakers.record_close(exit_ms, symbol, strategy, pnl, reason, flat)

    def record_bar(self, symbol: str, open_ms: int, close: float) -> None:
        """A bar of `symbol` closed (the strategy breakers' hourly closes)."""
        self.strategy_breakers.record_bar(symbol, open_ms, close)

    def entries_last_hour(self, now_ms: int) -> int:
        """Entries recorded in the rolling hour `(now_ms − 1 h, now_ms]`."""
        self._prune(now_ms)
        return sum(1 for moment in self._entries if moment <= now_ms)

    def _prune(self, now_ms: int) -> None:
        while self._entries and self._entries[0] <= now_ms - HOUR_MS:
            self._entries.popleft()

    def blocked_until(self, now_ms: int) -> dict[str, int]:
        """Platform breakers tripped and still holding at `now_ms` → the ms they release
        (the strategy breakers' trips: `in_force`)."""
        held: dict[str, int] = {}
        if self._daily_block_until_ms is not None and now_ms < self._daily_block_until_ms:
            held["daily_loss_limit"] = self._daily_block_until_ms
        if self._streak_block_until_ms is not None and now_ms < self._streak_block_until_ms:
            held["loss_streak"] = self._streak_block_until_ms
        return held

    def in_force(self, now_ms: int) -> list[Trip]:
        """The strategy breakers' pause and trips holding at `now_ms`."""
        return self.strategy_breakers.in_force(now_ms)

    @property
    def paused(self) -> Trip | None:
        """The pause a strategy breaker left until a person resumes trading."""
        return self.strategy_breakers.paused

    def resume(self) -> Trip | None:
        """A person resumed trading: a breaker's pause is released (returned, if any)."""
        return self.strategy_breakers.resume()

    # ----- the gate --------------------------------------------------------------

    def check(self, ctx: RiskContext) -> RiskDecision:
        """The first breaker that blocks `ctx`, or an allowing decision (with the size
        scale of the strategy breakers that scale it)."""
        if ctx.reduce_only:
            return allow("reduce-only orders are not gated")
        s = self.settings
        checks = (
            self._min_rr,
            self._max_open_positions,
            self._daily_loss,
            self._loss_streak,
            self._overtrading,
            self._spread,
            self._volatility,
        )
        notes: list[str] = []
        for breaker, check in zip(BREAKERS, checks, strict=True):
            if not s.active(breaker):
                continue
            decision = check(ctx)
            if not decision.allowed:
                return decision
            if decision.reason:
                notes.append(decision.reason)
        start = None if ctx.declared is None else self.day_start_equity(ctx.now_ms, ctx.equity)
        declared = self.strategy_breakers.check(ctx, start)
        if not declared.allowed:
            return declared
        scale: SizeScale | None = declared.scale
        return allow("; ".join(notes), scale)

    def _min_rr(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.min_rr
        if ctx.reward_risk is None or ctx.reward_risk >= limit - TOLERANCE:
            return allow()
        return block(
            "min_rr",
            f"reward/risk {ctx.reward_risk:.2f} is below the minimum {limit:g}",
            code="min_rr",
            params={"rr": round(ctx.reward_risk, 2), "min": limit},
        )

    def _max_open_positions(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_open_positions
        if ctx.open_positions < limit:
            return allow()
        return block(
            "max_open_positions",
            f"{ctx.open_positions} open positions reach the limit of {limit}",
            code="max_open_positions",
            params={"open": ctx.open_positions, "limit": limit},
        )

    def _daily_loss(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.daily_loss_limit_pct
        until = self._daily_block_until_ms
        if until is not None and ctx.now_ms < until:
            return block(
                "daily_loss_limit",
                f"daily loss limit {limit:g} % was reached today; blocked until {iso_ms(until)}",
                GLOBAL,
                PAUSE_UNTIL,
                until,
                code="daily_loss_limit_held",
                params={"limit": limit, "until": iso_ms(until)},
            )
        start = self.day_start_equity(ctx.now_ms, ctx.equity)
        if start <= 0:
            return allow()
        loss_pct = (start - ctx.equity) / start * 100.0
        if loss_pct < limit - TOLERANCE:
            return allow()
        until = day_start_ms(ctx.now_ms) + DAY_MS
        self._daily_block_until_ms = until
        return block(
            "daily_loss_limit",
            f"equity {ctx.equity:.2f} is down {loss_pct:.2f} % from {start:.2f} "
            f"at the UTC day start (limit {limit:g} %); blocked until {iso_ms(until)}",
            GLOBAL,
            PAUSE_UNTIL,
            until,
            code="daily_loss_limit",
            params={
                "equity": round(ctx.equity, 2),
                "loss_pct": round(loss_pct, 2),
                "start": round(start, 2),
                "limit": limit,
                "until": iso_ms(until),
            },
        )

    def _loss_streak(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.loss_streak_limit
        streak = 0
        last_loss_ms: int | None = None
        for exit_ms, pnl in reversed(self._recent):
            if exit_ms > ctx.now_ms:
                continue
            if pnl >= 0:
                break
            streak += 1
            if last_loss_ms is None:
                last_loss_ms = exit_ms
        if streak >= limit and last_loss_ms is not None:
            until = last_loss_ms + self.settings.loss_streak_cooldown_minutes * MINUTE_MS
            if self._streak_block_until_ms is None or until > self._streak_block_until_ms:
                self._streak_block_until_ms = until
        until_held = self._streak_block_until_ms
        if until_held is None or ctx.now_ms >= until_held:
            return allow()
        return block(
            "loss_streak",
            f"{max(streak, limit)} consecutive losing trades (limit {limit}); cooldown of "
            f"{self.settings.loss_streak_cooldown_minutes} min until {iso_ms(until_held)} "
            f"({time_left(until_held, ctx.now_ms)} left)",
            GLOBAL,
            PAUSE_UNTIL,
            until_held,
            code="loss_streak",
            params={
                "streak": max(streak, limit),
                "limit": limit,
                "minutes": self.settings.loss_streak_cooldown_minutes,
                "until": iso_ms(until_held),
            },
        )

    def _overtrading(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_trades_per_hour
        entries = self.entries_last_hour(ctx.now_ms)
        if entries < limit:
            return allow()
        times = sorted(moment for moment in self._entries if moment <= ctx.now_ms)
        return block(
            "overtrading",
            f"{entries} entries in the last hour reach the limit of {limit} per hour",
            until_ms=times[len(times) - limit] + HOUR_MS,
            code="overtrading",
            params={"entries": entries, "limit": limit},
        )

    def _spread(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_spread_pct
        if ctx.spread_pct is None:
            return allow(NO_SPREAD_DATA)
        if ctx.spread_pct < limit - TOLERANCE:
            return allow()
        return block(
            "spread",
            f"spread {ctx.spread_pct:.4f} % of {ctx.symbol} reaches the limit {limit:g} %",
            SYMBOL,
            code="spread",
            params={"spread": round(ctx.spread_pct, 4), "symbol": ctx.symbol, "limit": limit},
        )

    def _volatility(self, ctx: RiskContext) -> RiskDecision:
        mult = self.settings.extreme_volatility_atr_mult
        if ctx.atr is None or ctx.atr_avg is None or ctx.atr_avg <= 0:
            return allow()
        ratio = ctx.atr / ctx.atr_avg
        if ratio < mult - TOLERANCE:
            return allow()
        period, window = self.settings.atr_period, self.settings.atr_average_window
        return block(
            "extreme_volatility",
            f"ATR({period}) {ctx.atr:.6g} of {ctx.symbol} is {ratio:.2f}× its {window}-bar "
            f"average {ctx.atr_avg:.6g} (limit {mult:g}×)",
            SYMBOL,
            code="extreme_volatility",
            params={
                "symbol": ctx.symbol,
                "ratio": round(ratio, 2),
                "window": window,
                "limit": mult,
            },
        )

    # ----- persistence -------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """JSON-able snapshot of the trips and counters (settings are stored apart)."""
        return {
            "version": self.STATE_VERSION,
            "daily_block_until_ms": self._daily_block_until_ms,
            "streak_block_until_ms": self._streak_block_until_ms,
            "day_ms": self._day_ms,
            "day_start_equity": self._day_start_equity,
            "entries_ms": list(self._entries),
            "recent_trades": [list(trade) for trade in self._recent],
            "breakers": self.strategy_breakers.memory.state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from `state()` of this version or an earlier one (versions 1 and 2
        had no strategy breakers: theirs start empty). `DataError` when it is
        malformed; nothing changes then."""
        try:
            version = state.get("version")
            if version not in (1, 2, self.STATE_VERSION):
                raise ValueError(f"unsupported version {version!r}")
            daily = _opt_int(state["daily_block_until_ms"])
            streak = _opt_int(state["streak_block_until_ms"])
            day = _opt_int(state["day_ms"])
            equity = state["day_start_equity"]
            entries = deque(int(moment) for moment in state["entries_ms"])
            recent = [(int(ms), float(pnl)) for ms, pnl in state.get("recent_trades", [])]
            memory = (
                BreakerMemory.from_state(state["breakers"])
                if version == self.STATE_VERSION
                else BreakerMemory()
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed risk gate state: {exc}") from None
        self._daily_block_until_ms = daily
        self._streak_block_until_ms = streak
        self._day_ms = day
        self._day_start_equity = None if equity is None else float(equity)
        self._entries = entries
        self._recent.clear()
        self._recent.extend(recent)
        self.strategy_breakers.memory = memory

    @classmethod
    def from_state(cls, settings: RiskSettings, state: dict[str, Any]) -> RiskGate:
        """A gate continuing from `state()` (`DataError` when it is malformed)."""
        gate = cls(settings)
        gate.load_state(state)
        return gate


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


__all__ = [
    "BREAKERS",
    "NO_SPREAD_DATA",
    "RiskContext",
    "RiskDecision",
    "RiskEvent",
    "RiskGate",
    "RiskSettings",
    "SizeScale",
    "day_start_ms",
]
