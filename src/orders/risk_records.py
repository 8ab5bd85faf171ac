"""What the risk gate reads and says: the context of one prospective entry, the verdict,
and the audit record of a block.

A verdict names the breaker that decided it and, for the audit, the scope it acted on
(`global`, `strategy`, `symbol`; a pause acts on every entry: `global`), its effect
(`block_signal`, `block_scope`, `pause`, `pause_until`, `raise_threshold`) and until when
it holds (bar-clock epoch ms; None: while its condition holds, or until a person resumes
trading). An allowing verdict may carry a `SizeScale`: breakers whose effect is to scale
the entry's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scalplab.errors import InputError
from scalplab.orders.models import ReasonParams, SignalRecord
from scalplab.strategies.breakers import BreakerInputs
from scalplab.timeutil import iso_ms

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
TOLERANCE = 1e-9
NO_SPREAD_DATA = "no spread data"

GLOBAL = "global"
BLOCK_SIGNAL = "block_signal"
PAUSE = "pause"
PAUSE_UNTIL = "pause_until"


@dataclass(frozen=True, slots=True)
class OpenBook:
    """A book of the account holding a position, an entry waiting to fill or an order
    waiting for confirmation: its side and its open risk (what its stop would lose, ≥ 0,
    in the quote currency)."""

    symbol: str
    strategy: str
    side: str
    risk: float


@dataclass(frozen=True, slots=True)
class RiskContext:
    """Everything the gate needs about one prospective order, at bar time `now_ms`.

    `reward_risk` is `None` for an order without both bracket levels (the `min_rr`
    check then does not apply); `open_positions` counts the books holding a position,
    an entry waiting to fill or an order waiting for confirmation; `spread_pct`,
    `atr` and `atr_avg` are `None` when unknown. What the gate has seen before (the
    UTC day's start equity, accepted entries, closed trades) it keeps itself.
    `declared` is what a strategy's signal brings (its breakers, its feeds' lags; None
    for a person's order) and `score` the signal's score (None: it has none).
    `entry_risk` is the sized entry's quantity × |entry − stop| (None: unknown) and
    `open_books` the account's busy books, built only when a declared breaker reads them.
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
    score: float | None = None
    declared: BreakerInputs | None = None
    entry_risk: float | None = None
    open_books: tuple[OpenBook, ...] = ()


@dataclass(frozen=True, slots=True)
class SizeScale:
    """Breakers that scale an entry: the product of their factors, their names, why (also
    as a code and its numbers when one breaker scaled it; see `scalplab.orders.breakers`)."""

    factor: float
    breakers: tuple[str, ...]
    reason: str
    code: str | None = field(default=None, compare=False)
    params: ReasonParams = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The gate's verdict: allowed, or blocked by `breaker` with a one-line `reason`.

    Two verdicts are equal when `allowed`, `breaker`, `reason` and `scale` are; `scope`,
    `effect` and `until_ms` describe a block for its audit record; `code` and `params`
    say the reason as a stable code and its numbers (None: only the text says it), for
    front ends that translate it.
    """

    allowed: bool
    breaker: str | None
    reason: str
    scale: SizeScale | None = None
    scope: str = field(default=GLOBAL, compare=False)
    effect: str = field(default=BLOCK_SIGNAL, compare=False)
    until_ms: int | None = field(default=None, compare=False)
    code: str | None = field(default=None, compare=False)
    params: ReasonParams = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"allowed": self.allowed, "breaker": self.breaker, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A recorded block: when (bar time), which book, which breaker, why (and the reason's
    code and numbers, see `RiskDecision`: the text's other form, not compared); the scope
    it acted on, its effect and until when it holds (None: see `RiskDecision`)."""

    time_ms: int
    symbol: str
    strategy: str
    breaker: str
    reason: str
    scope: str = GLOBAL
    effect: str = BLOCK_SIGNAL
    until_ms: int | None = None
    code: str | None = field(default=None, compare=False)
    params: ReasonParams = field(default_factory=dict, compare=False)

    @classmethod
    def from_decision(cls, context: RiskContext, decision: RiskDecision) -> RiskEvent:
        """The event of a blocking decision (`InputError` for an allowing one)."""
        if decision.allowed or decision.breaker is None:
            raise InputError("only a blocking risk decision becomes a risk event")
        return cls(
            context.now_ms,
            context.symbol,
            context.strategy,
            decision.breaker,
            decision.reason,
            decision.scope,
            decision.effect,
            decision.until_ms,
            decision.code,
            dict(decision.params),
        )

    def stamp(self, record: SignalRecord) -> SignalRecord:
        """The blocked signal's record carrying this block: its breaker, scope, effect,
        end and the reason's code and numbers."""
        return replace(
            record,
            breaker=self.breaker,
            scope=self.scope,
            effect=self.effect,
            until_ms=self.until_ms,
            reason_code=self.code,
            reason_params=dict(self.params),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form (ISO-8601 UTC times)."""
        return {
            "time": iso_ms(self.time_ms),
            "symbol": self.symbol,
            "strategy": self.strategy,
            "breaker": self.breaker,
            "reason": self.reason,
            "scope": self.scope,
            "effect": self.effect,
            "until": None if self.until_ms is None else iso_ms(self.until_ms),
            "code": self.code,
            "params": dict(self.params),
        }


def day_start_ms(now_ms: int) -> int:
    """00:00 UTC of the day holding `now_ms`."""
    return now_ms - now_ms % DAY_MS


def time_left(until_ms: int, now_ms: int) -> str:
    """`9m00s`: what is left of a hold at `now_ms` (minutes may exceed 59)."""
    seconds = max(0, until_ms - now_ms) // 1000
    return f"{seconds // 60}m{seconds % 60:02d}s"


def allow(reason: str = "", scale: SizeScale | None = None) -> RiskDecision:
    """An allowing verdict (`reason`: notes, such as a breaker without data)."""
    return RiskDecision(True, None, reason, scale)


def block(
    breaker: str,
    reason: str,
    scope: str = GLOBAL,
    effect: str = BLOCK_SIGNAL,
    until_ms: int | None = None,
    code: str | None = None,
    params: ReasonParams | None = None,
) -> RiskDecision:
    """A blocking verdict of `breaker` (`code`/`params`: the reason as a code)."""
    return RiskDecision(
        False, breaker, reason, None, scope, effect, until_ms, code, dict(params or {})
    )


__all__ = [
    "BLOCK_SIGNAL",
    "DAY_MS",
    "GLOBAL",
    "HOUR_MS",
    "MINUTE_MS",
    "NO_SPREAD_DATA",
    "PAUSE",
    "PAUSE_UNTIL",
    "TOLERANCE",
    "OpenBook",
    "ReasonParams",
    "RiskContext",
    "RiskDecision",
    "RiskEvent",
    "SizeScale",
    "allow",
    "block",
    "day_start_ms",
    "time_left",
]
