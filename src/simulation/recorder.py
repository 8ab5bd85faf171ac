"""What paper trading keeps of each pipeline outcome: `_sim` rows and stream events.

The journal hands every outcome of a unit of work to `OutcomeRecorder.write` inside
that unit's transaction; the rows are written there, the stream events it returns are
published once the transaction has committed. Signals keep their fate (and the breaker
of a blocked one), a resolved confirmation settles its signal's fate, closed trades
become rows, blocks become risk events (with the scope, effect and end of the breaker's
hold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from scalplab.orders.events import FundingSettled, PositionOpened
from scalplab.orders.models import SignalRecord
from scalplab.orders.outcomes import (
    ConfirmationRequested,
    ConfirmationResolved,
    OrderAccepted,
    OrderBlocked,
    OrderUpdated,
    Outcome,
    SignalAccepted,
    SignalBlocked,
    SignalRejected,
    TradeClosed,
)
from scalplab.orders.pending import Pending, PendingView
from scalplab.orders.risk import RiskEvent
from scalplab.orders.risk_records import BLOCK_SIGNAL, GLOBAL
from scalplab.simulation.events import EventKind, StreamPayload
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import RiskEventView, SignalView, TradeView
from scalplab.storage.models_sim import RiskEventSim, SignalSim


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """An event to publish once its unit of work has committed."""

    kind: EventKind
    data: StreamPayload


class OutcomeRecorder:
    """Turns outcomes into rows (in the unit's session) and stream events."""

    def __init__(self, store: SimStore, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    def write(
        self, session: Session, outcome: Outcome, candle_in_ns: int | None
    ) -> list[StreamEvent]:
        """Write `outcome`'s rows; the events it becomes, in publishing order."""
        if isinstance(outcome, SignalAccepted):
            signal = self._signal(session, outcome.record, candle_in_ns)
            return [signal, StreamEvent("order", outcome.order)]
        if isinstance(outcome, SignalRejected):
            return [self._signal(session, outcome.record, candle_in_ns)]
        if isinstance(outcome, SignalBlocked):
            signal = self._signal(session, outcome.record, candle_in_ns)
            assert isinstance(signal.data, SignalView)
            return [signal, self._risk(session, outcome.risk_event, signal.data.id)]
        if isinstance(outcome, ConfirmationRequested):
            events = []
            if outcome.record is not None:
                events.append(self._signal(session, outcome.record, candle_in_ns))
            return [*events, self._pending(outcome.pending), StreamEvent("order", outcome.order)]
        if isinstance(outcome, ConfirmationResolved):
            self.store.settle_signal(session, outcome.order.id, outcome.fate, outcome.reason)
            return [self._pending(outcome.pending), StreamEvent("order", outcome.order)]
        if isinstance(outcome, OrderAccepted | OrderUpdated):
            return [StreamEvent("order", outcome.order)]
        if isinstance(outcome, OrderBlocked):
            return [self._risk(session, outcome.risk_event, None)]
        if isinstance(outcome, TradeClosed):
            self.store.add_trade(session, outcome.trade)
            return [StreamEvent("trade", TradeView(outcome.trade))]
        assert isinstance(outcome, PositionOpened | FundingSettled)
        return []  # in the books' state, written with the unit

    def _signal(
        self, session: Session, record: SignalRecord, candle_in_ns: int | None
    ) -> StreamEvent:
        row = self.store.add_signal(
            session,
            SignalSim(
                symbol=record.symbol,
                strategy=record.strategy,
                time_ms=record.time_ms,
                side=record.side,
                entry=record.entry,
                stop_loss=record.stop_loss,
                take_profit=record.take_profit,
                confidence=record.confidence,
                reasons=list(record.reasons),
                status=record.status,
                reason=record.reason,
                qty=record.qty,
                order_id=record.order_id,
                breaker=record.breaker,
                score=record.score,
                tier=record.tier,
                variant=record.variant,
                breakdown=dict(record.breakdown) if record.breakdown else None,
                reason_code=record.reason_code,
                reason_params=dict(record.reason_params) if record.reason_params else None,
            ),
        )
        return StreamEvent("signal", signal_view(row, candle_in_ns))

    def _risk(self, session: Session, event: RiskEvent, signal_id: int | None) -> StreamEvent:
        row = RiskEventSim(
            time_ms=event.time_ms,
            symbol=event.symbol,
            strategy=event.strategy,
            breaker=event.breaker,
            reason=event.reason,
            signal_id=signal_id,
            scope=event.scope,
            effect=event.effect,
            until_ms=event.until_ms,
            code=event.code,
            params=dict(event.params) if event.params else None,
        )
        session.add(row)
        session.flush()
        return StreamEvent("risk", risk_event_view(row))

    def _pending(self, pending: Pending) -> StreamEvent:
        now = self.clock()
        return StreamEvent("pending", PendingView(pending, pending.seconds_left(now), now))


def signal_view(row: SignalSim, candle_in_ns: int | None = None) -> SignalView:
    """A stored signal as the API shows it."""
    return SignalView(
        id=row.id,
        symbol=row.symbol,
        strategy=row.strategy,
        time_ms=row.time_ms,
        side=row.side,
        entry=row.entry,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        confidence=row.confidence,
        reasons=list(row.reasons),
        status=row.status,
        reason=row.reason,
        qty=row.qty,
        order_id=row.order_id,
        breaker=row.breaker,
        candle_in_ns=candle_in_ns,
        score=row.score,
        tier=row.tier,
        variant=row.variant,
        breakdown=dict(row.breakdown or {}),
        reason_code=row.reason_code,
        reason_params=dict(row.reason_params or {}),
    )


def risk_event_view(row: RiskEventSim) -> RiskEventView:
    """A stored block as the API shows it (a row stored before its breaker's scope, effect
    and end were recorded reads as a plain blocked signal: global, `block_signal`)."""
    return RiskEventView(
        id=row.id,
        time_ms=row.time_ms,
        symbol=row.symbol,
        strategy=row.strategy,
        breaker=row.breaker,
        reason=row.reason,
        signal_id=row.signal_id,
        scope=row.scope or GLOBAL,
        effect=row.effect or BLOCK_SIGNAL,
        until_ms=row.until_ms,
        code=row.code,
        params=dict(row.params or {}),
    )
