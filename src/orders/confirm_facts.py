"""What a person needs to decide a pending confirmation, fixed when it is asked.

`ConfirmationFacts` is computed once, at signal time (the close of the signal's bar), from
the queued order and the account at that instant, and stored with the confirmation:

- `entry`: the signal's price (a person's order: its limit/trigger price, else the last close);
- `stop_loss`, `take_profits` (each leg's price and quantity; one leg without a ladder);
- `qty` (base asset), `notional = qty × entry`, `leverage` (the account's `MAX_LEVERAGE`)
  and `initial_margin = notional / leverage` (USDT);
- `risk_usdt = qty × |entry − stop_loss|` and `risk_pct`, that risk in % of `equity`
  (cash + unrealised P&L at signal time, the equity sizing used);
- `reward_risk = |take-profit − entry| / |entry − stop_loss|`, the take-profit being the
  quantity-weighted average of the legs (ARCHITECTURE: the gate's measure);
- the signal's `bar_ms` (the open-time label of bar t), `reasons`, `confidence`, and the
  strategy's `score`, `tier`, `variant` and `breakdown` when it gave them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from scalplab.errors import DataError
from scalplab.orders.models import SignalRecord
from scalplab.orders.types import Order
from scalplab.orders.venue import Venue
from scalplab.timeutil import iso_ms


@dataclass(frozen=True, slots=True)
class TargetLeg:
    """One take-profit of the order: its price and the quantity it closes."""

    price: float
    qty: float


@dataclass(frozen=True, slots=True)
class ConfirmationFacts:
    """The figures of a pending confirmation at signal time (see the module docstring)."""

    side: str
    entry: float
    stop_loss: float | None
    take_profits: tuple[TargetLeg, ...]
    qty: float
    notional: float
    leverage: float
    initial_margin: float
    equity: float
    risk_usdt: float | None
    risk_pct: float | None
    reward_risk: float | None
    bar_ms: int
    reasons: tuple[str, ...] = ()
    confidence: float | None = None
    score: float | None = None
    tier: str | None = None
    variant: str | None = None
    breakdown: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (numbers as JSON numbers, the bar time in ms and ISO-8601 UTC)."""
        return {
            "side": self.side,
            "entry": self.entry,
            "stop_loss": self.stop_loss,
            "take_profits": [{"price": leg.price, "qty": leg.qty} for leg in self.take_profits],
            "qty": self.qty,
            "notional": self.notional,
            "leverage": self.leverage,
            "initial_margin": self.initial_margin,
            "equity": self.equity,
            "risk_usdt": self.risk_usdt,
            "risk_pct": self.risk_pct,
            "reward_risk": self.reward_risk,
            "bar_ms": self.bar_ms,
            "bar_time": iso_ms(self.bar_ms),
            "reasons": list(self.reasons),
            "confidence": self.confidence,
            "score": self.score,
            "tier": self.tier,
            "variant": self.variant,
            "breakdown": dict(self.breakdown),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfirmationFacts:
        """Inverse of `to_dict` (`DataError` when a stored row is malformed)."""
        try:
            return cls(
                side=str(data["side"]),
                entry=float(data["entry"]),
                stop_loss=_opt_float(data["stop_loss"]),
                take_profits=tuple(
                    TargetLeg(float(leg["price"]), float(leg["qty"]))
                    for leg in data["take_profits"]
                ),
                qty=float(data["qty"]),
                notional=float(data["notional"]),
                leverage=float(data["leverage"]),
                initial_margin=float(data["initial_margin"]),
                equity=float(data["equity"]),
                risk_usdt=_opt_float(data["risk_usdt"]),
                risk_pct=_opt_float(data["risk_pct"]),
                reward_risk=_opt_float(data["reward_risk"]),
                bar_ms=int(data["bar_ms"]),
                reasons=tuple(str(reason) for reason in data.get("reasons", ())),
                confidence=_opt_float(data.get("confidence")),
                score=_opt_float(data.get("score")),
                tier=data.get("tier"),
                variant=data.get("variant"),
                breakdown={str(k): float(v) for k, v in (data.get("breakdown") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed confirmation figures: {exc}") from None


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _targets(order: Order) -> tuple[TargetLeg, ...]:
    if order.exits is not None and order.exits.take_profits:
        return tuple(
            TargetLeg(float(leg.price), float(leg.qty)) for leg in order.exits.take_profits
        )
    if order.take_profit is None or order.qty is None:
        return ()
    return (TargetLeg(float(order.take_profit), float(order.qty)),)


def _reward_risk(entry: float, stop: float | None, targets: tuple[TargetLeg, ...]) -> float | None:
    if stop is None or not targets or abs(entry - stop) <= 0:
        return None
    qty = sum(leg.qty for leg in targets)
    if qty <= 0:
        return None
    average = sum(leg.price * leg.qty for leg in targets) / qty
    return abs(average - entry) / abs(entry - stop)


def facts_at(
    order: Order, venue: Venue, book: str, leverage: float, bar_ms: int, record: SignalRecord | None
) -> ConfirmationFacts:
    """`confirmation_facts` of `order` of `book` now, at the close of the signal's bar: the
    signal's price (a person's order: its limit/trigger price, else the last close) and the
    venue's equity."""
    entry = record.entry if record is not None else None
    if entry is None:
        bar = venue.last_bar(book)
        last = float(order.price or order.stop_price or 0) if bar is None else bar.close
        entry = float(order.request.entry_price(last))
    return confirmation_facts(order, entry, venue.equity(), leverage, bar_ms, record)


def confirmation_facts(
    order: Order,
    entry: float,
    equity: float,
    leverage: float,
    bar_ms: int,
    record: SignalRecord | None,
) -> ConfirmationFacts:
    """The figures of `order` asked for confirmation at signal time (`record`: its signal)."""
    qty = float(order.qty if order.qty is not None else Decimal(0))
    stop = None if order.stop_loss is None else float(order.stop_loss)
    targets = _targets(order)
    notional = qty * entry
    risk = None if stop is None else qty * abs(entry - stop)
    risk_pct = None if risk is None or equity <= 0 else risk / equity * 100.0
    side = ("long" if order.side == "buy" else "short") if record is None else record.side
    return ConfirmationFacts(
        side=side,
        entry=entry,
        stop_loss=stop,
        take_profits=targets,
        qty=qty,
        notional=notional,
        leverage=leverage,
        initial_margin=notional / leverage if leverage > 0 else notional,
        equity=equity,
        risk_usdt=risk,
        risk_pct=risk_pct,
        reward_risk=_reward_risk(entry, stop, targets),
        bar_ms=bar_ms,
        reasons=() if record is None else record.reasons,
        confidence=None if record is None else record.confidence,
        score=None if record is None else record.score,
        tier=None if record is None else record.tier,
        variant=None if record is None else record.variant,
        breakdown={} if record is None else dict(record.breakdown),
    )
