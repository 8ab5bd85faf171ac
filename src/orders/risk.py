"""The risk gate: circuit breakers checked before every entry order.

Breakers, in the order they are checked (the first that trips decides):

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

Every breaker has an `*_enabled` flag, and a limit of 0 disables it too. Times are
the BAR clock (`now_ms` = the open time of the bar being processed), never wall
time, so a replay decides exactly as the live run would have. Reduce-only
(closing) orders are never blocked. `RiskGate.state()` / `from_state()` carry the
trips (daily block, loss-streak cooldown), the UTC-day start equity and the
accepted-entry times across a restart; `AtrTracker` keeps the rolling ATR.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalplab.config import Settings
from scalplab.errors import ConfigError, DataError, InputError
from scalplab.timeutil import iso_ms
from scalplab.validation import describe

BREAKERS: tuple[str, ...] = (
    "min_rr",
    "max_open_positions",
    "daily_loss_limit",
    "loss_streak",
    "overtrading",
    "spread",
    "extreme_volatility",
)
"""Breaker names, in checking order."""

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
TOLERANCE = 1e-9
NO_SPREAD_DATA = "no spread data"


def _default(name: str) -> Any:
    """The default of `Settings.<name>`, so both places can never disagree."""
    return Settings.model_fields[name].default


class RiskSettings(BaseModel):
    """Circuit-breaker configuration (bounded and strict: booleans are true/false only, numbers
    finite JSON numbers; unknown keys are refused).

    Defaults are those of `scalplab.config.Settings`; `from_settings` takes the values
    a deployment configured.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    min_rr_enabled: bool = True
    min_rr: float = Field(_default("min_rr"), ge=0, le=1000)
    max_open_positions_enabled: bool = True
    max_open_positions: int = Field(_default("max_open_positions"), ge=0, le=1000)
    daily_loss_limit_enabled: bool = True
    daily_loss_limit_pct: float = Field(_default("daily_loss_limit_pct"), ge=0, le=100)
    loss_streak_enabled: bool = True
    loss_streak_limit: int = Field(_default("loss_streak_limit"), ge=0, le=1000)
    loss_streak_cooldown_minutes: int = Field(
        _default("loss_streak_cooldown_minutes"), ge=0, le=10_080
    )
    overtrading_enabled: bool = True
    max_trades_per_hour: int = Field(_default("max_trades_per_hour"), ge=0, le=10_000)
    spread_enabled: bool = True
    max_spread_pct: float = Field(_default("max_spread_pct"), ge=0, le=100)
    extreme_volatility_enabled: bool = True
    extreme_volatility_atr_mult: float = Field(
        _default("extreme_volatility_atr_mult"), ge=0, le=100
    )
    atr_period: int = Field(14, ge=1, le=500)
    atr_average_window: int = Field(20, ge=1, le=1000)

    @classmethod
    def from_settings(cls, settings: Settings) -> RiskSettings:
        """The limits configured in the environment (every breaker enabled)."""
        try:
            return cls(
                min_rr=settings.min_rr,
                max_open_positions=settings.max_open_positions,
                daily_loss_limit_pct=settings.daily_loss_limit_pct,
                loss_streak_limit=settings.loss_streak_limit,
                loss_streak_cooldown_minutes=settings.loss_streak_cooldown_minutes,
                max_trades_per_hour=settings.max_trades_per_hour,
                max_spread_pct=settings.max_spread_pct,
                extreme_volatility_atr_mult=settings.extreme_volatility_atr_mult,
            )
        except ValidationError as exc:
            raise ConfigError(f"invalid risk settings: {_problems(exc)}") from None

    @classmethod
    def parse(cls, data: dict[str, Any]) -> RiskSettings:
        """Validated settings from a JSON object; `InputError` naming each bad field."""
        if not isinstance(data, dict):
            raise InputError("risk settings must be a JSON object")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"invalid risk settings: {_problems(exc)}") from None

    def updated(self, patch: dict[str, Any]) -> RiskSettings:
        """A copy with `patch` applied and re-validated (`InputError` when out of range)."""
        if not isinstance(patch, dict):
            raise InputError("risk settings patch must be a JSON object")
        return RiskSettings.parse({**self.model_dump(), **patch})

    def active(self, breaker: str) -> bool:
        """True when `breaker` is enabled and its limit is not 0."""
        if breaker not in BREAKERS:
            raise InputError(f"unknown breaker {breaker!r}; known: {', '.join(BREAKERS)}")
        enabled: bool = getattr(self, f"{breaker}_enabled")
        limit: float = getattr(self, _LIMIT_FIELD[breaker])
        if breaker == "loss_streak":
            limit = min(limit, self.loss_streak_cooldown_minutes)
        return enabled and limit > 0

    def active_breakers(self) -> list[str]:
        """The checks that bind with these settings, in checking order."""
        return [breaker for breaker in BREAKERS if self.active(breaker)]

    def without_breakers(self) -> RiskSettings:
        """A copy with every circuit breaker switched off (`min_rr` stays as it is): the
        research switch of a backtest."""
        return self.model_copy(
            update={f"{breaker}_enabled": False for breaker in BREAKERS if breaker != "min_rr"}
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return self.model_dump()


_LIMIT_FIELD: dict[str, str] = {
    "min_rr": "min_rr",
    "max_open_positions": "max_open_positions",
    "daily_loss_limit": "daily_loss_limit_pct",
    "loss_streak": "loss_streak_limit",
    "overtrading": "max_trades_per_hour",
    "spread": "max_spread_pct",
    "extreme_volatility": "extreme_volatility_atr_mult",
}


def _problems(exc: ValidationError) -> str:
    return describe(exc.errors())


@dataclass(frozen=True, slots=True)
class RiskContext:
    """Everything the gate needs about one prospective order, at bar time `now_ms`.

    `reward_risk` is `None` for an order without both bracket levels (the `min_rr`
    check then does not apply); `open_positions` counts the books holding a position,
    an entry waiting to fill or an order waiting for confirmation; `spread_pct`,
    `atr` and `atr_avg` are `None` when unknown. What the gate has seen before (the
    UTC day's start equity, accepted entries, closed trades) it keeps itself.
    """

    symbol: str
    strategy: str
    side: str
    reward_risk: float | None
    now_ms: int
    equity: float
    open_positions: int
    spread_pct: float | None = None
    atr: float | None = None
    atr_avg: float | None = None
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The gate's verdict: allowed, or blocked by `breaker` with a one-line `reason`."""

    allowed: bool
    breaker: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"allowed": self.allowed, "breaker": self.breaker, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A recorded block: when (bar time), which book, which breaker, why."""

    time_ms: int
    symbol: str
    strategy: str
    breaker: str
    reason: str

    @classmethod
    def from_decision(cls, context: RiskContext, decision: RiskDecision) -> RiskEvent:
        """The event of a blocking decision (`InputError` for an allowing one)."""
        if decision.allowed or decision.breaker is None:
            raise InputError("only a blocking risk decision becomes a risk event")
        return cls(
            context.now_ms, context.symbol, context.strategy, decision.breaker, decision.reason
        )


def day_start_ms(now_ms: int) -> int:
    """00:00 UTC of the day holding `now_ms`."""
    return now_ms - now_ms % DAY_MS


def _time_left(until_ms: int, now_ms: int) -> str:
    seconds = max(0, until_ms - now_ms) // 1000
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _allow(reason: str = "") -> RiskDecision:
    return RiskDecision(True, None, reason)


def _block(breaker: str, reason: str) -> RiskDecision:
    return RiskDecision(False, breaker, reason)


class RiskGate:
    """Checks the circuit breakers for one portfolio; keeps the trips across calls.

    Not thread-safe on its own: the simulation engine calls it under its lock.
    """

    STATE_VERSION: ClassVar[int] = 2
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

    def record_entry(self, now_ms: int) -> None:
        """Count an accepted entry for the overtrading breaker."""
        self._entries.append(now_ms)
        self._prune(now_ms)

    def record_trade(self, exit_ms: int, pnl: float) -> None:
        """Remember a closed trade (in exit order) for the loss-streak breaker."""
        self._recent.append((exit_ms, pnl))

    def entries_last_hour(self, now_ms: int) -> int:
        """Entries recorded in the rolling hour `(now_ms − 1 h, now_ms]`."""
        self._prune(now_ms)
        return sum(1 for moment in self._entries if moment <= now_ms)

    def _prune(self, now_ms: int) -> None:
        while self._entries and self._entries[0] <= now_ms - HOUR_MS:
            self._entries.popleft()

    def blocked_until(self, now_ms: int) -> dict[str, int]:
        """Breakers tripped and still holding at `now_ms` → the ms they release."""
        held: dict[str, int] = {}
        if self._daily_block_until_ms is not None and now_ms < self._daily_block_until_ms:
            held["daily_loss_limit"] = self._daily_block_until_ms
        if self._streak_block_until_ms is not None and now_ms < self._streak_block_until_ms:
            held["loss_streak"] = self._streak_block_until_ms
        return held

    # ----- the gate --------------------------------------------------------------

    def check(self, ctx: RiskContext) -> RiskDecision:
        """The first breaker that blocks `ctx`, or an allowing decision."""
        if ctx.reduce_only:
            return _allow("reduce-only orders are not gated")
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
        return _allow("; ".join(notes))

    def _min_rr(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.min_rr
        if ctx.reward_risk is None or ctx.reward_risk >= limit - TOLERANCE:
            return _allow()
        return _block("min_rr", f"reward/risk {ctx.reward_risk:.2f} is below the minimum {limit:g}")

    def _max_open_positions(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_open_positions
        if ctx.open_positions < limit:
            return _allow()
        return _block(
            "max_open_positions",
            f"{ctx.open_positions} open positions reach the limit of {limit}",
        )

    def _daily_loss(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.daily_loss_limit_pct
        until = self._daily_block_until_ms
        if until is not None and ctx.now_ms < until:
            return _block(
                "daily_loss_limit",
                f"daily loss limit {limit:g} % was reached today; blocked until {iso_ms(until)}",
            )
        start = self.day_start_equity(ctx.now_ms, ctx.equity)
        if start <= 0:
            return _allow()
        loss_pct = (start - ctx.equity) / start * 100.0
        if loss_pct < limit - TOLERANCE:
            return _allow()
        until = day_start_ms(ctx.now_ms) + DAY_MS
        self._daily_block_until_ms = until
        return _block(
            "daily_loss_limit",
            f"equity {ctx.equity:.2f} is down {loss_pct:.2f} % from {start:.2f} "
            f"at the UTC day start (limit {limit:g} %); blocked until {iso_ms(until)}",
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
            return _allow()
        return _block(
            "loss_streak",
            f"{max(streak, limit)} consecutive losing trades (limit {limit}); cooldown of "
            f"{self.settings.loss_streak_cooldown_minutes} min until {iso_ms(until_held)} "
            f"({_time_left(until_held, ctx.now_ms)} left)",
        )

    def _overtrading(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_trades_per_hour
        entries = self.entries_last_hour(ctx.now_ms)
        if entries < limit:
            return _allow()
        return _block(
            "overtrading",
            f"{entries} entries in the last hour reach the limit of {limit} per hour",
        )

    def _spread(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.max_spread_pct
        if ctx.spread_pct is None:
            return _allow(NO_SPREAD_DATA)
        if ctx.spread_pct < limit - TOLERANCE:
            return _allow()
        return _block(
            "spread", f"spread {ctx.spread_pct:.4f} % of {ctx.symbol} reaches the limit {limit:g} %"
        )

    def _volatility(self, ctx: RiskContext) -> RiskDecision:
        mult = self.settings.extreme_volatility_atr_mult
        if ctx.atr is None or ctx.atr_avg is None or ctx.atr_avg <= 0:
            return _allow()
        ratio = ctx.atr / ctx.atr_avg
        if ratio < mult - TOLERANCE:
            return _allow()
        period, window = self.settings.atr_period, self.settings.atr_average_window
        return _block(
            "extreme_volatility",
            f"ATR({period}) {ctx.atr:.6g} of {ctx.symbol} is {ratio:.2f}× its {window}-bar "
            f"average {ctx.atr_avg:.6g} (limit {mult:g}×)",
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
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from `state()` (`DataError` when it is malformed; nothing changes then)."""
        try:
            if state.get("version") not in (1, self.STATE_VERSION):
                raise ValueError(f"unsupported version {state.get('version')!r}")
            daily = _opt_int(state["daily_block_until_ms"])
            streak = _opt_int(state["streak_block_until_ms"])
            day = _opt_int(state["day_ms"])
            equity = state["day_start_equity"]
            entries = deque(int(moment) for moment in state["entries_ms"])
            recent = [(int(ms), float(pnl)) for ms, pnl in state.get("recent_trades", [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed risk gate state: {exc}") from None
        self._daily_block_until_ms = daily
        self._streak_block_until_ms = streak
        self._day_ms = day
        self._day_start_equity = None if equity is None else float(equity)
        self._entries = entries
        self._recent.clear()
        self._recent.extend(recent)

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
    "day_start_ms",
]
