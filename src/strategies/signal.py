"""The signal contract between a strategy plugin and the execution model.

A `Signal` is a trade idea produced on the close of a bar: a side, the price the
strategy sizes against, a stop-loss, and either one take-profit or a ladder of them.
Optional fields carry the richer exits of ARCHITECTURE.md ("Exits beyond one stop and
one target") and the strategy's own account of why it fired (score, tier, variant,
breakdown); those never change execution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

Side = Literal["long", "short"]

FRACTION_TOLERANCE = 1e-9
"""How far the ladder's fractions may sum from 1 (float noise)."""


def _positive_finite(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _leg_number(value: object, legs: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= legs:
        raise ValueError(f"signal {what} must be a leg number 1..{legs}, not {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Signal:
    """A trade idea produced on the close of a bar.

    `entry` is the price the strategy sizes against (normally the bar's close);
    the fill happens at the next bar's open. `stop_loss` and the take-profits are
    absolute prices. Whether the levels make sense (stop below a long entry, ...)
    is judged by the execution model, which records a rejection otherwise.

    Exits (ARCHITECTURE.md, "Exits beyond one stop and one target"):
    - `take_profits`: `[(price, fraction), ...]`, nearest to the entry first, fractions
      summing to 1; it replaces `take_profit`, which then reads as the farthest leg.
    - `breakeven_after_leg=k`: the stop moves to the entry fill once leg k (1-based)
      has filled; `stop_to_leg_after_leg=(k, j)`: to leg j's price once leg k has.
    - `trail_atr=(multiple, period)`: the stop trails `close ∓ multiple × ATR(period)`.
    - `max_hold_bars=B`: closed at the open after bar B of the position (the entry bar
      is bar 1); overrides the strategy's `max_hold_bars` param for this trade.

    `score` (0..100), `tier`, `variant` and `breakdown` (`{feature: value}`, finite
    numbers) travel with the signal into its record, the API and notifications.
    """

    side: Side
    entry: float
    stop_loss: float
    take_profit: float | None = None
    confidence: float = 50.0
    reasons: list[str] = field(default_factory=list)
    take_profits: tuple[tuple[float, float], ...] | None = None
    breakeven_after_leg: int | None = None
    stop_to_leg_after_leg: tuple[int, int] | None = None
    trail_atr: tuple[float, int] | None = None
    max_hold_bars: int | None = None
    score: float | None = None
    tier: str | None = None
    variant: str | None = None
    breakdown: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.side not in ("long", "short"):
            raise ValueError(f"signal side must be 'long' or 'short', not {self.side!r}")
        for label in ("entry", "stop_loss"):
            value = getattr(self, label)
            if not _positive_finite(value):
                raise ValueError(f"signal {label} must be a positive finite number, not {value!r}")
        if self.take_profits is not None:
            legs = self._checked_ladder(self.take_profits)
            object.__setattr__(self, "take_profits", legs)
            object.__setattr__(self, "take_profit", legs[-1][0])
        elif self.take_profit is None:
            raise ValueError("a signal needs a take_profit or a take_profits ladder")
        elif not _positive_finite(self.take_profit):
            raise ValueError(
                f"signal take_profit must be a positive finite number, not {self.take_profit!r}"
            )
        if not 0 <= self.confidence <= 100:
            raise ValueError(f"signal confidence must be within 0..100, not {self.confidence!r}")
        self._check_stop_rules()
        self._check_payload()

    def _checked_ladder(self, ladder: object) -> tuple[tuple[float, float], ...]:
        if not isinstance(ladder, list | tuple) or not ladder:
            raise ValueError(
                f"signal take_profits must be a list of (price, fraction), not {ladder!r}"
            )
        legs: list[tuple[float, float]] = []
        for leg in ladder:
            if not isinstance(leg, list | tuple) or len(leg) != 2:
                raise ValueError(f"a take_profits leg must be (price, fraction), not {leg!r}")
            price, fraction = leg
            if not _positive_finite(price):
                raise ValueError(
                    f"a take_profits price must be a positive finite number, not {price!r}"
                )
            if not _positive_finite(fraction) or fraction > 1:
                raise ValueError(f"a take_profits fraction must be within (0, 1], not {fraction!r}")
            legs.append((float(price), float(fraction)))
        total = math.fsum(fraction for _, fraction in legs)
        if abs(total - 1.0) > FRACTION_TOLERANCE:
            raise ValueError(f"the take_profits fractions sum to {total:g}, not 1")
        distances = [abs(price - self.entry) for price, _ in legs]
        if any(b <= a for a, b in pairwise(distances)):
            raise ValueError("take_profits must be listed nearest to the entry first")
        return tuple(legs)

    def _check_stop_rules(self) -> None:
        legs = len(self.take_profits) if self.take_profits is not None else 1
        if self.breakeven_after_leg is not None:
            _leg_number(self.breakeven_after_leg, legs, "breakeven_after_leg")
        if self.stop_to_leg_after_leg is not None:
            rule = self.stop_to_leg_after_leg
            if not isinstance(rule, list | tuple) or len(rule) != 2:
                raise ValueError(f"signal stop_to_leg_after_leg must be (k, j), not {rule!r}")
            after = _leg_number(rule[0], legs, "stop_to_leg_after_leg k")
            to = _leg_number(rule[1], legs, "stop_to_leg_after_leg j")
            object.__setattr__(self, "stop_to_leg_after_leg", (after, to))
        if self.trail_atr is not None:
            trail = self.trail_atr
            if not isinstance(trail, list | tuple) or len(trail) != 2:
                raise ValueError(f"signal trail_atr must be (multiple, period), not {trail!r}")
            multiple, period = trail
            if not _positive_finite(multiple):
                raise ValueError(f"signal trail_atr multiple must be positive, not {multiple!r}")
            if isinstance(period, bool) or not isinstance(period, int) or period < 1:
                raise ValueError(
                    f"signal trail_atr period must be a whole number ≥ 1, not {period!r}"
                )
            object.__setattr__(self, "trail_atr", (float(multiple), period))
        hold = self.max_hold_bars
        if hold is not None and (isinstance(hold, bool) or not isinstance(hold, int) or hold < 1):
            raise ValueError(f"signal max_hold_bars must be a whole number ≥ 1, not {hold!r}")

    def _check_payload(self) -> None:
        if self.score is not None and not (
            isinstance(self.score, int | float) and 0 <= self.score <= 100
        ):
            raise ValueError(f"signal score must be within 0..100, not {self.score!r}")
        for label in ("tier", "variant"):
            value = getattr(self, label)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"signal {label} must be text, not {value!r}")
        for name, value in self.breakdown.items():
            if (
                not isinstance(name, str)
                or not isinstance(value, int | float)
                or not (math.isfinite(value))
            ):
                raise ValueError(
                    f"signal breakdown entries must be feature name → finite number, "
                    f"not {name!r}: {value!r}"
                )

    @property
    def target(self) -> float:
        """The farthest take-profit (the single one without a ladder)."""
        assert self.take_profit is not None  # set by __post_init__
        return self.take_profit

    @property
    def legs(self) -> tuple[tuple[float, float], ...]:
        """The take-profit legs `(price, fraction)`: the ladder, or one leg of 1."""
        return self.take_profits if self.take_profits is not None else ((self.target, 1.0),)

    @property
    def levels_valid(self) -> bool:
        """Stop on the losing side of the entry, every take-profit on the winning side."""
        prices = [price for price, _ in self.legs]
        if self.side == "long":
            return self.stop_loss < self.entry < min(prices)
        return max(prices) < self.entry < self.stop_loss

    @property
    def reward_risk(self) -> float:
        """`|target − entry| / |entry − stop_loss|` with the target the fraction-weighted
        average leg price (0 when the risk is zero). The order pipeline measures the gate
        at the weights of the legs' final, rounded quantities."""
        risk = abs(self.entry - self.stop_loss)
        target = math.fsum(price * fraction for price, fraction in self.legs)
        return abs(target - self.entry) / risk if risk > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (the optional fields only when set)."""
        data: dict[str, object] = {
            "side": self.side,
            "entry": self.entry,
            "stop_loss": self.stop_loss,
            "take_profit": self.take_profit,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
        }
        if self.take_profits is not None:
            data["take_profits"] = [list(leg) for leg in self.take_profits]
        for name in ("breakeven_after_leg", "max_hold_bars", "score", "tier", "variant"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.stop_to_leg_after_leg is not None:
            data["stop_to_leg_after_leg"] = list(self.stop_to_leg_after_leg)
        if self.trail_atr is not None:
            data["trail_atr"] = list(self.trail_atr)
        if self.breakdown:
            data["breakdown"] = dict(self.breakdown)
        return data
