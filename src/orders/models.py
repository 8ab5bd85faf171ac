"""Plain typed records shared by the execution model, the backtests and the simulation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from scalplab.data.bars import Bar
from scalplab.strategies.signal import Side

__all__ = [
    "Bar",
    "ExitReason",
    "Liquidity",
    "Position",
    "SignalRecord",
    "SignalStatus",
    "Trade",
    "fields_dict",
]

ExitReason = Literal["tp", "sl", "liquidation", "end", "max_hold", "manual"]
Liquidity = Literal["maker", "taker"]
SignalStatus = Literal["accepted", "rejected", "dropped"]


def fields_dict(obj: Any) -> dict[str, Any]:
    """A dataclass whose fields are all plain values, as a dict (no `asdict` deep copy)."""
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


@dataclass(slots=True)
class Position:
    """An open isolated-margin position on one feed."""

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

    @property
    def direction(self) -> int:
        """+1 for a long, −1 for a short."""
        return 1 if self.side == "long" else -1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also its persisted state)."""
        return fields_dict(self)

    def unrealised(self, price: float) -> float:
        """Mark-to-market P&L at `price` (fees and funding are already in cash)."""
        return (price - self.entry_price) * self.qty * self.direction


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed round trip. `fees` and `funding` are costs paid (funding < 0 = received)."""

    feed: str
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (also its persisted state)."""
        return fields_dict(self)


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """What became of one signal: accepted, rejected (with a reason) or dropped."""

    feed: str
    time_ms: int
    side: Side
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float
    reasons: tuple[str, ...]
    status: SignalStatus
    reason: str = ""
    qty: float = 0.0
