"""Plain typed records shared by the execution model, the order pipeline and every mode.

A *book* is one strategy trading one symbol: it holds at most one position and one
pending entry (ARCHITECTURE.md: one open position per (strategy, symbol)). Its id is
`"SYMBOL/strategy"` (`book_id`), the key of every per-book structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from scalplab.data.bars import Bar
from scalplab.orders.exits import ExitRules, exit_rules
from scalplab.strategies.signal import Side
from scalplab.timeutil import iso_ms

__all__ = [
    "SIGNAL_FATES",
    "Bar",
    "BookKey",
    "ExitReason",
    "Liquidity",
    "Position",
    "ReasonParams",
    "SignalFate",
    "SignalRecord",
    "Trade",
    "as_code",
    "book_id",
    "fields_dict",
    "signal_dict",
    "trade_dict",
]

ExitReason = Literal["tp", "sl", "liquidation", "end", "max_hold", "signal", "manual"]
Liquidity = Literal["maker", "taker"]
ReasonParams = dict[str, float | str]
"""The numbers (or names) a reason code's message fills in: `{"rr": 2.1, "min": 3.0}`."""
SignalFate = Literal[
    "accepted", "rejected", "blocked", "pending", "expired", "cancelled", "dropped"
]
"""What became of a signal, in every mode and every view (CLI JSON, API, SPA):

- accepted: its entry order was queued (at once, or once a person confirmed it);
- rejected: an execution-model check or `min_rr` refused it (`reason` says which), or a
  person rejected its confirmation;
- blocked: a circuit breaker refused it (`breaker` and `reason`);
- pending: it waits for a person's confirmation;
- expired: its confirmation timed out;
- cancelled: its confirmation was withdrawn (the pair's data ended first);
- dropped: produced on the last bar, with no bar left to fill it on (not a rejection).
"""
SIGNAL_FATES: tuple[str, ...] = get_args(SignalFate)


