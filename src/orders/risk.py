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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalplab.config import Settings
from scalplab.data.bars import Bar
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
    breaker then does not apply); `recent_closed` holds `(exit_ms, pnl)` of the
    latest closed trades, oldest first (at least `loss_streak_limit` of them);
    `entries_last_hour` counts the entries accepted in `(now_ms − 1 h, now_ms]`;
    `spread_pct`, `atr` and `atr_avg` are `None` when unknown.
    """

    symbol: str
    side: str
    reward_risk: float | None
    now_ms: int
    equity: float
    day_start_equity: float
    open_positions: int
    recent_closed: Sequence[tuple[int, float]] = ()
    entries_last_hour: int = 0
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
    """A recorded block: when (bar time), which symbol, which breaker, why."""

    time_ms: int
    symbol: str
    breaker: str
    reason: str

    @classmethod
    def from_decision(cls, context: RiskContext, decision: RiskDecision) -> RiskEvent:
        """The event of a blocking decision (`InputError` for an allowing one)."""
        if decision.allowed or decision.breaker is None:
            raise InputError("only a blocking risk decision becomes a risk event")
        return cls(context.now_ms, context.symbol, decision.breaker, decision.reason)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (time as ms and ISO-8601 UTC)."""
        return {
            "time_ms": self.time_ms,
            "time": iso_ms(self.time_ms),
            "symbol": self.symbol,
            "breaker": self.breaker,
            "reason": self.reason,
        }


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

    STATE_VERSION: ClassVar[int] = 1

    def __init__(self, settings: RiskSettings | None = None) -> None:
        self.settings = settings if settings is not None else RiskSettings()
        self._daily_block_until_ms: int | None = None
        self._streak_block_until_ms: int | None = None
        self._day_ms: int | None = None
        self._day_start_equity: float | None = None
        self._entries: deque[int] = deque()

    # ----- bookkeeping helpers the engine feeds --------------------------------

    def observe_equity(self, now_ms: int, equity: float) -> float:
        """The equity at the start of `now_ms`'s UTC day (first observation of that day)."""
        day = day_start_ms(now_ms)
        if self._day_ms is None or day > self._day_ms or self._day_start_equity is None:
            self._day_ms = day
            self._day_start_equity = equity
        return self._day_start_equity

    def record_entry(self, now_ms: int) -> None:
        """Count an accepted entry for the overtrading breaker."""
        self._entries.append(now_ms)
        self._prune(now_ms)

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
        if ctx.day_start_equity <= 0:
            return _allow()
        loss_pct = (ctx.day_start_equity - ctx.equity) / ctx.day_start_equity * 100.0
        if loss_pct < limit - TOLERANCE:
            return _allow()
        until = day_start_ms(ctx.now_ms) + DAY_MS
        self._daily_block_until_ms = until
        return _block(
            "daily_loss_limit",
            f"equity {ctx.equity:.2f} is down {loss_pct:.2f} % from {ctx.day_start_equity:.2f} "
            f"at the UTC day start (limit {limit:g} %); blocked until {iso_ms(until)}",
        )

    def _loss_streak(self, ctx: RiskContext) -> RiskDecision:
        limit = self.settings.loss_streak_limit
        streak = 0
        last_loss_ms: int | None = None
        for exit_ms, pnl in reversed(ctx.recent_closed):
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
        if ctx.entries_last_hour < limit:
            return _allow()
        return _block(
            "overtrading",
            f"{ctx.entries_last_hour} entries in the last hour reach the limit of {limit} per hour",
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
        }

    @classmethod
    def from_state(cls, settings: RiskSettings, state: dict[str, Any]) -> RiskGate:
        """A gate continuing from `state()` (`DataError` when it is malformed)."""
        gate = cls(settings)
        try:
            if state.get("version") != cls.STATE_VERSION:
                raise ValueError(f"unsupported version {state.get('version')!r}")
            gate._daily_block_until_ms = _opt_int(state["daily_block_until_ms"])
            gate._streak_block_until_ms = _opt_int(state["streak_block_until_ms"])
            gate._day_ms = _opt_int(state["day_ms"])
            equity = state["day_start_equity"]
            gate._day_start_equity = None if equity is None else float(equity)
            gate._entries = deque(int(moment) for moment in state["entries_ms"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed risk gate state: {exc}") from None
        return gate


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(slots=True)
class _AtrState:
    period: int
    window: int
    last_open_ms: int | None = None
    prev_close: float | None = None
    seed: list[float] = field(default_factory=list)
    atr: float | None = None
    history: deque[float] = field(default_factory=deque)


class AtrTracker:
    """Wilder ATR per symbol, fed closed bars, plus the average of its recent values.

    The first ATR is the mean true range of the first `period` bars (the first
    bar's true range is its high − low); then `ATR = (ATR × (n − 1) + TR) / n`.
    `atr_avg` is the mean of the `window` ATR values BEFORE the current one, so a
    spike is compared against the calm that preceded it. A bar whose open time is
    not after the symbol's last one is ignored (a replay resuming after a restart).
    """

    def __init__(self, period: int = 14, window: int = 20) -> None:
        if period < 1 or window < 1:
            raise InputError(f"ATR period and window must be >= 1, not {period} and {window}")
        self.period = period
        self.window = window
        self._symbols: dict[str, _AtrState] = {}

    def update(self, symbol: str, bar: Bar) -> float | None:
        """Feed one closed bar; returns the symbol's ATR after it (None while warming up)."""
        state = self._symbols.get(symbol)
        if state is None:
            state = _AtrState(self.period, self.window, history=deque(maxlen=self.window))
            self._symbols[symbol] = state
        if state.last_open_ms is not None and bar.open_ms <= state.last_open_ms:
            return state.atr
        true_range = bar.high - bar.low
        if state.prev_close is not None:
            true_range = max(
                true_range, abs(bar.high - state.prev_close), abs(bar.low - state.prev_close)
            )
        if state.atr is None:
            state.seed.append(true_range)
            if len(state.seed) == state.period:
                state.atr = sum(state.seed) / state.period
                state.seed = []
        else:
            state.history.append(state.atr)
            state.atr = (state.atr * (state.period - 1) + true_range) / state.period
        state.prev_close = bar.close
        state.last_open_ms = bar.open_ms
        return state.atr

    def atr(self, symbol: str) -> float | None:
        """The current ATR of `symbol` (None before `period` bars)."""
        state = self._symbols.get(symbol)
        return None if state is None else state.atr

    def atr_avg(self, symbol: str) -> float | None:
        """Mean of the `window` ATR values before the current one (None until known)."""
        state = self._symbols.get(symbol)
        if state is None or len(state.history) < state.window:
            return None
        return sum(state.history) / len(state.history)

    def state(self, symbols: bool = True) -> dict[str, Any]:
        """JSON-able snapshot of every symbol's ATR state (`symbols=False`: the settings
        only, for a caller that stores each symbol with `symbol_state`)."""
        return {
            "period": self.period,
            "window": self.window,
            "symbols": (
                {name: _atr_state(s) for name, s in self._symbols.items()} if symbols else {}
            ),
        }

    def symbol_state(self, symbol: str) -> dict[str, Any] | None:
        """One symbol's part of `state()`; None before its first bar."""
        state = self._symbols.get(symbol)
        return None if state is None else _atr_state(state)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> AtrTracker:
        """A tracker continuing from `state()` (`DataError` when it is malformed)."""
        try:
            tracker = cls(int(state["period"]), int(state["window"]))
            for name, data in state["symbols"].items():
                tracker._symbols[str(name)] = _AtrState(
                    period=tracker.period,
                    window=tracker.window,
                    last_open_ms=_opt_int(data["last_open_ms"]),
                    prev_close=None if data["prev_close"] is None else float(data["prev_close"]),
                    seed=[float(v) for v in data["seed"]],
                    atr=None if data["atr"] is None else float(data["atr"]),
                    history=deque((float(v) for v in data["history"]), maxlen=tracker.window),
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed ATR tracker state: {exc}") from None
        return tracker


def _atr_state(state: _AtrState) -> dict[str, Any]:
    return {
        "last_open_ms": state.last_open_ms,
        "prev_close": state.prev_close,
        "seed": list(state.seed),
        "atr": state.atr,
        "history": list(state.history),
    }


__all__ = [
    "BREAKERS",
    "NO_SPREAD_DATA",
    "AtrTracker",
    "RiskContext",
    "RiskDecision",
    "RiskEvent",
    "RiskGate",
    "RiskSettings",
    "day_start_ms",
]
