"""The order pipeline: one path from a signal or a person's order to the venue, in every mode.

    execution-model checks and sizing → risk gate (`min_rr` and every circuit breaker,
    on bar time) → idempotent queue → pending confirmation (when on) → venue

Backtests run it with in-memory repositories and confirmation off; replays and paper
trading with the database's repositories; live trading will swap the venue. Commands
go in (`scalplab.orders.commands`), past-tense outcomes come out
(`scalplab.orders.outcomes`) to the listener, and the venue's events are reconciled
into the queue (`scalplab.orders.reconcile`). The checks, in order, for a signal on
the close of bar t of a book:

1. dropped — t is the book's last bar (no bar is left to fill on);
2. position_open — the book holds a position or an unfilled entry;
   pending_confirmation — an order of the book waits for a person;
3. invalid_levels — with the stop-loss and take-profit(s) rounded to the tick (nearest,
   halves away from zero) the stop is not on the losing side or a target not on the
   winning side of the entry;
4. sizing (`qty = min(equity × risk% / |entry − stop|, equity × leverage / entry,
   the symbol's largest position)`, down to the step) — min_qty, min_notional;
   insufficient_margin when its initial margin exceeds the equity not already held as
   margin; then the exits (`scalplab.orders.ladder`) — leg_min_notional, trail_period;
5. the kill switch (`scalplab.orders.halt`: while trading is halted, a block by the
   `halted` breaker), then the risk gate (`scalplab.orders.gating`: a breaker's pause
   turns the switch on, a size scale re-sizes) — `min_rr` (a rejection, reason min_rr), then
   each circuit breaker (a block, with the breaker and its reason);
6. the order request's symbol rules (tick, step, max quantity, notional), then the queue.

A person's entry order meets the kill switch first of all (409 while halted), and an
entry waiting for confirmation cannot be confirmed while halted; exits never wait.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from functools import partial

from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders import gating
from scalplab.orders.atr import AtrTracker
from scalplab.orders.commands import (
    CancelConfirmations,
    ClosePosition,
    ConfirmOrder,
    ExpireConfirmations,
    RejectOrder,
    SubmitOrder,
    SubmitSignal,
)
from scalplab.orders.confirm_facts import facts_at
from scalplab.orders.confirming import Confirmations
from scalplab.orders.entry import (
    EntryPlan,
    Sizing,
    max_position_float,
    plan_manual,
    plan_signal,
    size_entry,
)
from scalplab.orders.events import VenueEvent
from scalplab.orders.gating import pause_entries, rescale, risk_context, sync_pause
from scalplab.orders.halt import HaltSwitch, halt_decision, refuse_if_halted
from scalplab.orders.ids import client_order_id
from scalplab.orders.ladder import plan_exits
from scalplab.orders.models import Bar, BookKey, ReasonParams, SignalFate, SignalRecord, as_code
from scalplab.orders.outcomes import (
    ConfirmationRequested,
    OrderAccepted,
    OrderBlocked,
    Outcome,
    SignalAccepted,
    SignalBlocked,
    SignalOutcome,
    SignalRejected,
)
from scalplab.orders.queue import OrderQueue, check_resubmission
from scalplab.orders.reconcile import Reconciler
from scalplab.orders.risk import RiskContext, RiskDecision, RiskEvent, RiskGate
from scalplab.orders.rules import validate_order
from scalplab.orders.sizing import risk_position_size
from scalplab.orders.types import Order, OrderRejected, OrderRequest, opposite, order_side
from scalplab.orders.venue import Venue
from scalplab.strategies.signal import Signal


class BreakerBlockedError(ConflictError):
    """A circuit breaker refused a person's order. Its `OrderBlocked` outcome was emitted
    before the raise: a caller that keeps outcomes (the paper journal) keeps this one."""


class OrderPipeline:
    """Signals and manual orders of every book of one account, through one set of checks."""

    def __init__(
        self,
        venue: Venue,
        gate: RiskGate,
        queue: OrderQueue,
        *,
        risk_per_trade_pct: float,
        max_leverage: float,
        atr: AtrTracker | None = None,
        confirmations: Confirmations | None = None,
        clock_ms: Callable[[], int] | None = None,
        listener: Callable[[Outcome], None] | None = None,
        halt: HaltSwitch | None = None,
    ) -> None:
        self.venue = venue
        self.halt = halt if halt is not None else HaltSwitch()  # a backtest's: never resumed
        self.gate = gate
        self.queue = queue
        self.risk_per_trade_pct = risk_per_trade_pct
        self.max_leverage = max_leverage
        self.atr = atr
        self.confirmations = confirmations
        self.listener = listener
        self._bar_ms = 0
        self._clock_ms = clock_ms if clock_ms is not None else self._bar_clock
        self._keys: dict[str, BookKey] = {}
        self.reconciler = Reconciler(queue, gate, self._clock_ms, self._emit)
        if confirmations is not None:
            confirmations.listener = self._emit

    # ----- the bar clock ---------------------------------------------------------

    def _bar_clock(self) -> int:
        return self._bar_ms

    def on_bar(self, book: str, bar: Bar) -> None:
        """A bar of `book` closed: the gate's day, the venue's fills, the ATR window."""
        self._bar_ms = bar.open_ms
        self.gate.on_bar(bar.open_ms, self.venue.equity)
        self.gate.record_bar(self._key(book).symbol, bar.open_ms, bar.close)
        sync_pause(self.halt, self.gate)
        self.venue.on_bar(book, bar)
        if self.atr is not None:
            self.atr.update(book, bar)

    def on_venue_event(self, event: VenueEvent) -> None:
        """What the venue reports: reconciled into the queue and the gate."""
        self.reconciler.apply(event)

    def finish(self, book: str, reason: str) -> None:
        """The book's data ended: its confirmations are withdrawn, the venue settles it."""
        self.cancel_confirmations(CancelConfirmations(book, reason))
        self.venue.finish(book)

    # ----- signals ---------------------------------------------------------------

    def submit_signal(self, command: SubmitSignal) -> SignalOutcome:
        """Decide a strategy signal (the checks of the module docstring) and report it."""
        book, bar, signal = command.book, command.bar, command.signal
        key = self._key(book)
        plan = plan_signal(self.venue.rules(book), signal)
        early = self._early_rejection(book, bar)
        if early is not None:
            fate, reason = early
            return self._signal_rejected(key, bar, signal, plan, fate, reason)
        if not plan.levels_valid:
            return self._signal_rejected(key, bar, signal, plan, "rejected", "invalid_levels")
        sizing = self._size(book, plan.entry, plan.stop_loss)
        qty = sizing.qty
        if sizing.reason:
            return self._signal_rejected(
                key, bar, signal, plan, "rejected", sizing.reason, qty, sizing.params
            )
        data_bars = partial(self.venue.data_bars, book)
        exits = plan_exits(self.venue.rules(book), plan, signal, qty, data_bars)
        if exits.reason:
            return self._signal_rejected(key, bar, signal, plan, "rejected", exits.reason, qty)
        base = self._context(key, bar, signal.side, exits.reward_risk)
        risk = qty * abs(plan.entry - plan.stop_loss)
        books = (self.venue, self.queue, self.confirmations)
        context = gating.signal_context(base, signal.score, command.breakers, risk, *books)
        decision = halt_decision(self.halt) or self.gate.check(context)
        if not decision.allowed:
            if decision.breaker == "min_rr":
                return self._signal_rejected(
                    key, bar, signal, plan, "rejected", "min_rr", qty, decision.params
                )
            event = RiskEvent.from_decision(context, decision)
            pause_entries(self.halt, self.venue, self.queue, event)
            record = self._record(key, bar, signal, plan, "blocked", decision.reason, qty)
            record = event.stamp(record)
            outcome = SignalBlocked(record, event)
            self._emit(outcome)
            return outcome
        scale, note = decision.scale, "" if decision.scale is None else decision.scale.reason
        if scale is not None:
            scaled = rescale(self.venue, book, plan, signal, qty, scale)
            qty, exits = scaled.qty, scaled.exits
            if scaled.reason:
                return self._signal_rejected(key, bar, signal, plan, "rejected", scaled.reason, qty)
        request = OrderRequest.from_signal(
            key.symbol,
            signal.side,
            qty,
            plan.stop_loss_tick,
            plan.take_profit_tick,
            strategy=key.strategy,
            signal_time_ms=bar.open_ms,
            client_order_id=client_order_id(key.symbol, key.strategy, bar.open_ms, signal.side),
            exits=exits.exits,
        )
        try:
            order = self._queue(request, plan.entry, book)
        except OrderRejected as exc:
            return self._signal_rejected(key, bar, signal, plan, "rejected", exc.reason, qty)
        if order.status == "pending_confirmation":
            record = self._record(key, bar, signal, plan, "pending", note, qty, order.id)
            return self._ask_confirmation(order, book, bar.open_ms, record)
        self.venue.submit(book, order)
        self.gate.record_entry(bar.open_ms, key.symbol, key.strategy)
        record = self._record(key, bar, signal, plan, "accepted", note, qty, order.id)
        if scale is not None:
            record = replace(record, reason_code=scale.code, reason_params=dict(scale.params))
        accepted = SignalAccepted(record, order)
        self._emit(accepted)
        return accepted

    def _early_rejection(self, book: str, bar: Bar) -> tuple[SignalFate, str] | None:
        if self.venue.is_last_bar(book, bar):
            return "dropped", "last_bar"
        if self.venue.position(book) is not None or self.venue.has_pending_entry(book):
            return "rejected", "position_open"
        if self.confirmations is not None and self.confirmations.waiting(book):
            return "rejected", "pending_confirmation"
        return None

    def _size(self, book: str, entry: float, stop: float) -> Sizing:
        equity = self.venue.equity()
        return size_entry(
            self.venue.rules(book),
            equity,
            entry,
            stop,
            self.risk_per_trade_pct,
            self.max_leverage,
            equity - self.venue.margin_in_use(),
        )

    def _margin_ok(self, notional: float, equity: float) -> bool:
        margin = notional / self.max_leverage
        return margin <= (equity - self.venue.margin_in_use()) * (1 + 1e-9)

    def _signal_rejected(
        self,
        key: BookKey,
        bar: Bar,
        signal: Signal,
        plan: EntryPlan,
        fate: SignalFate,
        reason: str,
        qty: float = 0.0,
        params: ReasonParams | None = None,
    ) -> SignalRejected:
        record = self._record(key, bar, signal, plan, fate, reason, qty)
        code = as_code(reason)
        outcome = SignalRejected(
            replace(record, reason_code=code, reason_params=dict(params or {}))
        )
        self._emit(outcome)
        return outcome

    # ----- manual orders ---------------------------------------------------------

    def submit_order(self, command: SubmitOrder) -> Order:
        """A person's order through the same checks; `OrderRejected` says why it is refused,
        a `ConflictError` names the breaker that blocks it. A resubmission of a known client
        order id returns the first order."""
        book = command.book
        key = self._key(book)
        known = self._known(command.request)
        if known is not None:
            return known
        bar = self.venue.last_bar(book)
        if bar is None:
            raise ConflictError(f"{key.symbol} has no price yet: start the simulation first")
        position = self.venue.position(book)
        request = plan_manual(command.request, bar, position, self._sizer(book))
        if not request.reduce_only:
            self._gate_halt(key, request, bar)
            if position is not None or self.venue.has_pending_entry(book):
                raise OrderRejected(f"{book} already has a position or a pending entry")
            if self.confirmations is not None and self.confirmations.waiting(book):
                raise OrderRejected(f"an order of {book} waits for confirmation")
            self._check_leverage(request, bar)
            self._gate_manual(key, request, bar)
        order = self._queue(request, bar.close, book)
        if order.status == "pending_confirmation":
            self._ask_confirmation(order, book, bar.open_ms, None)
            return order
        self.venue.submit(book, order)
        if not order.reduce_only:
            self.gate.record_entry(bar.open_ms, key.symbol, key.strategy)
        self._emit(OrderAccepted(order))
        return order

    def _known(self, request: OrderRequest) -> Order | None:
        """The order a resubmission names (`IdempotencyConflict` when the request differs)."""
        if request.client_order_id is None:
            return None
        existing = self.queue.get_by_client_id(request.client_order_id)
        if existing is not None:
            check_resubmission(existing, request)
        return existing

    def _sizer(self, book: str) -> Callable[[float, float], float]:
        def size(entry: float, stop: float) -> float:
            rules = self.venue.rules(book)
            return risk_position_size(
                self.venue.equity(),
                entry,
                stop,
                self.risk_per_trade_pct,
                self.max_leverage,
                rules.step_size,
                max_position_float(rules),
            )

        return size

    def _check_leverage(self, request: OrderRequest, bar: Bar) -> None:
        assert request.qty is not None
        price = request.entry_price(bar.close)
        notional = float(request.qty * price)
        equity = self.venue.equity()
        cap = equity * self.max_leverage
        if notional > cap * (1 + 1e-9):
            raise OrderRejected(
                f"notional {notional:.2f} USDT is over equity {equity:.2f} × max leverage "
                f"{self.max_leverage:g} = {cap:.2f} USDT"
            )
        if not self._margin_ok(notional, equity):
            free = equity - self.venue.margin_in_use()
            raise OrderRejected(
                f"initial margin {notional / self.max_leverage:.2f} USDT is over the free "
                f"margin {max(free, 0.0):.2f} USDT"
            )

    def _gate_halt(self, key: BookKey, request: OrderRequest, bar: Bar) -> None:
        """The kill switch before every other check of a person's entry."""
        decision = halt_decision(self.halt)
        if decision is not None:
            side = "long" if request.side == "buy" else "short"
            self._block_manual(self._context(key, bar, side, None), decision)

    def _gate_manual(self, key: BookKey, request: OrderRequest, bar: Bar) -> None:
        entry = float(request.entry_price(bar.close))
        reward_risk = None
        if request.stop_loss is not None and request.take_profit is not None:
            risk = abs(entry - float(request.stop_loss))
            reward_risk = abs(float(request.take_profit) - entry) / risk if risk > 0 else 0.0
        side = "long" if request.side == "buy" else "short"
        context = self._context(key, bar, side, reward_risk)
        decision = self.gate.check(context)
        if decision.allowed:
            return
        if decision.breaker == "min_rr":
            raise OrderRejected(decision.reason)
        self._block_manual(context, decision)

    def _block_manual(self, context: RiskContext, decision: RiskDecision) -> None:
        event = RiskEvent.from_decision(context, decision)
        self._emit(OrderBlocked(event))
        raise BreakerBlockedError(f"blocked by the {event.breaker} breaker: {event.reason}")

    # ----- confirmations and exits ------------------------------------------------

    def confirm(self, command: ConfirmOrder) -> Order:
        """A person confirms: the order goes to the venue. Errors change nothing."""
        confirmations = self._confirmations()
        self.expire(ExpireConfirmations())
        waiting = confirmations.open(command.pending_id)
        book = waiting.book
        if not waiting.order.reduce_only:
            refuse_if_halted(self.halt, "confirming an entry")
        if not waiting.order.reduce_only and (
            self.venue.position(book) is not None or self.venue.has_pending_entry(book)
        ):
            raise ConflictError(f"{book} already has a position or a pending entry")
        order = confirmations.confirm(command.pending_id)
        self.venue.submit(book, order)
        if not order.reduce_only:
            self.gate.record_entry(waiting.time_ms, order.symbol, order.strategy or "")
        return order

    def reject(self, command: RejectOrder) -> Order:
        """A person rejects: the order never executes (an expired one stays expired)."""
        self.expire(ExpireConfirmations())
        return self._confirmations().reject(command.pending_id, command.reason)

    def expire(self, command: ExpireConfirmations) -> int:
        """Expire the confirmations whose time-to-live ran out; how many."""
        if self.confirmations is None:
            return 0
        return self.confirmations.expire_due()

    def cancel_confirmations(self, command: CancelConfirmations) -> int:
        """Withdraw the open confirmations of a book; how many."""
        if self.confirmations is None:
            return 0
        return self.confirmations.cancel_book(command.book, command.reason)

    def close_position(self, command: ClosePosition) -> bool:
        """Close a book's position at market with a reduce-only order; False when flat or
        an exit is already on its way."""
        book = command.book
        position = self.venue.position(book)
        if position is None or self.venue.exit_pending(book):
            return False
        own_hold = None if position.exits is None else position.exits.max_hold_bars
        if command.reason == "max_hold" and own_hold is not None:
            return False  # the signal's own max_hold_bars overrides the strategy's param
        key = self._key(book)
        request = OrderRequest(
            symbol=key.symbol,
            side=opposite(order_side(position.side)),
            type="market",
            qty=Decimal(repr(position.qty)),
            reduce_only=True,
            source="strategy" if command.reason in ("max_hold", "signal") else "manual",
            strategy=key.strategy,
        )
        order, _ = self.queue.submit(request, self._clock_ms())
        return self.venue.close_position(book, command.reason, order.id)

    # ----- shared steps --------------------------------------------------------------

    def _key(self, book: str) -> BookKey:
        key = self._keys.get(book)
        if key is None:
            if not self.venue.has_book(book):
                raise NotFoundError(f"no book {book}")
            key = self._keys[book] = BookKey.parse(book)
        return key

    def _context(self, key: BookKey, bar: Bar, side: str, reward_risk: float | None) -> RiskContext:
        return risk_context(self.venue, self.confirmations, self.atr, key, bar, side, reward_risk)

    def _queue(self, request: OrderRequest, reference: float, book: str) -> Order:
        """Validate against the symbol rules and queue (waiting for a person when asked)."""
        validate_order(request, self.venue.rules(book), reference)
        confirm = self.confirmations is not None and self.confirmations.required()
        order, created = self.queue.submit(request, self._clock_ms(), awaiting_confirmation=confirm)
        if not created:
            raise OrderRejected(f"duplicate of order {order.id} (same client order id)")
        return order

    def _ask_confirmation(
        self, order: Order, book: str, time_ms: int, record: SignalRecord | None
    ) -> ConfirmationRequested:
        facts = facts_at(order, self.venue, book, self.max_leverage, time_ms, record)
        pending = self._confirmations().ask(order, book, time_ms, facts)
        outcome = ConfirmationRequested(order, pending, record)
        self._emit(outcome)
        return outcome

    def _confirmations(self) -> Confirmations:
        if self.confirmations is None:
            raise ConflictError("order confirmation is not used in this mode")
        return self.confirmations

    def _record(
        self,
        key: BookKey,
        bar: Bar,
        signal: Signal,
        plan: EntryPlan,
        fate: SignalFate,
        reason: str,
        qty: float = 0.0,
        order_id: str | None = None,
    ) -> SignalRecord:
        return SignalRecord(
            symbol=key.symbol,
            strategy=key.strategy,
            time_ms=bar.open_ms,
            side=signal.side,
            entry=signal.entry,
            stop_loss=plan.stop_loss,
            take_profit=plan.take_profit,
            confidence=signal.confidence,
            reasons=tuple(signal.reasons),
            status=fate,
            reason=reason,
            qty=qty if math.isfinite(qty) else 0.0,
            order_id=order_id,
            score=None if signal.score is None else float(signal.score),
            tier=signal.tier,
            variant=signal.variant,
            breakdown={name: float(value) for name, value in signal.breakdown.items()},
        )

    def _emit(self, outcome: Outcome) -> None:
        if self.listener is not None:
            self.listener(outcome)
