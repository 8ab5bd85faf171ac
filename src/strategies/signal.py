"""The signal contract between a strategy plugin and the execution model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

Side = Literal["long", "short"]


@dataclass(frozen=True, slots=True)
class Signal:
    """A trade idea produced on the close of a bar.

    `entry` is the price the strategy sizes against (normally the bar's close);
    the fill happens at the next bar's open. `stop_loss` and `take_profit` are
    absolute prices. Whether the levels make sense (stop below a long entry, ...)
    is judged by the execution model, which records a rejection otherwise.
    """

    side: Side
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float = 50.0
    reasons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.side not in ("long", "short"):
            raise ValueError(f"signal side must be 'long' or 'short', not {self.side!r}")
        for label in ("entry", "stop_loss", "take_profit"):
            value = getattr(self, label)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"signal {label} must be a positive finite number, not {value!r}")
        if not 0 <= self.confidence <= 100:
            raise ValueError(f"signal confidence must be within 0..100, not {self.confidence!r}")

    @property
    def levels_valid(self) -> bool:
        """Stop on the losing side of the entry, take-profit on the winning side."""
        if self.side == "long":
            return self.stop_loss < self.entry < self.take_profit
        return self.take_profit < self.entry < self.stop_loss

    @property
    def reward_risk(self) -> float:
        """`|take_profit − entry| / |entry − stop_loss|` (0 when the risk is zero)."""
        risk = abs(self.entry - self.stop_loss)
        return abs(self.take_profit - self.entry) / risk if risk > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return {
            "side": self.side,
            "entry": self.entry,
            "stop_loss": self.stop_loss,
            "take_profit": self.take_profit,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
        }
