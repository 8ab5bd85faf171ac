"""Exits beyond one stop and one target, as an order and a position carry them.

ARCHITECTURE.md ("Exits beyond one stop and one target"): a signal may give a ladder
of take-profits and stop rules. Once the order pipeline has planned them
(`scalplab.orders.ladder`) they are `ExitRules`: the final legs (the tick price, the
step quantity and, once queued, the order that works each), the stop rules and the
signal's own max-hold. The rules travel on the queue's entry order (so an order that
waits for a person's confirmation still carries them) into the execution model's
position, and survive a restart in both (`to_dict` / `from_dict`).

A signal without any of these fields trades with `exits=None`: the plain bracket of one
stop and one target, at no extra cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from scalplab.errors import InputError, snippet


@dataclass(frozen=True, slots=True)
class TakeProfitLeg:
    """One leg of a take-profit ladder as it trades: a reduce-only limit.

    `number` is the signal's leg number (1-based, nearest to the entry first) and
    `covers` the signal's legs whose quantity it carries — its own and any leg merged
    into it for being under the min notional; a merged leg counts as filled when this
    one fills. `order_id` names the queue's child order that works it (None before it
    is queued).
    """

    number: int
    price: Decimal
    qty: Decimal
    covers: tuple[int, ...]
    order_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (decimals as strings)."""
        return {
            "leg": self.number,
            "price": format(self.price, "f"),
            "qty": format(self.qty, "f"),
            "covers": list(self.covers),
            "order_id": self.order_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TakeProfitLeg:
        """Inverse of `to_dict`."""
        return cls(
            number=int(data["leg"]),
            price=Decimal(str(data["price"])),
            qty=Decimal(str(data["qty"])),
            covers=tuple(int(number) for number in data["covers"]),
            order_id=data.get("order_id"),
        )


@dataclass(frozen=True, slots=True)
class ExitRules:
    """A trade's take-profit ladder, stop rules and max-hold (see the module docstring).

    - `take_profits`: the final legs, nearest first (empty: the order's one take-profit);
    - `leg_prices`: every leg of the signal on the tick, by number (merged legs too), the
      prices `stop_to_leg_after_leg` moves the stop to;
    - `breakeven_after_leg=k`: the stop to the entry fill once leg k has filled;
    - `stop_to_leg_after_leg=(k, j)`: the stop to leg j's price once leg k has filled;
    - `trail_atr=(multiple, period)`: the stop to `close ∓ multiple × ATR(period)`;
    - `max_hold_bars=B`: a market exit at the open after bar B (the entry bar is bar 1).
    """

    take_profits: tuple[TakeProfitLeg, ...] = ()
    leg_prices: tuple[Decimal, ...] = ()
    breakeven_after_leg: int | None = None
    stop_to_leg_after_leg: tuple[int, int] | None = None
    trail_atr: tuple[float, int] | None = None
    max_hold_bars: int | None = None

    @property
    def laddered(self) -> bool:
        """True when the take-profit is a ladder of legs."""
        return bool(self.take_profits)

    @property
    def moves_stop(self) -> bool:
        """True when a stop rule may move the stop."""
        return (
            self.breakeven_after_leg is not None
            or self.stop_to_leg_after_leg is not None
            or self.trail_atr is not None
        )

    def with_order_ids(self, order_ids: tuple[str, ...]) -> ExitRules:
        """The same rules with the queue's take-profit child ids, leg by leg."""
        if len(order_ids) != len(self.take_profits):
            raise InputError(
                f"{len(self.take_profits)} take-profit legs but {len(order_ids)} child orders"
            )
        legs = tuple(
            replace(leg, order_id=order_id)
            for leg, order_id in zip(self.take_profits, order_ids, strict=True)
        )
        return replace(self, take_profits=legs)

    def filled_legs(self, final_legs_filled: int) -> frozenset[int]:
        """The signal's leg numbers that count as filled once the first
        `final_legs_filled` final legs have (legs fill nearest first)."""
        return frozenset(n for leg in self.take_profits[:final_legs_filled] for n in leg.covers)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (decimals as strings; the rules only when set)."""
        data: dict[str, Any] = {
            "take_profits": [leg.to_dict() for leg in self.take_profits],
            "leg_prices": [format(price, "f") for price in self.leg_prices],
        }
        if self.breakeven_after_leg is not None:
            data["breakeven_after_leg"] = self.breakeven_after_leg
        if self.stop_to_leg_after_leg is not None:
            data["stop_to_leg_after_leg"] = list(self.stop_to_leg_after_leg)
        if self.trail_atr is not None:
            data["trail_atr"] = list(self.trail_atr)
        if self.max_hold_bars is not None:
            data["max_hold_bars"] = self.max_hold_bars
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExitRules:
        """Inverse of `to_dict` (`InputError` when it is malformed)."""
        try:
            stop_to_leg = data.get("stop_to_leg_after_leg")
            trail = data.get("trail_atr")
            breakeven = data.get("breakeven_after_leg")
            hold = data.get("max_hold_bars")
            return cls(
                take_profits=tuple(TakeProfitLeg.from_dict(leg) for leg in data["take_profits"]),
                leg_prices=tuple(Decimal(str(price)) for price in data.get("leg_prices", [])),
                breakeven_after_leg=None if breakeven is None else int(breakeven),
                stop_to_leg_after_leg=(
                    None if stop_to_leg is None else (int(stop_to_leg[0]), int(stop_to_leg[1]))
                ),
                trail_atr=None if trail is None else (float(trail[0]), int(trail[1])),
                max_hold_bars=None if hold is None else int(hold),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError, IndexError) as exc:
            raise InputError(f"malformed exit rules: {snippet(exc)}") from None


def exit_rules(data: object) -> ExitRules | None:
    """`ExitRules` from an `ExitRules`, its `to_dict` form or None (stored orders and
    positions, and requests built in code)."""
    if data is None or isinstance(data, ExitRules):
        return data
    if isinstance(data, dict):
        return ExitRules.from_dict(data)
    raise InputError(f"exit rules must be an object, not {snippet(data)}")
