"""The order pipeline's risk-gate step: the context it hands the gate, and what it does
with a verdict beyond blocking.

- `risk_context`: a prospective entry of a book as the gate sees it, on the bar clock.
- A breaker whose effect pauses every entry until a person resumes trading turns the
  kill switch on (`pause_entries`: source `breaker`, the waiting entries withdrawn, as
  a halt does), so `/trading/resume` and Telegram `/resume` undo it. The switch is the
  authority: once it is off again the gate's pause is released (`sync_pause`), and
  after a restart a pause kept in the gate's state turns it back on
  (`restore_pause`). A backtest's pipeline has a switch of its own that nobody resumes:
  the pause holds to the end of the run, with the same blocks as paper trading.
- `open_books`: the account's busy books with their open risk, for the breakers that
  read them (open positions, portfolio heat, correlation).
- A `SizeScale` multiplies the sized quantity (`rescale`): rounded down to the step,
  then checked again for the minimum quantity and notional (rejections `min_qty`,
  `min_notional`) and its exits planned again for the new quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from scalplab.orders.atr import AtrTracker
from scalplab.orders.confirming import Confirmations
from scalplab.orders.entry import EntryPlan
from scalplab.orders.halt import HaltState, HaltSwitch, cancel_waiting_entries
from scalplab.orders.ladder import ExitPlanning, plan_exits
from scalplab.orders.models import Bar, BookKey, Position
from scalplab.orders.queue import OrderQueue
from scalplab.orders.risk import RiskGate
from scalplab.orders.risk_records import PAUSE, OpenBook, RiskContext, RiskEvent, SizeScale
from scalplab.orders.sizing import floor_to_step
from scalplab.orders.venue import Venue
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.signal import Signal

BREAKER_SOURCE = "breaker"
"""Who turned the kill switch on, when a breaker paused every entry."""


def risk_context(
    venue: Venue,
    confirmations: Confirmations | None,
    atr: AtrTracker | None,
    key: BookKey,
    bar: Bar,
    side: str,
    reward_risk: float | None,
) -> RiskContext:
    """A prospective entry of `key`'s book at the bar clock of `bar` (a signal's adds its
    `score` and the breakers its strategy `declared`)."""
    book = key.id
    busy = venue.busy_books()
    if confirmations is not None:
        busy |= confirmations.waiting_books()
    return RiskContext(
        symbol=key.symbol,
        strategy=key.strategy,
        side=side,
        reward_risk=reward_risk,
        now_ms=bar.open_ms,
        equity=venue.equity(),
        open_positions=len(busy),
        spread_pct=None,
        atr=None if atr is None else atr.atr(book),
        atr_avg=None if atr is None else atr.atr_avg(book),
    )


def signal_context(
    base: RiskContext,
    score: float | None,
    declared: BreakerInputs | None,
    entry_risk: float,
    venue: Venue,
    queue: OrderQueue,
    confirmations: Confirmations | None,
) -> RiskContext:
    """`base` with what a strategy's signal adds: its score, its declared breakers, the
    sized entry's risk and, when a breaker reads them, the account's open books."""
    books = open_books(venue, queue, confirmations) if declared and declared.needs_books else ()
    return replace(base, score=score, declared=declared, entry_risk=entry_risk, open_books=books)


def open_books(
    venue: Venue, queue: OrderQueue, confirmations: Confirmations | None
) -> tuple[OpenBook, ...]:
    """The account's books holding a position, an entry waiting to fill or an order
    waiting for confirmation, with their open risk: a position's quantity × the distance
    from its entry to its current stop (0 once the stop is at or past the entry; its
    isolated margin when it has no stop), a waiting entry's quantity × the distance from
    its book's last close (or its limit price) to its stop-loss (its notional when it has
    no stop)."""
    busy = venue.busy_books()
    if confirmations is not None:
        busy |= confirmations.waiting_books()
    waiting: dict[str, tuple[str, float]] = {}
    if any(venue.position(book) is None for book in busy):
        for order in queue.repository.open_orders():
            if order.reduce_only or order.parent_id is not None or order.qty is None:
                continue
            book = BookKey(order.symbol, order.strategy or "").id
            side = "long" if order.side == "buy" else "short"
            last = venue.last_bar(book) if venue.has_book(book) else None
            reference = float(order.price) if order.price is not None else None
            if reference is None and last is not None:
                reference = last.close
            if reference is None:
                continue
            stop = None if order.stop_loss is None else float(order.stop_loss)
            qty = float(order.qty)
            risk = qty * reference if stop is None else qty * abs(reference - stop)
            waiting[book] = (side, risk)
    books = []
    for book in sorted(busy):
        key = BookKey.parse(book)
        position = venue.position(book)
        if position is not None:
            books.append(OpenBook(key.symbol, key.strategy, position.side, _risk(position)))
        elif book in waiting:
            side, risk = waiting[book]
            books.append(OpenBook(key.symbol, key.strategy, side, risk))
        else:
            books.append(OpenBook(key.symbol, key.strategy, "", 0.0))
    return tuple(books)


def _risk(position: Position) -> float:
    if position.stop_loss is None:
        return position.margin
    return position.qty * max(0.0, (position.entry_price - position.stop_loss) * position.direction)


def pause_entries(switch: HaltSwitch, venue: Venue, queue: OrderQueue, event: RiskEvent) -> None:
    """A breaker's block that pauses every entry until a resume turns the kill switch on
    (since the block's bar time, so a replay says what the backtest says) and withdraws
    the entries waiting at the venue (any other block: nothing happens)."""
    if event.effect != PAUSE or switch.halted:
        return
    reason = f"breaker {event.breaker}: {event.reason}"
    switch.set(HaltState(True, event.time_ms, reason, BREAKER_SOURCE))
    cancel_waiting_entries(venue, queue, f"every entry paused by breaker {event.breaker}")


def sync_pause(switch: HaltSwitch, gate: RiskGate) -> None:
    """The switch is off while the gate holds a breaker's pause: a person resumed, so the
    pause is released."""
    if gate.paused is not None and not switch.halted:
        gate.resume()


def restore_pause(switch: HaltSwitch, gate: RiskGate) -> None:
    """The gate's state holds a breaker's pause (loaded after a restart): the switch goes
    on again unless it already is."""
    pause = gate.paused
    if pause is None or switch.halted:
        return
    reason = f"breaker {pause.breaker}: every new entry is paused: {pause.reason}"
    switch.set(HaltState(True, pause.since_ms, reason, BREAKER_SOURCE))


@dataclass(frozen=True, slots=True)
class Rescaled:
    """A scaled quantity and its exits, or the reason it cannot trade (empty: it can)."""

    qty: float
    exits: ExitPlanning
    reason: str = ""


def rescale(
    venue: Venue, book: str, plan: EntryPlan, signal: Signal, qty: float, scale: SizeScale
) -> Rescaled:
    """`qty × scale.factor` down to the step of `book`'s symbol, checked for its minimum
    quantity and notional, with its exits planned again."""
    rules = venue.rules(book)
    scaled = floor_to_step(qty * scale.factor, rules.step_size)
    exits = plan_exits(rules, plan, signal, scaled, partial(venue.data_bars, book))
    if scaled <= 0 or scaled < float(rules.min_qty):
        return Rescaled(scaled, exits, "min_qty")
    if scaled * plan.entry < float(rules.min_notional):
        return Rescaled(scaled, exits, "min_notional")
    return Rescaled(scaled, exits, exits.reason)


__all__ = [
    "BREAKER_SOURCE",
    "Rescaled",
    "open_books",
    "pause_entries",
    "rescale",
    "restore_pause",
    "risk_context",
    "signal_context",
    "sync_pause",
]