def fields_dict(obj: Any) -> dict[str, Any]:
    """A dataclass whose fields are all plain values, as a dict (no `asdict` deep copy)."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def book_id(symbol: str, strategy: str) -> str:
    """The id of the book of `strategy` on `symbol`: `"BTCUSDT/sma_cross"`."""
    return f"{symbol}/{strategy}"


@dataclass(frozen=True, slots=True)
class BookKey:
    """Which strategy trades which symbol (one position at a time)."""

    symbol: str
    strategy: str

    @property
    def id(self) -> str:
        """`"SYMBOL/strategy"`."""
        return book_id(self.symbol, self.strategy)

    @classmethod
    def parse(cls, text: str) -> BookKey:
        """Inverse of `id`."""
        symbol, _, strategy = text.partition("/")
        return cls(symbol, strategy)


@dataclass(slots=True)
class Position:
    """An open isolated-margin position of one book.

    `stop_loss`/`take_profit` are the tick-rounded levels that fill; the order ids
    name the queue's orders behind them (None for a position opened without one).
    `exits` are its take-profit ladder, stop rules and max-hold (None: one stop, one
    target; `take_profit` is then a ladder's farthest leg) and `legs_filled` how many of
    the ladder's legs have filled (nearest first). A stop rule moves `stop_loss`.
    """

    side: Side
    qty: float
    entry_price: float
    entry_ms: int
    entry_index: int
    stop_loss: float | None
    take_profit: float | None
    liquidation_price: float
    margin: float
    fees: float
    funding: float
    slippage: float
    entry_order_id: str | None = None
    stop_order_id: str | None = None
    take_profit_order_id: str | None = None
    exits: ExitRules | None = None
    legs_filled: int = 0

    @property
    def direction(self) -> int:
        """+1 for a long, −1 for a short."""
        return 1 if self.side == "long" else -1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also its persisted state)."""
        data = fields_dict(self)
        if self.exits is not None:
            data["exits"] = self.exits.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Position:
        """Inverse of `to_dict` (state saved before exit rules existed loads too)."""
        return cls(**{**data, "exits": exit_rules(data.get("exits"))})

    def unrealised(self, price: float) -> float:
        """Mark-to-market P&L at `price` (fees and funding are already in cash)."""
        return (price - self.entry_price) * self.qty * self.direction


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed quantity of one book. `fees` and `funding` are costs paid (funding < 0 =
    received); a position closed in several fills gives one trade per fill, the entry's
    fee and funding shared out pro rata to quantity. `leg` is the take-profit ladder's
    leg (the signal's number) a `tp` fill closed, None for any other exit."""

    symbol: str
    strategy: str
    side: Side
    entry_ms: int
    exit_ms: int
    entry_price: float
    exit_price: float
    qty: float
    exit_reason: ExitReason
    fees: float
    funding: float
    slippage: float
    pnl: float
    bars_held: int
    leg: int | None = None

    @property
    def book(self) -> str:
        """The id of the book the trade belongs to."""
        return book_id(self.symbol, self.strategy)

    def to_dict(self) -> dict[str, Any]:
        """Persisted form (every field, times in ms)."""
        return fields_dict(self)


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One signal and its fate (`SignalFate`), with the levels it was decided on.

    `stop_loss`/`take_profit` are the signal's levels rounded to the tick (the ones
    sizing, the gate and every fill use); `breaker` names the circuit breaker of a
    `blocked` signal, `scope`, `effect` and `until_ms` its hold (as its `RiskEvent`
    has them; None for other fates); `order_id` the queued entry of an accepted or
    pending one.
    `score`, `tier`, `variant` and `breakdown` are the strategy's own account of the
    signal (`Signal`'s payload), carried unchanged into every view; never execution.
    `reason_code` and `reason_params` say `reason` as a stable code and its numbers (the
    `min_rr` rejection: `{"rr": 2.1, "min": 3.0}`; None: only the text says it), for
    front ends that translate it.
    """

    symbol: str
    strategy: str
    time_ms: int
    side: Side
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float
    reasons: tuple[str, ...]
    status: SignalFate
    reason: str = ""
    qty: float = 0.0
    breaker: str | None = None
    order_id: str | None = None
    scope: str | None = None
    effect: str | None = None
    until_ms: int | None = None
    score: float | None = None
    tier: str | None = None
    variant: str | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    reason_code: str | None = None
    reason_params: ReasonParams = field(default_factory=dict)


def as_code(reason: str) -> str | None:
    """`reason` when it is a code (`min_rr`, `position_open`: lower-case words joined by
    `_`), else None (a sentence, shown as it is)."""
    return (
        reason
        if reason and all(part.isalpha() and part.islower() for part in reason.split("_"))
        else None
    )


def trade_dict(trade: Trade) -> dict[str, object]:
    """One trade in the result's JSON shape (ISO-8601 UTC times)."""
    return {
        "symbol": trade.symbol,
        "strategy": trade.strategy,
        "side": trade.side,
        "entry_time": iso_ms(trade.entry_ms),
        "exit_time": iso_ms(trade.exit_ms),
        "entry_price": trade.entry_price,
        "exit_price": trade.exit_price,
        "qty": trade.qty,
        "exit_reason": trade.exit_reason,
        "fees": trade.fees,
        "funding": trade.funding,
        "slippage": trade.slippage,
        "pnl": trade.pnl,
        "bars_held": trade.bars_held,
        "leg": trade.leg,
    }


def signal_dict(record: SignalRecord) -> dict[str, object]:
    """One signal record in the result's JSON shape."""
    return {
        "time": iso_ms(record.time_ms),
        "side": record.side,
        "entry": record.entry,
        "stop_loss": record.stop_loss,
        "take_profit": record.take_profit,
        "confidence": record.confidence,
        "reasons": list(record.reasons),
        "status": record.status,
        "reason": record.reason,
        "reason_code": record.reason_code,
        "reason_params": dict(record.reason_params),
        "breaker": record.breaker,
        "scope": record.scope,
        "effect": record.effect,
        "until": None if record.until_ms is None else iso_ms(record.until_ms),
        "qty": record.qty,
        "score": record.score,
        "tier": record.tier,
        "variant": record.variant,
        "breakdown": dict(record.breakdown),
    }
