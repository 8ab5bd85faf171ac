"""Planning a signal's exits: the take-profit ladder sized, rounded and merged, its stop
rules and max-hold checked — before the reward/risk gate.

ARCHITECTURE.md ("Exits beyond one stop and one target"), in the order the pipeline
applies it once the entry is sized:

1. each leg's price is on the tick (`EntryPlan.take_profits_tick`, rounded when the
   signal is produced, like the stop);
2. each leg's quantity is `qty × fraction` rounded down to the step (with the sizing's
   1e-9-step tolerance, in Decimal), the last leg takes the remainder;
3. a leg whose notional at its own price is under the symbol's min notional is merged
   into the next one; the last leg, when under it, into the nearest earlier leg that
   still has a quantity. Nothing left (every leg merged into a last leg that is still
   under the min notional) is the rejection `leg_min_notional`;
4. the reward/risk of the `min_rr` gate is measured at the average leg price weighted by
   the final leg quantities.

A trailing rule whose ATR period is longer than the book's data can ever hold (the bars
seen plus those up to its last bar, when the venue knows it) is the rejection
`trail_period`: its stop could never move. A signal without any of the optional exit
fields is planned as before (`exits=None`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from scalplab.data.symbols import SymbolRules
from scalplab.orders.entry import EntryPlan
from scalplab.orders.exits import ExitRules, TakeProfitLeg
from scalplab.strategies.signal import Signal

STEP_TOLERANCE = Decimal("1e-9")
"""Float noise (in steps) forgiven when a leg's share is rounded down (as in sizing)."""


@dataclass(frozen=True, slots=True)
class ExitPlanning:
    """A signal's planned exits (None: the plain bracket), the reward/risk the gate
    measures, or the reason it cannot trade (`reason` empty: it can)."""

    exits: ExitRules | None
    reward_risk: float
    reason: str = ""


def has_exit_rules(signal: Signal) -> bool:
    """Whether the signal sets any of the exits beyond one stop and one target."""
    return (
        signal.take_profits is not None
        or signal.breakeven_after_leg is not None
        or signal.stop_to_leg_after_leg is not None
        or signal.trail_atr is not None
        or signal.max_hold_bars is not None
    )


def plan_exits(
    rules: SymbolRules,
    plan: EntryPlan,
    signal: Signal,
    qty: float,
    data_bars: int | Callable[[], int | None] | None,
) -> ExitPlanning:
    """The exits of a signal sized to `qty` (see the module docstring); `data_bars` is how
    many bars the book's data holds at most (None: open-ended, a live feed), or a function
    that tells — asked only when the signal trails."""
    if not has_exit_rules(signal):
        return ExitPlanning(None, plan.reward_risk)
    trail = signal.trail_atr
    if trail is not None:
        bars = data_bars() if callable(data_bars) else data_bars
        if bars is not None and trail[1] > bars:
            return ExitPlanning(None, plan.reward_risk, "trail_period")
    legs: tuple[TakeProfitLeg, ...] = ()
    reward_risk = plan.reward_risk
    if signal.take_profits is not None:
        fractions = [fraction for _, fraction in signal.take_profits]
        legs = ladder_legs(rules, plan.take_profits_tick, fractions, qty)
        if not legs:
            return ExitPlanning(None, reward_risk, "leg_min_notional")
        reward_risk = ladder_reward_risk(plan, legs)
    exits = ExitRules(
        take_profits=legs,
        leg_prices=plan.take_profits_tick or (plan.take_profit_tick,),
        breakeven_after_leg=signal.breakeven_after_leg,
        stop_to_leg_after_leg=signal.stop_to_leg_after_leg,
        trail_atr=trail,
        max_hold_bars=signal.max_hold_bars,
    )
    return ExitPlanning(exits, reward_risk)


def ladder_legs(
    rules: SymbolRules, prices: tuple[Decimal, ...], fractions: list[float], qty: float
) -> tuple[TakeProfitLeg, ...]:
    """The final legs of a ladder of `qty` (empty when nothing is left after merging)."""
    total = Decimal(repr(qty))
    step = rules.step_size
    shares: list[Decimal] = []
    for fraction in fractions[:-1]:
        share = total * Decimal(repr(fraction))
        if step > 0:
            share = (share / step + STEP_TOLERANCE).to_integral_value(ROUND_FLOOR) * step
        shares.append(min(share, total - sum(shares, Decimal(0))))
    shares.append(total - sum(shares, Decimal(0)))
    minimum = rules.min_notional
    legs: list[TakeProfitLeg] = []
    carried, covers = Decimal(0), tuple[int, ...]()
    last = len(prices)
    for number, (price, share) in enumerate(zip(prices, shares, strict=True), start=1):
        leg_qty, leg_covers = carried + share, (*covers, number)
        if number < last and (leg_qty <= 0 or leg_qty * price < minimum):
            carried, covers = leg_qty, leg_covers  # merged into the next leg
            continue
        carried, covers = Decimal(0), ()
        legs.append(TakeProfitLeg(number, price, leg_qty, leg_covers))
    final = legs[-1]
    if final.qty <= 0 or final.qty * final.price < minimum:
        legs.pop()
        if not legs:
            return ()
        before = legs[-1]  # the nearest earlier leg that still has a quantity
        legs[-1] = TakeProfitLeg(
            before.number, before.price, before.qty + final.qty, (*before.covers, *final.covers)
        )
    return tuple(legs)


def ladder_reward_risk(plan: EntryPlan, legs: tuple[TakeProfitLeg, ...]) -> float:
    """`|average leg price − entry| / |entry − stop_loss|`, the average weighted by the
    final leg quantities (0 when the risk is zero)."""
    qty = sum((leg.qty for leg in legs), Decimal(0))
    average = float(sum((leg.price * leg.qty for leg in legs), Decimal(0)) / qty)
    risk = abs(plan.entry - plan.stop_loss)
    return abs(average - plan.entry) / risk if risk > 0 else 0.0
